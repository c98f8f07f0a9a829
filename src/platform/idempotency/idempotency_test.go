package idempotency_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
)

// DynamoDB's own behaviour (conditions, cancellation reasons, TTL) is
// covered against moto_server in tests/integration; these tests cover what
// the package builds and how it reads DynamoDB's answers.

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func newRecords(t *testing.T) *idempotency.Records {
	t.Helper()
	r, err := idempotency.NewRecords("idem", 5*time.Minute, idempotency.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	return r
}

func TestNewRecordsValidates(t *testing.T) {
	t.Parallel()
	_, err := idempotency.NewRecords("", time.Minute)
	require.Error(t, err)
	_, err = idempotency.NewRecords("t", time.Millisecond)
	require.Error(t, err)
}

func TestNewRequest(t *testing.T) {
	t.Parallel()
	keyed := idempotency.NewRequest("createOrder", "k-1", []byte(`{"a":1}`))
	assert.Equal(t, "createOrder#key:k-1", keyed.Key)
	assert.Len(t, keyed.PayloadHash, 64, "a SHA-256 in hex")

	keyless := idempotency.NewRequest("createOrder", "", []byte(`{"a":1}`))
	assert.Equal(t, "createOrder#sha256:"+keyed.PayloadHash, keyless.Key, "without a key, the payload is the key")
	assert.Equal(t, keyed.PayloadHash, keyless.PayloadHash)

	other := idempotency.NewRequest("createOrder", "k-1", []byte(`{"a":2}`))
	assert.Equal(t, keyed.Key, other.Key)
	assert.NotEqual(t, keyed.PayloadHash, other.PayloadHash, "another payload under the same key")
}

// Issue 15, finding 1: a client's key lives apart from the keys derived
// from payloads, so that no client can take the key of another's keyless
// request by sending "sha256:<hash of its body>".
func TestClientKeysNeverCollideWithDerivedKeys(t *testing.T) {
	t.Parallel()
	victim := idempotency.NewRequest("createOrder", "", []byte(`{"customer_name":"Victim"}`))
	mallory := idempotency.NewRequest("createOrder", "sha256:"+victim.PayloadHash, []byte(`{"customer_name":"Mallory"}`))
	assert.NotEqual(t, victim.Key, mallory.Key)
}

func TestPutIsConditionalOnAFreeOrExpiredKey(t *testing.T) {
	t.Parallel()
	req := idempotency.NewRequest("op", "k", []byte("p"))
	answer := &types.AttributeValueMemberS{Value: "the answer"}
	put := newRecords(t).Put(req, answer).Put
	require.NotNil(t, put)
	assert.Equal(t, "idem", aws.ToString(put.TableName))
	assert.Equal(t, map[string]types.AttributeValue{
		"id":           &types.AttributeValueMemberS{Value: "op#key:k"},
		"payload_hash": &types.AttributeValueMemberS{Value: req.PayloadHash},
		"expiration":   &types.AttributeValueMemberN{Value: "1795867500"}, // now + 5 minutes
		"result":       answer,
	}, put.Item)
	assert.Equal(t, "attribute_not_exists(#id) OR #exp < :now", aws.ToString(put.ConditionExpression))
	assert.Equal(t, map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: "1795867200"}}, put.ExpressionAttributeValues)
	assert.Equal(t, types.ReturnValuesOnConditionCheckFailureAllOld, put.ReturnValuesOnConditionCheckFailure,
		"a repeat gets the record back with the failure: one round trip")
}

// canceled is the error of a transaction of two writes, the record second.
func canceled(orderCode, recordCode string, record map[string]types.AttributeValue) error {
	return &types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{
		{Code: aws.String(orderCode)},
		{Code: aws.String(recordCode), Item: record},
	}}
}

func TestReplay(t *testing.T) {
	t.Parallel()
	req := idempotency.NewRequest("op", "k", []byte("p"))
	answer := &types.AttributeValueMemberS{Value: "first"}
	stored := map[string]types.AttributeValue{
		"id": &types.AttributeValueMemberS{Value: req.Key}, "payload_hash": &types.AttributeValueMemberS{Value: req.PayloadHash}, "result": answer,
	}
	reused := map[string]types.AttributeValue{"payload_hash": &types.AttributeValueMemberS{Value: "another"}, "result": answer}
	boom := errors.New("boom")
	throttled := canceled("None", "ThrottlingError", nil)
	orderClash := canceled("ConditionalCheckFailed", "None", nil)

	tests := []struct {
		name     string
		err      error
		answer   types.AttributeValue
		replayed bool
		wantErr  error // compared with errors.Is; nil for none
		conflict bool
	}{
		{name: "a repeat gets the stored answer", err: canceled("None", "ConditionalCheckFailed", stored), answer: answer, replayed: true},
		{name: "the key with another payload", err: canceled("None", "ConditionalCheckFailed", reused), wantErr: idempotency.ErrPayloadMismatch},
		{name: "a race lost inside the transaction", err: canceled("None", "TransactionConflict", nil), conflict: true},
		{name: "a race lost before it", err: &types.TransactionConflictException{}, conflict: true},
		{name: "the order's own write failed", err: orderClash, wantErr: orderClash},
		{name: "throttled: not the record's failure", err: throttled, wantErr: throttled},
		{name: "any other failure", err: boom, wantErr: boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, replayed, err := newRecords(t).Replay(tt.err, 1, req)
			assert.Equal(t, tt.replayed, replayed)
			assert.Equal(t, tt.answer, got)
			switch {
			case tt.conflict:
				inProgress, ok := errors.AsType[*idempotency.InProgressError](err)
				require.True(t, ok, "got %v", err)
				assert.Equal(t, time.Second, inProgress.RetryAfter)
			case tt.wantErr != nil:
				require.ErrorIs(t, err, tt.wantErr)
			default:
				require.NoError(t, err)
			}
		})
	}
}

// A failed condition without the record, or a record without an answer,
// is DynamoDB breaking its contract: an error, never a replay of nothing.
func TestReplayOfABrokenRecord(t *testing.T) {
	t.Parallel()
	req := idempotency.NewRequest("op", "k", []byte("p"))
	for name, record := range map[string]map[string]types.AttributeValue{
		"no record": nil,
		"no answer": {"payload_hash": &types.AttributeValueMemberS{Value: req.PayloadHash}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, replayed, err := newRecords(t).Replay(canceled("None", "ConditionalCheckFailed", record), 1, req)
			require.Error(t, err)
			assert.False(t, replayed)
		})
	}
}
