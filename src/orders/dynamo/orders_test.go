package dynamo_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders/dynamo"
	"github.com/go-sam-blueprint/orders/src/orders"
)

// fakeDB answers every call with a fixed output or error. The real
// DynamoDB semantics are covered by tests/integration against moto_server.
type fakeDB struct {
	dynamo.API
	item map[string]types.AttributeValue
	err  error
}

func (f *fakeDB) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return &dynamodb.GetItemOutput{Item: f.item}, f.err
}

func (f *fakeDB) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return &dynamodb.DeleteItemOutput{Attributes: f.item}, f.err
}

func (f *fakeDB) Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	return &dynamodb.ScanOutput{Items: []map[string]types.AttributeValue{f.item}}, f.err
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

const id = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

func TestNewOrdersNeedsClientAndTable(t *testing.T) {
	t.Parallel()
	_, err := dynamo.NewOrders(nil, "orders")
	require.Error(t, err)
	_, err = dynamo.NewOrders(&fakeDB{}, "")
	require.Error(t, err)
}

func TestMalformedItemsAreErrors(t *testing.T) {
	t.Parallel()
	good := map[string]types.AttributeValue{"id": s(id), "name": s("Ada"), "item_count": n("3"), "created_at": s("2026-11-26T12:00:00Z")}
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
			store, err := dynamo.NewOrders(&fakeDB{item: item}, "orders")
			require.NoError(t, err)
			_, err = store.Get(context.Background(), uuid.MustParse(id))
			require.Error(t, err)
			require.NotErrorIs(t, err, orders.ErrNotFound)
			_, err = store.List(context.Background(), 10, "")
			require.Error(t, err)
		})
	}
	store, err := dynamo.NewOrders(&fakeDB{item: good}, "orders")
	require.NoError(t, err)
	o, err := store.Get(context.Background(), uuid.MustParse(id))
	require.NoError(t, err)
	assert.Equal(t, "Ada", o.CustomerName)
	assert.Equal(t, 3, o.ItemCount)
}

func TestDeleteOfMissingOrderIsNotFound(t *testing.T) {
	t.Parallel()
	store, err := dynamo.NewOrders(&fakeDB{err: &types.ConditionalCheckFailedException{}}, "orders")
	require.NoError(t, err)
	_, err = store.Delete(context.Background(), uuid.MustParse(id))
	require.ErrorIs(t, err, orders.ErrNotFound)
}

func TestClientErrorsAreWrapped(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	store, err := dynamo.NewOrders(&fakeDB{err: boom}, "orders")
	require.NoError(t, err)
	_, err = store.Delete(context.Background(), uuid.MustParse(id))
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), id)
	_, err = store.Get(context.Background(), uuid.MustParse(id))
	require.ErrorIs(t, err, boom)
}
