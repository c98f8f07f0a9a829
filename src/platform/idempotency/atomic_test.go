package idempotency_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/dynamotx"
	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
)

func hashOf(payload string) string {
	sum := sha256.Sum256([]byte(payload))
	return hex.EncodeToString(sum[:])
}

func canceled(reasons ...types.CancellationReason) error {
	return &types.TransactionCanceledException{CancellationReasons: reasons}
}

func TestAtomicCommitsInOneTransaction(t *testing.T) {
	t.Parallel()
	db := &fakeDB{}
	g, err := idempotency.New(db, "idem", time.Minute)
	require.NoError(t, err)
	write := types.TransactWriteItem{Put: &types.Put{TableName: aws.String("orders")}}
	result, replayed, err := idempotency.Atomic{Guard: g}.Do(context.Background(), "k", []byte("p"), func(ctx context.Context) ([]byte, error) {
		dynamotx.From(ctx).Add(write)
		return []byte("done"), nil
	})
	require.NoError(t, err)
	assert.False(t, replayed)
	assert.Equal(t, []byte("done"), result)
	assert.Empty(t, db.puts, "no claim")
	require.Len(t, db.txs, 1, "one round trip")
	items := db.txs[0].TransactItems
	require.Len(t, items, 2)
	assert.Equal(t, write, items[0])
	require.NotNil(t, items[1].Put)
	assert.Equal(t, "idem", *items[1].Put.TableName)
	assert.Equal(t, types.ReturnValuesOnConditionCheckFailureAllOld, items[1].Put.ReturnValuesOnConditionCheckFailure)
}

func TestAtomicAnswersFromTheCancellation(t *testing.T) {
	t.Parallel()
	completed := func(hash string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberS{Value: "k"}, "status": &types.AttributeValueMemberS{Value: "COMPLETED"},
			"payload_hash": &types.AttributeValueMemberS{Value: hash}, "result": &types.AttributeValueMemberB{Value: []byte("first")},
		}
	}
	tests := []struct {
		name     string
		txErr    error
		replayed bool
		wantErr  func(t *testing.T, err error)
	}{
		{
			name:     "the same request again replays",
			txErr:    canceled(types.CancellationReason{Code: aws.String("None")}, types.CancellationReason{Code: aws.String("ConditionalCheckFailed"), Item: completed(hashOf("p"))}),
			replayed: true,
		},
		{
			name:  "another payload is refused",
			txErr: canceled(types.CancellationReason{Code: aws.String("None")}, types.CancellationReason{Code: aws.String("ConditionalCheckFailed"), Item: completed(hashOf("other"))}),
			wantErr: func(t *testing.T, err error) {
				t.Helper()
				require.ErrorIs(t, err, idempotency.ErrPayloadMismatch)
			},
		},
		{
			name:  "a colliding transaction is in progress",
			txErr: canceled(types.CancellationReason{Code: aws.String("TransactionConflict")}, types.CancellationReason{Code: aws.String("None")}),
			wantErr: func(t *testing.T, err error) {
				t.Helper()
				inProgress, ok := errors.AsType[*idempotency.InProgressError](err)
				require.True(t, ok, "%v", err)
				assert.Equal(t, time.Second, inProgress.RetryAfter)
			},
		},
		{
			name:  "anything else is an error",
			txErr: errors.New("throttled"),
			wantErr: func(t *testing.T, err error) {
				t.Helper()
				require.ErrorContains(t, err, "throttled")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := &fakeDB{txErr: tt.txErr}
			g, err := idempotency.New(db, "idem", time.Minute)
			require.NoError(t, err)
			result, replayed, err := idempotency.Atomic{Guard: g}.Do(context.Background(), "k", []byte("p"), func(ctx context.Context) ([]byte, error) {
				dynamotx.From(ctx).Add(types.TransactWriteItem{Put: &types.Put{TableName: aws.String("orders")}})
				return []byte("second"), nil
			})
			if tt.wantErr != nil {
				tt.wantErr(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.replayed, replayed)
			assert.Equal(t, []byte("first"), result, "the first request's answer")
		})
	}
}

func TestAtomicFailedOperationSendsNothing(t *testing.T) {
	t.Parallel()
	db := &fakeDB{}
	g, err := idempotency.New(db, "idem", time.Minute)
	require.NoError(t, err)
	boom := errors.New("boom")
	_, _, err = idempotency.Atomic{Guard: g}.Do(context.Background(), "k", []byte("p"), func(context.Context) ([]byte, error) { return nil, boom })
	require.ErrorIs(t, err, boom)
	assert.Empty(t, db.txs)
	assert.Empty(t, db.puts)
}
