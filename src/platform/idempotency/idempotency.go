// Package idempotency makes an operation safe to retry: run through a
// Guard with a key, it takes effect at most once, and a repeat of the same
// request gets the first answer again.
//
// Records live in a DynamoDB table keyed by the string attribute "id", with
// TTL on "expiration". Two ways to run an operation:
//
//   - Atomic.Do, for an operation whose whole effect is DynamoDB writes made
//     through a dynamotx-aware store: one round trip, a transaction that
//     commits the writes with the completed record if the key is free. A
//     repeat costs one round trip too: the failed condition returns the
//     record (ReturnValuesOnConditionCheckFailure).
//   - Guard.Do, for any operation: a conditional PutItem first claims the
//     key (in progress), then one TransactWriteItems commits the
//     operation's dynamotx writes with the completed record; two round
//     trips. The claim expires with the caller's deadline (the Lambda
//     deadline) at the latest, and is removed when the operation fails, so
//     a failure never blocks a retry.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/platform/dynamotx"
)

// ErrPayloadMismatch reports a key reused for a different request.
var ErrPayloadMismatch = errors.New("idempotency key reused with a different payload")

// InProgressError reports that a request with the same key is still running.
type InProgressError struct {
	// RetryAfter is when the running request's claim expires at the latest.
	RetryAfter time.Duration
}

func (e *InProgressError) Error() string {
	return fmt.Sprintf("a request with this idempotency key is in progress; retry after %s", e.RetryAfter)
}

// API is the part of the DynamoDB client that a Guard uses.
type API interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Record attributes. Several are DynamoDB reserved words, so expressions
// always name them through placeholders.
const (
	attrID          = "id"
	attrStatus      = "status"
	attrPayloadHash = "payload_hash"
	attrOwner       = "owner"
	attrExpiration  = "expiration"
	attrInProgress  = "in_progress_expiration"
	attrResult      = "result"

	statusInProgress = "IN_PROGRESS"
	statusCompleted  = "COMPLETED"
)

// maxInProgress bounds a claim when the context has no deadline.
const maxInProgress = 30 * time.Second

// cleanupTimeout bounds the removal of a failed claim, which runs even when
// the caller's context is done.
const cleanupTimeout = 2 * time.Second

var names = map[string]string{
	"#id": attrID, "#status": attrStatus, "#hash": attrPayloadHash, "#owner": attrOwner,
	"#exp": attrExpiration, "#inprog": attrInProgress, "#result": attrResult,
}

// Guard runs operations at most once per key.
type Guard struct {
	db    API
	table string
	ttl   time.Duration
	now   func() time.Time
}

// Option changes how a Guard is built.
type Option func(*Guard)

// WithClock makes the Guard read the time from now, for tests.
func WithClock(now func() time.Time) Option {
	return func(g *Guard) { g.now = now }
}

// New returns a Guard that keeps records in table for ttl after completion.
func New(db API, table string, ttl time.Duration, opts ...Option) (*Guard, error) {
	switch {
	case db == nil:
		return nil, errors.New("idempotency: nil DynamoDB client")
	case table == "":
		return nil, errors.New("idempotency: empty table name")
	case ttl < time.Second:
		return nil, fmt.Errorf("idempotency: ttl %s is under a second", ttl)
	}
	g := &Guard{db: db, table: table, ttl: ttl, now: time.Now}
	for _, opt := range opts {
		opt(g)
	}
	return g, nil
}

// Do runs op once for key and returns its result. A later call with the same
// key and payload returns the stored result with replayed true, without
// running op; the same key with another payload fails with
// ErrPayloadMismatch; a call while the first still runs fails with an
// *InProgressError. A failed op leaves no record behind.
//
// Writes that op makes through a dynamotx-aware store are committed in one
// transaction with the record. The result must fit in a DynamoDB item.
func (g *Guard) Do(ctx context.Context, key string, payload []byte, op func(ctx context.Context) ([]byte, error)) (result []byte, replayed bool, err error) {
	hash := payloadHash(payload)
	owner := uuid.NewString()

	result, replayed, err = g.claim(ctx, key, hash, owner)
	if err != nil || replayed {
		return result, replayed, err
	}
	tx := &dynamotx.Tx{}
	result, err = op(dynamotx.With(ctx, tx))
	if err != nil {
		g.release(ctx, key, owner)
		return nil, false, err
	}
	if err := g.commit(ctx, key, owner, result, tx.Items()); err != nil {
		g.release(ctx, key, owner)
		return nil, false, err
	}
	return result, false, nil
}

// claim writes an in-progress record unless a live one exists; when one
// does, it answers from it.
func (g *Guard) claim(ctx context.Context, key, hash, owner string) ([]byte, bool, error) {
	now := g.now()
	until := now.Add(maxInProgress)
	if deadline, ok := ctx.Deadline(); ok && deadline.Before(until) {
		until = deadline
	}
	_, err := g.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &g.table,
		Item: map[string]types.AttributeValue{
			attrID:          s(key),
			attrStatus:      s(statusInProgress),
			attrPayloadHash: s(hash),
			attrOwner:       s(owner),
			attrExpiration:  n(now.Add(g.ttl).Unix()),
			attrInProgress:  n(until.UnixMilli()),
		},
		// Free, expired, or claimed by a request that ran out of time.
		ConditionExpression:      aws.String("attribute_not_exists(#id) OR #exp < :now OR (#status = :inprogress AND #inprog < :nowms)"),
		ExpressionAttributeNames: pick("#id", "#exp", "#status", "#inprog"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": n(now.Unix()), ":nowms": n(now.UnixMilli()), ":inprogress": s(statusInProgress),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	ccf, taken := errors.AsType[*types.ConditionalCheckFailedException](err)
	if !taken {
		if err != nil {
			return nil, false, fmt.Errorf("claim idempotency key: %w", err)
		}
		return nil, false, nil
	}
	return g.answer(ccf.Item, hash, now)
}

// answer replies to a repeat from the record that holds its key.
func (g *Guard) answer(item map[string]types.AttributeValue, hash string, now time.Time) ([]byte, bool, error) {
	if item == nil {
		return nil, false, errors.New("claim idempotency key: taken, but DynamoDB returned no record")
	}
	if str(item, attrPayloadHash) != hash {
		return nil, false, ErrPayloadMismatch
	}
	if str(item, attrStatus) == statusCompleted {
		if b, ok := item[attrResult].(*types.AttributeValueMemberB); ok {
			return b.Value, true, nil
		}
		return nil, false, errors.New("completed idempotency record has no result")
	}
	until, _ := strconv.ParseInt(num(item, attrInProgress), 10, 64)
	wait := time.UnixMilli(until).Sub(now)
	return nil, false, &InProgressError{RetryAfter: time.Duration(math.Ceil(max(wait, time.Second).Seconds())) * time.Second}
}

// commit writes op's writes and completes the record, all or nothing.
func (g *Guard) commit(ctx context.Context, key, owner string, result []byte, writes []types.TransactWriteItem) error {
	complete := types.TransactWriteItem{Update: &types.Update{
		TableName:                &g.table,
		Key:                      map[string]types.AttributeValue{attrID: s(key)},
		UpdateExpression:         aws.String("SET #status = :completed, #result = :result REMOVE #inprog"),
		ConditionExpression:      aws.String("#status = :inprogress AND #owner = :owner"),
		ExpressionAttributeNames: pick("#status", "#result", "#inprog", "#owner"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":completed": s(statusCompleted), ":inprogress": s(statusInProgress),
			":result": &types.AttributeValueMemberB{Value: result}, ":owner": s(owner),
		},
	}}
	if err := g.transact(ctx, writes, complete, owner); err != nil {
		return fmt.Errorf("complete idempotency record: %w", err)
	}
	return nil
}

// transact writes op's writes and then the record's own write, last, in one
// transaction. token makes the SDK's retries of the call safe: DynamoDB
// applies a token's transaction once.
func (g *Guard) transact(ctx context.Context, writes []types.TransactWriteItem, record types.TransactWriteItem, token string) error {
	if len(writes)+1 > dynamotx.MaxItems {
		return fmt.Errorf("%d writes exceed a transaction", len(writes))
	}
	_, err := g.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems:      append(writes, record),
		ClientRequestToken: &token,
	})
	return err // Callers wrap it; Atomic reads its cancellation reasons first.
}

// release removes this call's claim, so that a retry can run at once. It
// is best effort: a claim that cannot be removed expires anyway.
func (g *Guard) release(ctx context.Context, key, owner string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	_, _ = g.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 &g.table,
		Key:                       map[string]types.AttributeValue{attrID: s(key)},
		ConditionExpression:       aws.String("#status = :inprogress AND #owner = :owner"),
		ExpressionAttributeNames:  pick("#status", "#owner"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":inprogress": s(statusInProgress), ":owner": s(owner)},
	})
}

// payloadHash identifies a request's payload in its record, so a key
// reused for another payload is told apart from a retry.
func payloadHash(payload []byte) string {
	sum := sha256.Sum256(payload)
	return hex.EncodeToString(sum[:])
}

// pick returns the placeholders an expression uses: DynamoDB rejects
// unused ones.
func pick(placeholders ...string) map[string]string {
	out := make(map[string]string, len(placeholders))
	for _, p := range placeholders {
		out[p] = names[p]
	}
	return out
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func str(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func num(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}
