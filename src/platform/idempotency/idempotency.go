// Package idempotency makes a request that writes to DynamoDB safe to
// retry: it takes effect at most once, and a repeat gets the first answer
// again.
//
// The request's writes commit in one TransactWriteItems together with a
// record of its answer, on the condition that no live record holds the
// request's key. A repeat fails that condition, and DynamoDB returns the
// record with the failure (ReturnValuesOnConditionCheckFailure): a first
// request and its replay are one round trip each.
//
// The package builds the record's write and reads a failed transaction;
// it sends nothing itself. The repository that owns the request's writes
// sends the transaction (see orders/dynamo's Store.Create), so that a
// reader finds the one write of a create by following the call.
//
// Records live in a table keyed by the string attribute "id", with TTL on
// "expiration" (template.yaml's IdempotencyTable).
package idempotency

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrPayloadMismatch reports a key reused for a request with another payload.
var ErrPayloadMismatch = errors.New("idempotency key reused with a different payload")

// InProgressError reports a request that raced another with the same key:
// DynamoDB turned one of the two transactions away.
type InProgressError struct {
	// RetryAfter is how long to wait before trying again.
	RetryAfter time.Duration
}

func (e *InProgressError) Error() string {
	return fmt.Sprintf("a request with this idempotency key is in progress; retry after %s", e.RetryAfter)
}

// conflictRetry is how long a request that lost a race should wait: the
// winner's transaction is done within milliseconds.
const conflictRetry = time.Second

// Request is a request that must take effect at most once.
type Request struct {
	// Key identifies the request: its operation and the client's key, or,
	// without one, a hash of its payload.
	Key string
	// PayloadHash tells a retry (the same payload) from a key reused for
	// another request.
	PayloadHash string
}

// NewRequest identifies a request of operation by the client's key, or,
// when clientKey is empty, by its payload: then an identical request is
// its repeat, as in the Python cookbook.
//
// The two kinds of key live in namespaces of their own ("key:" and
// "sha256:"), so that a client cannot take the key of another's keyless
// request by sending the hash of that request's body as its own key.
func NewRequest(operation, clientKey string, payload []byte) Request {
	sum := sha256.Sum256(payload)
	hash := hex.EncodeToString(sum[:])
	key := "key:" + clientKey
	if clientKey == "" {
		key = "sha256:" + hash
	}
	return Request{Key: operation + "#" + key, PayloadHash: hash}
}

// Record attributes.
const (
	attrID          = "id"
	attrPayloadHash = "payload_hash"
	attrExpiration  = "expiration"
	attrAnswer      = "result"
)

// Records keeps the answers to requests in a DynamoDB table.
type Records struct {
	table string
	ttl   time.Duration
	now   func() time.Time
}

// Option changes how Records are built.
type Option func(*Records)

// WithClock makes Records read the time from now, for tests.
func WithClock(now func() time.Time) Option {
	return func(r *Records) { r.now = now }
}

// NewRecords returns Records that keep each answer in table for ttl.
func NewRecords(table string, ttl time.Duration, opts ...Option) (*Records, error) {
	switch {
	case table == "":
		return nil, errors.New("idempotency: empty table name")
	case ttl < time.Second:
		return nil, fmt.Errorf("idempotency: ttl %s is under a second", ttl)
	}
	r := &Records{table: table, ttl: ttl, now: time.Now}
	for _, opt := range opts {
		opt(r)
	}
	return r, nil
}

// Put is the write that records answer as req's: add it to the
// transaction that makes req's writes. It fails the transaction while a
// live record holds req's key, and DynamoDB then returns that record.
func (r *Records) Put(req Request, answer types.AttributeValue) types.TransactWriteItem {
	now := r.now()
	return types.TransactWriteItem{Put: &types.Put{
		TableName: &r.table,
		Item: map[string]types.AttributeValue{
			attrID:          &types.AttributeValueMemberS{Value: req.Key},
			attrPayloadHash: &types.AttributeValueMemberS{Value: req.PayloadHash},
			attrExpiration:  &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(r.ttl).Unix(), 10)},
			attrAnswer:      answer,
		},
		// Free, or expired but not yet removed by TTL (which can take days).
		ConditionExpression:                 aws.String("attribute_not_exists(#id) OR #exp < :now"),
		ExpressionAttributeNames:            map[string]string{"#id": attrID, "#exp": attrExpiration},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// Replay reads the error of a transaction that carried Put's write at
// index. When the record's condition failed because req was answered
// before, it returns that answer, with replayed true. Otherwise it returns
// ErrPayloadMismatch for a key reused with another payload, an
// *InProgressError when the transaction raced another on the same key, and
// err itself when the failure is not the record's.
func (r *Records) Replay(err error, index int, req Request) (answer types.AttributeValue, replayed bool, _ error) {
	if _, ok := errors.AsType[*types.TransactionConflictException](err); ok {
		return nil, false, &InProgressError{RetryAfter: conflictRetry}
	}
	canceled, ok := errors.AsType[*types.TransactionCanceledException](err)
	if !ok {
		return nil, false, err
	}
	reasons := canceled.CancellationReasons
	if index < len(reasons) && aws.ToString(reasons[index].Code) == "ConditionalCheckFailed" {
		return answerOf(reasons[index].Item, req)
	}
	for _, reason := range reasons {
		if aws.ToString(reason.Code) == "TransactionConflict" {
			return nil, false, &InProgressError{RetryAfter: conflictRetry}
		}
	}
	return nil, false, err
}

// answerOf replies to a repeat from the record that holds its key.
func answerOf(record map[string]types.AttributeValue, req Request) (types.AttributeValue, bool, error) {
	if record == nil {
		return nil, false, errors.New("idempotency record: its condition failed, but DynamoDB returned no record")
	}
	if hash, _ := record[attrPayloadHash].(*types.AttributeValueMemberS); hash == nil || hash.Value != req.PayloadHash {
		return nil, false, ErrPayloadMismatch
	}
	answer, ok := record[attrAnswer]
	if !ok {
		return nil, false, errors.New("idempotency record: no answer stored")
	}
	return answer, true, nil
}
