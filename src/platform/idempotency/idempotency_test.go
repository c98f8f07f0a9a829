package idempotency_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/dynamotx"
	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
)

// fakeDB records the calls a Guard makes. DynamoDB's own behaviour is
// covered against moto_server in tests/integration.
type fakeDB struct {
	puts    []*dynamodb.PutItemInput
	deletes []*dynamodb.DeleteItemInput
	txs     []*dynamodb.TransactWriteItemsInput
	putErr  error
	txErr   error
	// deleteCtxErr is the release's context error at the time of the call.
	deleteCtxErr error
}

func (f *fakeDB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.puts = append(f.puts, in)
	return &dynamodb.PutItemOutput{}, f.putErr
}

func (f *fakeDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	f.deletes = append(f.deletes, in)
	f.deleteCtxErr = ctx.Err()
	return &dynamodb.DeleteItemOutput{}, nil
}

func (f *fakeDB) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.txs = append(f.txs, in)
	return &dynamodb.TransactWriteItemsOutput{}, f.txErr
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	_, err := idempotency.New(nil, "t", time.Minute)
	require.Error(t, err)
	_, err = idempotency.New(&fakeDB{}, "", time.Minute)
	require.Error(t, err)
	_, err = idempotency.New(&fakeDB{}, "t", time.Millisecond)
	require.Error(t, err)
}

func TestDoCommitsTheOperationsWritesWithTheRecord(t *testing.T) {
	t.Parallel()
	db := &fakeDB{}
	g, err := idempotency.New(db, "idem", time.Minute)
	require.NoError(t, err)
	orderWrite := types.TransactWriteItem{Put: &types.Put{TableName: new("orders")}}
	result, replayed, err := g.Do(context.Background(), "k", []byte("p"), func(ctx context.Context) ([]byte, error) {
		dynamotx.From(ctx).Add(orderWrite)
		return []byte("done"), nil
	})
	require.NoError(t, err)
	assert.False(t, replayed)
	assert.Equal(t, []byte("done"), result)
	require.Len(t, db.puts, 1, "one claim")
	require.Len(t, db.txs, 1, "one transaction")
	items := db.txs[0].TransactItems
	require.Len(t, items, 2)
	assert.Equal(t, orderWrite, items[0], "the operation's write")
	require.NotNil(t, items[1].Update, "then the completed record")
	assert.Equal(t, "idem", *items[1].Update.TableName)
	assert.NotEmpty(t, *db.txs[0].ClientRequestToken, "retries of the transaction are safe")
	assert.Empty(t, db.deletes)
}

func TestDoReleasesTheClaimWhenTheOperationFails(t *testing.T) {
	t.Parallel()
	db := &fakeDB{}
	g, err := idempotency.New(db, "idem", time.Minute)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	boom := errors.New("boom")
	_, _, err = g.Do(ctx, "k", []byte("p"), func(context.Context) ([]byte, error) {
		cancel() // the caller gave up, as at a timeout
		return nil, boom
	})
	require.ErrorIs(t, err, boom)
	require.Len(t, db.deletes, 1)
	require.NoError(t, db.deleteCtxErr, "the release runs even after the caller's context is done")
	assert.Empty(t, db.txs)

	db.txErr = errors.New("transaction canceled")
	_, _, err = g.Do(context.Background(), "k", []byte("p"), func(context.Context) ([]byte, error) { return []byte("x"), nil })
	require.ErrorIs(t, err, db.txErr)
	assert.Len(t, db.deletes, 2, "a failed commit releases the claim too")
}

func TestClaimFailure(t *testing.T) {
	t.Parallel()
	db := &fakeDB{putErr: errors.New("throttled")}
	g, err := idempotency.New(db, "idem", time.Minute)
	require.NoError(t, err)
	ran := false
	_, _, err = g.Do(context.Background(), "k", []byte("p"), func(context.Context) ([]byte, error) { ran = true; return nil, nil })
	require.ErrorIs(t, err, db.putErr)
	assert.False(t, ran)
}

func TestInProgressErrorSaysWhen(t *testing.T) {
	t.Parallel()
	err := &idempotency.InProgressError{RetryAfter: 3 * time.Second}
	assert.Contains(t, err.Error(), "retry after 3s")
}
