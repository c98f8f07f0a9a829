package orderstest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
)

// Conformance runs the behaviour every orders.Store must show against the
// stores that newStore returns, one per test: the in-memory Store in the
// unit tests, the DynamoDB store against a local DynamoDB in
// tests/integration. A fake that passes it answers as the real store does.
func Conformance(t *testing.T, newStore func(t *testing.T) orders.Store) {
	t.Helper()
	tests := map[string]func(t *testing.T, s orders.Store){
		"create, get, delete":                                createGetDelete,
		"a repeat is answered":                               repeatIsAnswered,
		"a reused key is refused":                            reusedKeyIsRefused,
		"missing orders":                                     missingOrders,
		"list pages through every":                           listPagesThroughEvery,
		"an empty list":                                      emptyList,
		"tokens it did not issue":                            foreignTokens,
		"a clashing create fails whole":                      clashingCreate,
		"another owner's order is not found":                 othersOrdersAreNotFound,
		"a list holds the owner's orders only, newest first": listIsTheOwners,
		"a page token works for its owner only":              tokensAreTheOwners,
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, newStore(t))
		})
	}
}

// Two owners, as the service names callers: a user's sub and a machine
// client's id.
const (
	Alice orders.Owner = "4f1c2a6e-1b7d-4c0e-9a55-3c2d7e8f9a01"
	Bob   orders.Owner = "7k2m9p4q1r8s3t6v5w0x2y7z4a"
)

// NewOrder returns an order of Alice's as the service makes one, with a
// fresh id.
func NewOrder(name string, count int) orders.Order {
	return NewOrderOf(Alice, name, count)
}

// NewOrderOf returns an order of owner's as the service makes one, with a
// fresh id.
func NewOrderOf(owner orders.Owner, name string, count int) orders.Order {
	return orders.Order{
		ID: uuid.New(), Owner: owner, CustomerName: name, ItemCount: count,
		CreatedAt: time.Date(2026, 11, 26, 12, 0, 0, 123000000, time.UTC),
	}
}

// Request is the idempotency request of a create of Alice's with key, for
// payload.
func Request(key, payload string) idempotency.Request {
	return idempotency.NewRequest("createOrder#"+string(Alice), key, []byte(payload))
}

func createGetDelete(t *testing.T, s orders.Store) {
	t.Helper()
	ctx := context.Background()
	o := NewOrder("Ada", 3)
	stored, replayed, err := s.Create(ctx, o, Request("k", "p"))
	require.NoError(t, err)
	assert.False(t, replayed)
	assert.Equal(t, o, stored)
	got, err := s.Get(ctx, o.Owner, o.ID)
	require.NoError(t, err)
	assert.Equal(t, o, got)
	deleted, err := s.Delete(ctx, o.Owner, o.ID)
	require.NoError(t, err)
	assert.Equal(t, o, deleted, "delete returns the order as it was")
	_, err = s.Get(ctx, o.Owner, o.ID)
	require.ErrorIs(t, err, orders.ErrNotFound)
}

func repeatIsAnswered(t *testing.T, s orders.Store) {
	t.Helper()
	ctx := context.Background()
	first := NewOrder("Ada", 3)
	_, _, err := s.Create(ctx, first, Request("k", "p"))
	require.NoError(t, err)
	again, replayed, err := s.Create(ctx, NewOrder("Ada", 3), Request("k", "p"))
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, first, again, "the first order, not the new one")
	assertOrders(t, s, first)
}

func reusedKeyIsRefused(t *testing.T, s orders.Store) {
	t.Helper()
	ctx := context.Background()
	first := NewOrder("Ada", 3)
	_, _, err := s.Create(ctx, first, Request("k", "p"))
	require.NoError(t, err)
	_, replayed, err := s.Create(ctx, NewOrder("Bob", 1), Request("k", "another"))
	require.ErrorIs(t, err, orders.ErrIdempotencyKeyReused)
	assert.False(t, replayed)
	assertOrders(t, s, first)
}

func missingOrders(t *testing.T, s orders.Store) {
	t.Helper()
	_, err := s.Get(context.Background(), Alice, uuid.New())
	require.ErrorIs(t, err, orders.ErrNotFound)
	_, err = s.Delete(context.Background(), Alice, uuid.New())
	require.ErrorIs(t, err, orders.ErrNotFound)
}

func listPagesThroughEvery(t *testing.T, s orders.Store) {
	t.Helper()
	ctx := context.Background()
	want := map[uuid.UUID]bool{}
	for i := range 23 {
		o := NewOrder("Ada", i+1)
		_, _, err := s.Create(ctx, o, Request(fmt.Sprint(i), fmt.Sprint(i)))
		require.NoError(t, err)
		want[o.ID] = true
	}
	seen := map[uuid.UUID]bool{}
	for _, o := range listAll(t, s, Alice, 5) {
		assert.False(t, seen[o.ID], "each order appears once")
		seen[o.ID] = true
	}
	assert.Equal(t, want, seen)
}

// listAll lists owner's orders page by page, size at a time, until the
// last page.
func listAll(t *testing.T, s orders.Store, owner orders.Owner, size int) []orders.Order {
	t.Helper()
	var listed []orders.Order
	token := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10, "paging must end")
		page, err := s.List(context.Background(), owner, size, token)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(page.Orders), size)
		listed = append(listed, page.Orders...)
		if page.NextToken == "" {
			return listed
		}
		token = page.NextToken
	}
}

func emptyList(t *testing.T, s orders.Store) {
	t.Helper()
	page, err := s.List(context.Background(), Alice, 10, "")
	require.NoError(t, err)
	assert.Empty(t, page.Orders)
	assert.Empty(t, page.NextToken)
}

func foreignTokens(t *testing.T, s orders.Store) {
	t.Helper()
	for _, token := range []string{"not-a-token", "-1", "e30"} {
		_, err := s.List(context.Background(), Alice, 1, token)
		require.ErrorIs(t, err, orders.ErrInvalidPageToken, token)
	}
}

// A create whose order id is taken never overwrites that order, and
// fails whole: it leaves no answer to replay, so a retry with the same key
// creates the order.
func clashingCreate(t *testing.T, s orders.Store) {
	t.Helper()
	ctx := context.Background()
	taken := NewOrder("Ada", 3)
	_, _, err := s.Create(ctx, taken, Request("k1", "p1"))
	require.NoError(t, err)
	clash := taken
	clash.CustomerName = "Bob"
	_, _, err = s.Create(ctx, clash, Request("k2", "p2"))
	require.Error(t, err, "an order id is never reused")
	got, err := s.Get(ctx, Alice, taken.ID)
	require.NoError(t, err)
	assert.Equal(t, taken, got)

	retry := NewOrder("Bob", 3)
	o, replayed, err := s.Create(ctx, retry, Request("k2", "p2"))
	require.NoError(t, err)
	assert.False(t, replayed, "the failed create left no answer")
	assert.Equal(t, retry, o)
	assertOrders(t, s, taken, retry)
}

// An order is its owner's alone: to anyone else, getting or deleting it
// is not finding it, and the order stays.
func othersOrdersAreNotFound(t *testing.T, s orders.Store) {
	t.Helper()
	ctx := context.Background()
	o := NewOrder("Ada", 3)
	_, _, err := s.Create(ctx, o, Request("k", "p"))
	require.NoError(t, err)
	_, err = s.Get(ctx, Bob, o.ID)
	require.ErrorIs(t, err, orders.ErrNotFound)
	_, err = s.Delete(ctx, Bob, o.ID)
	require.ErrorIs(t, err, orders.ErrNotFound)
	got, err := s.Get(ctx, Alice, o.ID)
	require.NoError(t, err, "the order is still there")
	assert.Equal(t, o, got)
}

// A list pages through the owner's orders alone, newest first, and never
// shows another's.
func listIsTheOwners(t *testing.T, s orders.Store) {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var newestFirst []orders.Order
	for i := range 12 {
		mine, theirs := NewOrderOf(Alice, "Ada", i+1), NewOrderOf(Bob, "Bo", i+1)
		mine.CreatedAt = start.Add(time.Duration(i) * time.Second)
		theirs.CreatedAt = mine.CreatedAt.Add(time.Millisecond)
		_, _, err := s.Create(ctx, mine, Request(fmt.Sprint("a", i), fmt.Sprint(i)))
		require.NoError(t, err)
		_, _, err = s.Create(ctx, theirs, idempotency.NewRequest("createOrder#"+string(Bob), fmt.Sprint("b", i), []byte(fmt.Sprint(i))))
		require.NoError(t, err)
		newestFirst = append([]orders.Order{mine}, newestFirst...)
	}
	assert.Equal(t, newestFirst, listAll(t, s, Alice, 5))
}

// A page token given to one owner is refused to another, rather than
// paging through the other's orders from where the first stopped.
func tokensAreTheOwners(t *testing.T, s orders.Store) {
	t.Helper()
	ctx := context.Background()
	for i := range 3 {
		_, _, err := s.Create(ctx, NewOrder("Ada", i+1), Request(fmt.Sprint(i), fmt.Sprint(i)))
		require.NoError(t, err)
	}
	page, err := s.List(ctx, Alice, 1, "")
	require.NoError(t, err)
	require.NotEmpty(t, page.NextToken)
	_, err = s.List(ctx, Bob, 1, page.NextToken)
	require.ErrorIs(t, err, orders.ErrInvalidPageToken)
	_, err = s.List(ctx, Alice, 1, page.NextToken)
	require.NoError(t, err, "the owner's own token works")
}

// assertOrders checks that s holds exactly want, all Alice's.
func assertOrders(t *testing.T, s orders.Store, want ...orders.Order) {
	t.Helper()
	page, err := s.List(context.Background(), Alice, orders.MaxPageSize, "")
	require.NoError(t, err)
	assert.ElementsMatch(t, want, page.Orders)
	assert.Empty(t, page.NextToken)
}
