package orders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
	"github.com/go-sam-blueprint/orders/src/platform/metrics"
	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/orders/orderstest"
)

func TestCreateStampsIDAndTime(t *testing.T) {
	t.Parallel()
	store := orderstest.NewStore()
	id := uuid.MustParse("3fa85f64-5717-4562-b3fc-2c963f66afa6")
	now := time.Date(2026, 11, 26, 13, 0, 0, 123456789, time.FixedZone("CET", 3600))
	svc, err := orders.NewService(store,
		orders.WithClock(func() time.Time { return now }),
		orders.WithIDs(func() (uuid.UUID, error) { return id, nil }))
	require.NoError(t, err)

	o, replayed, err := svc.Create(context.Background(), orders.NewOrder{CustomerName: "Ada", ItemCount: 3}, "")
	require.NoError(t, err)
	assert.False(t, replayed)
	assert.Equal(t, orders.Order{
		ID: id, CustomerName: "Ada", ItemCount: 3,
		CreatedAt: time.Date(2026, 11, 26, 12, 0, 0, 123000000, time.UTC),
	}, o)
	stored, err := svc.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, o, stored)
}

func TestCreateFailures(t *testing.T) {
	t.Parallel()
	idErr := errors.New("no entropy")
	svc, err := orders.NewService(orderstest.NewStore(), orders.WithIDs(func() (uuid.UUID, error) { return uuid.Nil, idErr }))
	require.NoError(t, err)
	_, _, err = svc.Create(context.Background(), orders.NewOrder{CustomerName: "Ada", ItemCount: 1}, "")
	require.ErrorIs(t, err, idErr)

	store := orderstest.NewStore()
	store.Err = errors.New("down")
	svc, err = orders.NewService(store)
	require.NoError(t, err)
	_, _, err = svc.Create(context.Background(), orders.NewOrder{CustomerName: "Ada", ItemCount: 1}, "")
	require.ErrorIs(t, err, store.Err)
}

func TestMissingOrders(t *testing.T) {
	t.Parallel()
	svc, err := orders.NewService(orderstest.NewStore())
	require.NoError(t, err)
	_, err = svc.Get(context.Background(), uuid.New())
	require.ErrorIs(t, err, orders.ErrNotFound)
	_, err = svc.Delete(context.Background(), uuid.New())
	require.ErrorIs(t, err, orders.ErrNotFound)
}

func TestList(t *testing.T) {
	t.Parallel()
	svc, err := orders.NewService(orderstest.NewStore())
	require.NoError(t, err)
	for range 3 {
		_, _, err := svc.Create(context.Background(), orders.NewOrder{CustomerName: "Ada", ItemCount: 1}, "")
		require.NoError(t, err)
	}
	page, err := svc.List(context.Background(), 2, "")
	require.NoError(t, err)
	assert.Len(t, page.Orders, 2)
	require.NotEmpty(t, page.NextToken)
	page, err = svc.List(context.Background(), 2, page.NextToken)
	require.NoError(t, err)
	assert.Len(t, page.Orders, 1)
	assert.Empty(t, page.NextToken)

	_, err = svc.List(context.Background(), 0, "")
	require.Error(t, err)
	_, err = svc.List(context.Background(), 1, "bogus")
	require.ErrorIs(t, err, orders.ErrInvalidPageToken)
}

func TestNewServiceNeedsAStore(t *testing.T) {
	t.Parallel()
	_, err := orders.NewService(nil)
	require.Error(t, err)
}

// flagsFunc evaluates every flag with a function of the attributes.
type flagsFunc func(name string, attrs map[string]any) bool

func (f flagsFunc) Bool(_ context.Context, name string, attrs map[string]any, _ bool) bool {
	return f(name, attrs)
}

func TestPremiumFlag(t *testing.T) {
	t.Parallel()
	premium := flagsFunc(func(name string, attrs map[string]any) bool {
		return name == orders.FlagPremium && attrs["customer_name"] == "VIP-Ada"
	})
	svc, err := orders.NewService(orderstest.NewStore(), orders.WithFlags(premium))
	require.NoError(t, err)
	for name, want := range map[string]bool{"VIP-Ada": true, "Ada": false} {
		o, _, err := svc.Create(context.Background(), orders.NewOrder{CustomerName: name, ItemCount: 1}, "")
		require.NoError(t, err)
		assert.Equal(t, want, o.Premium, name)
		stored, err := svc.Get(context.Background(), o.ID)
		require.NoError(t, err)
		assert.Equal(t, want, stored.Premium, "the flag is kept with the order")
	}
}

func TestIdempotentCreate(t *testing.T) {
	t.Parallel()
	store := orderstest.NewStore()
	svc, err := orders.NewService(store, orders.WithIdempotency(orderstest.NewIdempotency()))
	require.NoError(t, err)
	ctx := context.Background()
	set := metrics.NewSet()
	ctx = metrics.WithSet(ctx, set)

	first, replayed, err := svc.Create(ctx, orders.NewOrder{CustomerName: "Ada", ItemCount: 1}, "key-1")
	require.NoError(t, err)
	assert.False(t, replayed)
	again, replayed, err := svc.Create(ctx, orders.NewOrder{CustomerName: "Ada", ItemCount: 1}, "key-1")
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, first, again)
	assert.Equal(t, 1, store.Len())

	_, _, err = svc.Create(ctx, orders.NewOrder{CustomerName: "Bob", ItemCount: 1}, "key-1")
	require.ErrorIs(t, err, idempotency.ErrPayloadMismatch)

	// Without a key the order itself is the key.
	a, _, err := svc.Create(ctx, orders.NewOrder{CustomerName: "Cy", ItemCount: 2}, "")
	require.NoError(t, err)
	b, replayed, err := svc.Create(ctx, orders.NewOrder{CustomerName: "Cy", ItemCount: 2}, "")
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, a.ID, b.ID)
	assert.Equal(t, 2, store.Len())

	var out bytes.Buffer
	emitter, err := metrics.NewEmitter(&out, "Orders", "orders")
	require.NoError(t, err)
	require.NoError(t, emitter.Flush(set))
	var line map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &line))
	assert.EqualValues(t, []any{1.0, 1.0}, line[orders.MetricOrderCreated])
	assert.EqualValues(t, []any{1.0, 1.0}, line[orders.MetricIdempotentReplay])
}
