package dynamo_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/orders/dynamo"
	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
)

// fakeDB answers every call with a fixed output or error. The real
// DynamoDB semantics are covered by tests/integration against moto_server.
type fakeDB struct {
	dynamo.API
	item    map[string]types.AttributeValue
	err     error
	txs     []*dynamodb.TransactWriteItemsInput
	deletes []*dynamodb.DeleteItemInput
	queries []*dynamodb.QueryInput
}

func (f *fakeDB) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.txs = append(f.txs, in)
	return &dynamodb.TransactWriteItemsOutput{}, f.err
}

func (f *fakeDB) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return &dynamodb.GetItemOutput{Item: f.item}, f.err
}

func (f *fakeDB) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	f.deletes = append(f.deletes, in)
	return &dynamodb.DeleteItemOutput{Attributes: f.item}, f.err
}

func (f *fakeDB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.queries = append(f.queries, in)
	return &dynamodb.QueryOutput{Items: []map[string]types.AttributeValue{f.item}}, f.err
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

const (
	id                   = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
	alice   orders.Owner = "4f1c2a6e-1b7d-4c0e-9a55-3c2d7e8f9a01"
	mallory orders.Owner = "9z9z9z9z9z9z9z9z9z9z9z9z9z"
)

func newStore(t *testing.T, db dynamo.API) *dynamo.Store {
	t.Helper()
	store, err := dynamo.NewStore(db, "orders", newRecords(t))
	require.NoError(t, err)
	return store
}

func newRecords(t *testing.T) *idempotency.Records {
	t.Helper()
	records, err := idempotency.NewRecords("idempotency", time.Minute)
	require.NoError(t, err)
	return records
}

func TestNewStoreNeedsClientTableAndRecords(t *testing.T) {
	t.Parallel()
	_, err := dynamo.NewStore(nil, "orders", newRecords(t))
	require.Error(t, err)
	_, err = dynamo.NewStore(&fakeDB{}, "", newRecords(t))
	require.Error(t, err)
	_, err = dynamo.NewStore(&fakeDB{}, "orders", nil)
	require.Error(t, err)
}

func TestMalformedItemsAreErrors(t *testing.T) {
	t.Parallel()
	good := map[string]types.AttributeValue{"id": s(id), "owner": s(string(alice)), "name": s("Ada"), "item_count": n("3"), "created_at": s("2026-11-26T12:00:00.000Z")}
	with := func(k string, v types.AttributeValue) map[string]types.AttributeValue {
		item := map[string]types.AttributeValue{}
		for key, val := range good {
			item[key] = val
		}
		if v == nil {
			delete(item, k)
		} else {
			item[k] = v
		}
		return item
	}
	tests := map[string]map[string]types.AttributeValue{
		"id not a uuid":         with("id", s("x")),
		"id missing":            with("id", nil),
		"name a number":         with("name", n("1")),
		"count not a number":    with("item_count", s("3")),
		"count not an integer":  with("item_count", n("1.5")),
		"created_at not a time": with("created_at", s("yesterday")),
		"created_at missing":    with("created_at", nil),
	}
	for name, item := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := newStore(t, &fakeDB{item: item})
			_, err := store.Get(context.Background(), alice, uuid.MustParse(id))
			require.Error(t, err)
			require.NotErrorIs(t, err, orders.ErrNotFound)
			_, err = store.List(context.Background(), alice, 10, "")
			require.Error(t, err)
		})
	}
	store := newStore(t, &fakeDB{item: good})
	o, err := store.Get(context.Background(), alice, uuid.MustParse(id))
	require.NoError(t, err)
	assert.Equal(t, "Ada", o.CustomerName)
	assert.Equal(t, 3, o.ItemCount)
}

func TestDeleteOfMissingOrderIsNotFound(t *testing.T) {
	t.Parallel()
	store := newStore(t, &fakeDB{err: &types.ConditionalCheckFailedException{}})
	_, err := store.Delete(context.Background(), alice, uuid.MustParse(id))
	require.ErrorIs(t, err, orders.ErrNotFound)
}

func TestClientErrorsAreWrapped(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	store := newStore(t, &fakeDB{err: boom})
	_, err := store.Delete(context.Background(), alice, uuid.MustParse(id))
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), id)
	_, err = store.Get(context.Background(), alice, uuid.MustParse(id))
	require.ErrorIs(t, err, boom)
}

// A create is one transaction: the order, never overwriting another, and
// its idempotency record, under a token that makes the SDK's retries safe.
func TestCreateIsOneTransaction(t *testing.T) {
	t.Parallel()
	db := &fakeDB{}
	store := newStore(t, db)
	o := orders.Order{ID: uuid.MustParse(id), Owner: alice, CustomerName: "Ada", ItemCount: 3, CreatedAt: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	got, replayed, err := store.Create(context.Background(), o, idempotency.NewRequest("createOrder", "k", []byte("p")))
	require.NoError(t, err)
	assert.False(t, replayed)
	assert.Equal(t, o, got)
	require.Len(t, db.txs, 1)
	tx := db.txs[0]
	assert.Equal(t, id, *tx.ClientRequestToken)
	require.Len(t, tx.TransactItems, 2)
	order, record := tx.TransactItems[0].Put, tx.TransactItems[1].Put
	assert.Equal(t, "orders", *order.TableName)
	assert.Equal(t, "attribute_not_exists(id)", *order.ConditionExpression)
	assert.Equal(t, "idempotency", *record.TableName)
	assert.Equal(t, &types.AttributeValueMemberM{Value: order.Item}, record.Item["result"], "a replay answers with the order's item")
	assert.Equal(t, s(string(alice)), order.Item["owner"])
	assert.Equal(t, s("2026-11-26T12:00:00.000Z"), order.Item["created_at"], "fixed width: the owner index sorts by it as text")
}

// Another owner's order is not theirs to read or delete: a read finds it
// and says it is not found; a delete's condition leaves it be.
func TestOrdersAreTheirOwners(t *testing.T) {
	t.Parallel()
	item := map[string]types.AttributeValue{"id": s(id), "owner": s(string(alice)), "name": s("Ada"), "item_count": n("3"), "created_at": s("2026-11-26T12:00:00.000Z")}
	_, err := newStore(t, &fakeDB{item: item}).Get(context.Background(), mallory, uuid.MustParse(id))
	require.ErrorIs(t, err, orders.ErrNotFound)

	db := &fakeDB{err: &types.ConditionalCheckFailedException{}}
	_, err = newStore(t, db).Delete(context.Background(), mallory, uuid.MustParse(id))
	require.ErrorIs(t, err, orders.ErrNotFound)
	require.Len(t, db.deletes, 1)
	del := db.deletes[0]
	assert.Equal(t, "#owner = :owner", *del.ConditionExpression)
	assert.Equal(t, s(string(mallory)), del.ExpressionAttributeValues[":owner"])
}

// An order stored before owners existed is no one's: not found, rather
// than a malformed item.
func TestOrdersWithoutOwnerAreNoOnes(t *testing.T) {
	t.Parallel()
	legacy := map[string]types.AttributeValue{"id": s(id), "name": s("Ada"), "item_count": n("3"), "created_at": s("2026-11-26T12:00:00Z")}
	_, err := newStore(t, &fakeDB{item: legacy}).Get(context.Background(), alice, uuid.MustParse(id))
	require.ErrorIs(t, err, orders.ErrNotFound)
}

// A list is one Query of the owner index, newest first: it reads the
// caller's items only, never the table.
func TestListQueriesTheOwnersOrders(t *testing.T) {
	t.Parallel()
	item := map[string]types.AttributeValue{"id": s(id), "owner": s(string(alice)), "name": s("Ada"), "item_count": n("3"), "created_at": s("2026-11-26T12:00:00.000Z")}
	db := &fakeDB{item: item}
	page, err := newStore(t, db).List(context.Background(), alice, 10, "")
	require.NoError(t, err)
	require.Len(t, page.Orders, 1)
	require.Len(t, db.queries, 1)
	q := db.queries[0]
	assert.Equal(t, dynamo.OwnerIndex, *q.IndexName)
	assert.Equal(t, "#owner = :owner", *q.KeyConditionExpression)
	assert.Equal(t, s(string(alice)), q.ExpressionAttributeValues[":owner"])
	assert.False(t, *q.ScanIndexForward, "newest first")
	assert.EqualValues(t, 10, *q.Limit)
}

// recordCondition fails a create's transaction on its idempotency record.
func recordCondition(record map[string]types.AttributeValue) error {
	return &types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{
		{Code: aws.String("None")}, {Code: aws.String("ConditionalCheckFailed"), Item: record},
	}}
}

func TestCreateAnswersFromTheRecord(t *testing.T) {
	t.Parallel()
	req := idempotency.NewRequest("createOrder", "k", []byte("p"))
	first := map[string]types.AttributeValue{"id": s(id), "owner": s(string(alice)), "name": s("Ada"), "item_count": n("3"), "created_at": s("2026-11-26T12:00:00.000Z")}
	stored := map[string]types.AttributeValue{"payload_hash": s(req.PayloadHash), "result": &types.AttributeValueMemberM{Value: first}}
	reused := map[string]types.AttributeValue{"payload_hash": s("another"), "result": &types.AttributeValueMemberM{Value: first}}
	notAnOrder := map[string]types.AttributeValue{"payload_hash": s(req.PayloadHash), "result": s("x")}

	o, replayed, err := newStore(t, &fakeDB{err: recordCondition(stored)}).Create(context.Background(), orders.Order{ID: uuid.New()}, req)
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, uuid.MustParse(id), o.ID, "the first order, not the new one")

	_, _, err = newStore(t, &fakeDB{err: recordCondition(reused)}).Create(context.Background(), orders.Order{ID: uuid.New()}, req)
	require.ErrorIs(t, err, orders.ErrIdempotencyKeyReused)

	_, replayed, err = newStore(t, &fakeDB{err: recordCondition(notAnOrder)}).Create(context.Background(), orders.Order{ID: uuid.New()}, req)
	require.Error(t, err)
	assert.False(t, replayed)
}

// responseError wraps err as the SDK does an answer of status.
func responseError(status int, err error) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err,
	}}
}

// sdkError wraps err as the SDK returns it.
func sdkError(operation string, err error) error {
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: operation, Err: err}
}

// DynamoDB's failures leave the store as the domain's errors: throttling
// and spent retries as ErrUnavailable, a lost race as a ConflictError, the
// deadline as itself; anything else as it is.
func TestFailuresBecomeTheDomainsErrors(t *testing.T) {
	t.Parallel()
	canceled := func(codes ...string) error {
		e := &types.TransactionCanceledException{Message: aws.String("Transaction cancelled")}
		for _, c := range codes {
			e.CancellationReasons = append(e.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
		}
		return e
	}
	internal := &types.InternalServerError{}
	validation := canceled("None", "ValidationError")
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	validationErr := &smithy.GenericAPIError{Code: "ValidationException", Message: "One or more parameter values were invalid"}
	noTable := &types.ResourceNotFoundException{}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"ProvisionedThroughputExceededException", sdkError("GetItem", &types.ProvisionedThroughputExceededException{}), orders.ErrUnavailable},
		{"ThrottlingException", sdkError("GetItem", &types.ThrottlingException{}), orders.ErrUnavailable},
		{"RequestLimitExceeded", sdkError("GetItem", &types.RequestLimitExceeded{}), orders.ErrUnavailable},
		{"throttled transaction item", sdkError("TransactWriteItems", canceled("None", "ThrottlingError")), orders.ErrUnavailable},
		{"retry quota spent", sdkError("GetItem", errors.Join(internal, ratelimit.QuotaExceededError{Requested: 14})), orders.ErrUnavailable},
		{"deadline", sdkError("GetItem", &smithy.CanceledError{Err: context.DeadlineExceeded}), context.DeadlineExceeded},
		{"canceled", sdkError("GetItem", &smithy.CanceledError{Err: context.Canceled}), context.Canceled},
		{"an error with no HTTP answer around it stays as it is", sdkError("GetItem", internal), internal},
		{"cancelled transaction, no throttling", sdkError("TransactWriteItems", validation), validation},
		// Issue 15, finding 4: DynamoDB unreachable, or failing on its
		// side, is one answer, whatever the retry budget says.
		{"connection refused", sdkError("GetItem", &smithyhttp.RequestSendError{Err: refused}), orders.ErrUnavailable},
		{"DynamoDB's 500", sdkError("GetItem", responseError(http.StatusInternalServerError, internal)), orders.ErrUnavailable},
		{"DynamoDB's 503", sdkError("GetItem", responseError(http.StatusServiceUnavailable, errors.New("ServiceUnavailable"))), orders.ErrUnavailable},
		{"an answer cut short", sdkError("GetItem", &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}), orders.ErrUnavailable},
		{"connection reset", sdkError("GetItem", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), orders.ErrUnavailable},
		{"a request DynamoDB refused: the service's bug", sdkError("GetItem", responseError(http.StatusBadRequest, validationErr)), validationErr},
		{"no such table: the service's bug", sdkError("GetItem", responseError(http.StatusBadRequest, noTable)), noTable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := newStore(t, &fakeDB{err: tt.err})
			_, err := store.Get(context.Background(), alice, uuid.MustParse(id))
			require.ErrorIs(t, err, tt.want)
			_, _, err = store.Create(context.Background(), orders.Order{ID: uuid.New()}, idempotency.NewRequest("op", "", nil))
			require.ErrorIs(t, err, tt.want)
			if !errors.Is(tt.want, orders.ErrUnavailable) {
				require.NotErrorIs(t, err, orders.ErrUnavailable)
			}
		})
	}
	_, _, err := newStore(t, &fakeDB{err: &types.TransactionConflictException{}}).Create(context.Background(), orders.Order{ID: uuid.New()}, idempotency.NewRequest("op", "", nil))
	conflict, ok := errors.AsType[*orders.ConflictError](err)
	require.True(t, ok, "got %v", err)
	assert.Equal(t, time.Second, conflict.RetryAfter)
}

// A call that the deadline cut short is a deadline error, whatever the
// SDK made of it.
func TestCallsCutShortByTheDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	reset := errors.New("connection reset")
	_, err := newStore(t, &fakeDB{err: reset}).Get(ctx, alice, uuid.MustParse(id))
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, reset)
}
