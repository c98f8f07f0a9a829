package integration

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders/dynamo"
	"github.com/go-sam-blueprint/orders/src/orders"
)

func newStore(t *testing.T) (*dynamo.Orders, *countingClient) {
	t.Helper()
	db, counter, prefix := newDB(t)
	store, err := dynamo.NewOrders(db, prefix+"OrdersTable")
	require.NoError(t, err)
	return store, counter
}

func order() orders.Order {
	return orders.Order{
		ID: uuid.New(), CustomerName: "Ada", ItemCount: 3,
		CreatedAt: time.Date(2026, 11, 26, 12, 0, 0, 123000000, time.UTC),
	}
}

func TestPutGetDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, calls := newStore(t)
	o := order()

	require.NoError(t, store.Put(ctx, o))
	assert.EqualValues(t, 1, calls.calls.Swap(0), "create is one round trip")

	got, err := store.Get(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, o, got)
	assert.EqualValues(t, 1, calls.calls.Swap(0), "get is one round trip")

	deleted, err := store.Delete(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, o, deleted, "delete returns the order as it was")
	assert.EqualValues(t, 1, calls.calls.Swap(0), "delete is one round trip")

	_, err = store.Get(ctx, o.ID)
	require.ErrorIs(t, err, orders.ErrNotFound)
	calls.calls.Store(0)
	_, err = store.Delete(ctx, o.ID)
	require.ErrorIs(t, err, orders.ErrNotFound)
	assert.EqualValues(t, 1, calls.calls.Load(), "a missing order is found out in the delete itself")
}

func TestPutNeverOverwrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _ := newStore(t)
	o := order()
	require.NoError(t, store.Put(ctx, o))
	clash := o
	clash.CustomerName = "Mallory"
	require.Error(t, store.Put(ctx, clash))
	got, err := store.Get(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, "Ada", got.CustomerName)
}

func TestListPagesThroughEveryOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, calls := newStore(t)
	want := map[uuid.UUID]bool{}
	for range 23 {
		o := order()
		require.NoError(t, store.Put(ctx, o))
		want[o.ID] = true
	}
	seen := map[uuid.UUID]bool{}
	token := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10, "paging must end")
		calls.calls.Store(0)
		page, err := store.List(ctx, 5, token)
		require.NoError(t, err)
		assert.EqualValues(t, 1, calls.calls.Load(), "a page is one round trip")
		assert.LessOrEqual(t, len(page.Orders), 5)
		for _, o := range page.Orders {
			assert.False(t, seen[o.ID], "each order appears once")
			seen[o.ID] = true
		}
		if page.NextToken == "" {
			break
		}
		token = page.NextToken
	}
	assert.Equal(t, want, seen)
}

func TestListEmptyTable(t *testing.T) {
	t.Parallel()
	store, _ := newStore(t)
	page, err := store.List(context.Background(), 10, "")
	require.NoError(t, err)
	assert.Empty(t, page.Orders)
	assert.Empty(t, page.NextToken)
}

func TestListRefusesTamperedTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, calls := newStore(t)
	for range 3 {
		require.NoError(t, store.Put(ctx, order()))
	}
	page, err := store.List(ctx, 1, "")
	require.NoError(t, err)
	require.NotEmpty(t, page.NextToken)
	calls.calls.Store(0)
	for _, token := range []string{page.NextToken + "x", "x" + page.NextToken[1:], "e30", "not-a-token"} {
		_, err := store.List(ctx, 1, token)
		require.ErrorIs(t, err, orders.ErrInvalidPageToken, token)
	}
	assert.Zero(t, calls.calls.Load(), "a bad token never reaches DynamoDB")
}
