package orderstest

import (
	"bytes"
	"context"
	"sync"

	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
	"github.com/go-sam-blueprint/orders/src/orders"
)

// Idempotency is an in-memory orders.Idempotency with the idempotency
// package's answers: a replay, ErrPayloadMismatch, and, while Err is set,
// that error for every call (an *idempotency.InProgressError, say).
type Idempotency struct {
	mu      sync.Mutex
	records map[string]record
	// Err, when set, is returned by every call.
	Err error
}

type record struct {
	payload, result []byte
}

var _ orders.Idempotency = (*Idempotency)(nil)

// NewIdempotency returns an Idempotency with no records.
func NewIdempotency() *Idempotency {
	return &Idempotency{records: map[string]record{}}
}

// Do runs op once per key.
func (i *Idempotency) Do(ctx context.Context, key string, payload []byte, op func(context.Context) ([]byte, error)) ([]byte, bool, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.Err != nil {
		return nil, false, i.Err
	}
	if r, ok := i.records[key]; ok {
		if !bytes.Equal(r.payload, payload) {
			return nil, false, idempotency.ErrPayloadMismatch
		}
		return r.result, true, nil
	}
	result, err := op(ctx)
	if err != nil {
		return nil, false, err
	}
	i.records[key] = record{payload: payload, result: result}
	return result, false, nil
}
