package orders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/orders/orderstest"
	"github.com/go-sam-blueprint/orders/src/platform/metrics"
)

// alice and bob are two callers.
const (
	alice = orderstest.Alice
	bob   = orderstest.Bob
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

	o, replayed, err := svc.Create(context.Background(), alice, orders.NewOrder{CustomerName: "Ada", ItemCount: 3}, "")
	require.NoError(t, err)
	assert.False(t, replayed)
	assert.Equal(t, orders.Order{
		ID: id, Owner: alice, CustomerName: "Ada", ItemCount: 3,
		CreatedAt: time.Date(2026, 11, 26, 12, 0, 0, 123000000, time.UTC),
	}, o)
	stored, err := svc.Get(context.Background(), alice, id)
	require.NoError(t, err)
	assert.Equal(t, o, stored)
}

func TestCreateFailures(t *testing.T) {
	t.Parallel()
	idErr := errors.New("no entropy")
	svc, err := orders.NewService(orderstest.NewStore(), orders.WithIDs(func() (uuid.UUID, error) { return uuid.Nil, idErr }))
	require.NoError(t, err)
	_, _, err = svc.Create(context.Background(), alice, orders.NewOrder{CustomerName: "Ada", ItemCount: 1}, "")
	require.ErrorIs(t, err, idErr)

	store := orderstest.NewStore()
	store.Err = errors.New("down")
	svc, err = orders.NewService(store)
	require.NoError(t, err)
	_, _, err = svc.Create(context.Background(), alice, orders.NewOrder{CustomerName: "Ada", ItemCount: 1}, "")
	require.ErrorIs(t, err, store.Err)
}

func TestMissingOrders(t *testing.T) {
	t.Parallel()
	svc, err := orders.NewService(orderstest.NewStore())
	require.NoError(t, err)
	_, err = svc.Get(context.Background(), alice, uuid.New())
	require.ErrorIs(t, err, orders.ErrNotFound)
	_, err = svc.Delete(context.Background(), alice, uuid.New())
	require.ErrorIs(t, err, orders.ErrNotFound)
}

func TestList(t *testing.T) {
	t.Parallel()
	svc, err := orders.NewService(orderstest.NewStore())
	require.NoError(t, err)
	for count := range 3 {
		// Three different orders: an identical one would be a repeat.
		_, _, err := svc.Create(context.Background(), alice, orders.NewOrder{CustomerName: "Ada", ItemCount: count + 1}, "")
		require.NoError(t, err)
	}
	page, err := svc.List(context.Background(), alice, orders.PageRequest{Size: 2})
	require.NoError(t, err)
	assert.Len(t, page.Orders, 2)
	require.NotEmpty(t, page.NextToken)
	page, err = svc.List(context.Background(), alice, orders.PageRequest{Size: 2, Token: page.NextToken})
	require.NoError(t, err)
	assert.Len(t, page.Orders, 1)
	assert.Empty(t, page.NextToken)

	_, err = svc.List(context.Background(), alice, orders.PageRequest{Size: 1, Token: "bogus"})
	require.ErrorIs(t, err, orders.ErrInvalidPageToken)
}

// The domain defaults and bounds a page's size, in one place.
func TestListPageSize(t *testing.T) {
	t.Parallel()
	store := orderstest.NewStore()
	for range orders.MaxPageSize + 1 {
		store.Add(orderstest.NewOrder("Ada", 1))
	}
	svc, err := orders.NewService(store)
	require.NoError(t, err)
	for size, want := range map[int]int{1: 1, orders.DefaultPageSize: orders.DefaultPageSize, orders.MaxPageSize: orders.MaxPageSize} {
		page, err := svc.List(context.Background(), alice, orders.PageRequest{Size: size})
		require.NoError(t, err)
		assert.Len(t, page.Orders, want, "size %d", size)
	}
	for _, size := range []int{-1, 0, orders.MaxPageSize + 1} {
		_, err := svc.List(context.Background(), alice, orders.PageRequest{Size: size})
		invalid, ok := errors.AsType[*orders.InvalidError](err)
		require.True(t, ok, "size %d: %v", size, err)
		assert.Equal(t, orders.FieldPageSize, invalid.Violations[0].Field)
	}
}

// The domain keeps its own rules, whoever calls it: nothing that breaks
// them is stored.
func TestCreateKeepsTheRules(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", orders.MaxNameLength+1)
	tests := []struct {
		name   string
		order  orders.NewOrder
		fields []string
	}{
		{"empty name", orders.NewOrder{CustomerName: "", ItemCount: 1}, []string{orders.FieldCustomerName}},
		{"name too long, in code points", orders.NewOrder{CustomerName: long, ItemCount: 1}, []string{orders.FieldCustomerName}},
		{"no items", orders.NewOrder{CustomerName: "Ada", ItemCount: 0}, []string{orders.FieldItemCount}},
		{"a bulk order", orders.NewOrder{CustomerName: "Ada", ItemCount: orders.MaxItemCount + 1}, []string{orders.FieldItemCount}},
		{"both", orders.NewOrder{ItemCount: -1}, []string{orders.FieldCustomerName, orders.FieldItemCount}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := orderstest.NewStore()
			svc, err := orders.NewService(store)
			require.NoError(t, err)
			_, _, err = svc.Create(context.Background(), alice, tt.order, "")
			invalid, ok := errors.AsType[*orders.InvalidError](err)
			require.True(t, ok, "got %v", err)
			var fields []string
			for _, v := range invalid.Violations {
				fields = append(fields, v.Field)
				assert.NotEmpty(t, v.Reason)
			}
			assert.Equal(t, tt.fields, fields)
			assert.Zero(t, store.Len())
		})
	}
	// The bounds themselves are valid.
	svc, err := orders.NewService(orderstest.NewStore())
	require.NoError(t, err)
	for _, n := range []orders.NewOrder{
		{CustomerName: strings.Repeat("é", orders.MaxNameLength), ItemCount: orders.MaxItemCount},
		{CustomerName: "A", ItemCount: orders.MinItemCount},
	} {
		_, _, err := svc.Create(context.Background(), alice, n, "")
		require.NoError(t, err)
	}
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
		o, _, err := svc.Create(context.Background(), alice, orders.NewOrder{CustomerName: name, ItemCount: 1}, "")
		require.NoError(t, err)
		assert.Equal(t, want, o.Premium, name)
		stored, err := svc.Get(context.Background(), alice, o.ID)
		require.NoError(t, err)
		assert.Equal(t, want, stored.Premium, "the flag is kept with the order")
	}
}

func TestIdempotentCreate(t *testing.T) {
	t.Parallel()
	store := orderstest.NewStore()
	svc, err := orders.NewService(store)
	require.NoError(t, err)
	ctx := context.Background()

	first, replayed, err := svc.Create(ctx, alice, orders.NewOrder{CustomerName: "Ada", ItemCount: 1}, "key-1")
	require.NoError(t, err)
	assert.False(t, replayed)
	again, replayed, err := svc.Create(ctx, alice, orders.NewOrder{CustomerName: "Ada", ItemCount: 1}, "key-1")
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, first, again)
	assert.Equal(t, 1, store.Len())

	_, _, err = svc.Create(ctx, alice, orders.NewOrder{CustomerName: "Bob", ItemCount: 1}, "key-1")
	require.ErrorIs(t, err, orders.ErrIdempotencyKeyReused)

	// Without a key the order itself is the key.
	a, _, err := svc.Create(ctx, alice, orders.NewOrder{CustomerName: "Cy", ItemCount: 2}, "")
	require.NoError(t, err)
	b, replayed, err := svc.Create(ctx, alice, orders.NewOrder{CustomerName: "Cy", ItemCount: 2}, "")
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, a.ID, b.ID)
	assert.Equal(t, 2, store.Len())
}

// Issue 15, finding 2: OrderCreated counts the orders the store committed.
// A create, three replays and a reuse of the key with another order store
// one order: one OrderCreated, three IdempotentReplay.
func TestOrderCreatedCountsCommittedOrdersOnly(t *testing.T) {
	t.Parallel()
	store := orderstest.NewStore()
	svc, err := orders.NewService(store)
	require.NoError(t, err)
	set := metrics.NewSet()
	ctx := metrics.WithSet(context.Background(), set)
	for range 4 {
		_, _, err := svc.Create(ctx, alice, orders.NewOrder{CustomerName: "Ada", ItemCount: 1}, "key-1")
		require.NoError(t, err)
	}
	_, _, err = svc.Create(ctx, alice, orders.NewOrder{CustomerName: "Ada", ItemCount: 2}, "key-1")
	require.ErrorIs(t, err, orders.ErrIdempotencyKeyReused)
	store.Err = errors.New("down")
	_, _, err = svc.Create(ctx, alice, orders.NewOrder{CustomerName: "Bo", ItemCount: 1}, "key-2")
	require.Error(t, err)

	var out bytes.Buffer
	emitter, err := metrics.NewEmitter(&out, "Orders", "orders")
	require.NoError(t, err)
	require.NoError(t, emitter.Flush(set))
	var line map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &line))
	assert.EqualValues(t, 1, line[orders.MetricOrderCreated])
	assert.EqualValues(t, []any{1.0, 1.0, 1.0}, line[orders.MetricIdempotentReplay])
	assert.Equal(t, 1, store.Len())
}

// A caller is an owner only with a subject that keys can hold unmistaken.
func TestNewOwner(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sub string
		ok  bool
	}{
		{"4f1c2a6e-1b7d-4c0e-9a55-3c2d7e8f9a01", true}, // a user's sub
		{"7k2m9p4q1r8s3t6v5w0x2y7z4a", true},           // a machine client's id
		{"user@example.com", true},
		{"", false},
		{strings.Repeat("a", 129), false},
		{"alice#key:1", false}, // the separator of idempotency keys
		{"al ice", false},
		{"alice\n", false},
		{"zoë", false},
	}
	for _, tt := range tests {
		t.Run(tt.sub, func(t *testing.T) {
			t.Parallel()
			owner, err := orders.NewOwner(tt.sub)
			if !tt.ok {
				require.ErrorIs(t, err, orders.ErrNoOwner)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, orders.Owner(tt.sub), owner)
		})
	}
}

// No use case runs for no one.
func TestUseCasesNeedAnOwner(t *testing.T) {
	t.Parallel()
	store := orderstest.NewStore()
	svc, err := orders.NewService(store)
	require.NoError(t, err)
	ctx := context.Background()
	_, _, err = svc.Create(ctx, "", orders.NewOrder{CustomerName: "Ada", ItemCount: 1}, "")
	require.ErrorIs(t, err, orders.ErrNoOwner)
	_, err = svc.Get(ctx, "", uuid.New())
	require.ErrorIs(t, err, orders.ErrNoOwner)
	_, err = svc.Delete(ctx, "", uuid.New())
	require.ErrorIs(t, err, orders.ErrNoOwner)
	_, err = svc.List(ctx, "", orders.PageRequest{Size: orders.DefaultPageSize})
	require.ErrorIs(t, err, orders.ErrNoOwner)
	assert.Zero(t, store.Len(), "nothing stored")
}

// Idempotency keys, and the body that stands for a missing one, are each
// caller's own: the same key or body from two callers is two orders, and
// neither replays the other's.
func TestIdempotencyIsPerCaller(t *testing.T) {
	t.Parallel()
	store := orderstest.NewStore()
	svc, err := orders.NewService(store)
	require.NoError(t, err)
	ctx := context.Background()
	n := orders.NewOrder{CustomerName: "Ada", ItemCount: 1}
	for _, key := range []string{"key-1", ""} {
		a, replayed, err := svc.Create(ctx, alice, n, key)
		require.NoError(t, err)
		assert.False(t, replayed)
		b, replayed, err := svc.Create(ctx, bob, n, key)
		require.NoError(t, err)
		assert.False(t, replayed, "key %q: bob's create is his own", key)
		assert.NotEqual(t, a.ID, b.ID)
		assert.Equal(t, alice, a.Owner)
		assert.Equal(t, bob, b.Owner)
		again, replayed, err := svc.Create(ctx, alice, n, key)
		require.NoError(t, err)
		assert.True(t, replayed, "alice's repeat is still hers")
		assert.Equal(t, a, again)
	}
	assert.Equal(t, 4, store.Len())
}
