// Package dynamotx lets code that writes to DynamoDB take part in a
// transaction that somebody else commits. A caller puts a Tx in the
// context; a store that finds one adds its write to it instead of sending
// it. The idempotency package uses it to commit an operation's writes
// together with its idempotency record, in one round trip.
package dynamotx

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// MaxItems is the most writes one DynamoDB transaction takes.
const MaxItems = 100

// Tx collects the writes of one transaction.
type Tx struct {
	mu    sync.Mutex
	items []types.TransactWriteItem
}

// Add appends a write.
func (tx *Tx) Add(item types.TransactWriteItem) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.items = append(tx.items, item)
}

// Items returns the writes collected so far.
func (tx *Tx) Items() []types.TransactWriteItem {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return append([]types.TransactWriteItem(nil), tx.items...)
}

type ctxKey struct{}

// With returns a context whose writes go into tx.
func With(ctx context.Context, tx *Tx) context.Context {
	return context.WithValue(ctx, ctxKey{}, tx)
}

// From returns the context's Tx, or nil when writes are to be sent at once.
func From(ctx context.Context) *Tx {
	tx, _ := ctx.Value(ctxKey{}).(*Tx)
	return tx
}
