package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/orders/dynamo"
	"github.com/go-sam-blueprint/orders/src/orders/orderstest"
	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
	"github.com/go-sam-blueprint/orders/src/platform/metrics"
)

// fixture is the DynamoDB store on tables of its own, with a clock for the
// idempotency records that a test can move.
type fixture struct {
	store  *dynamo.Store
	db     *dynamodb.Client
	calls  *countingClient
	orders string       // the orders table
	idem   string       // the idempotency table
	offset atomic.Int64 // added to the real time, in nanoseconds
}

const testTTL = 5 * time.Minute

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, calls, prefix := newDB(t)
	f := &fixture{db: db, calls: calls, orders: prefix + "OrdersTable", idem: prefix + "IdempotencyTable"}
	records, err := idempotency.NewRecords(f.idem, testTTL,
		idempotency.WithClock(func() time.Time { return time.Now().Add(time.Duration(f.offset.Load())) }))
	require.NoError(t, err)
	f.store, err = dynamo.NewStore(db, f.orders, records)
	require.NoError(t, err)
	return f
}

func (f *fixture) countOrders(t *testing.T) int {
	t.Helper()
	out, err := f.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(f.orders)})
	require.NoError(t, err)
	return len(out.Items)
}

// The DynamoDB store answers as every orders.Store must, against a real
// DynamoDB's conditions, transactions and pages.
func TestStoreConformance(t *testing.T) {
	t.Parallel()
	orderstest.Conformance(t, func(t *testing.T) orders.Store {
		t.Helper()
		return newFixture(t).store
	})
}

// Every operation is one round trip: a create (first, replay or reused
// key), a get, a delete (found or not), a page of a list.
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	trips := func() int64 { return f.calls.calls.Swap(0) }

	o := orderstest.NewOrder("Ada", 3)
	_, _, err := f.store.Create(ctx, o, orderstest.Request("k", "p"))
	require.NoError(t, err)
	assert.EqualValues(t, 1, trips(), "a first create is one transaction")
	_, replayed, err := f.store.Create(ctx, orderstest.NewOrder("Ada", 3), orderstest.Request("k", "p"))
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.EqualValues(t, 1, trips(), "a replay is one round trip")
	_, _, err = f.store.Create(ctx, orderstest.NewOrder("Bob", 1), orderstest.Request("k", "other"))
	require.ErrorIs(t, err, orders.ErrIdempotencyKeyReused)
	assert.EqualValues(t, 1, trips(), "a reused key is one round trip")

	_, err = f.store.Get(ctx, o.Owner, o.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 1, trips(), "get")
	_, err = f.store.List(ctx, o.Owner, 10, "")
	require.NoError(t, err)
	assert.EqualValues(t, 1, trips(), "a page")
	_, err = f.store.Delete(ctx, o.Owner, o.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 1, trips(), "delete")
	_, err = f.store.Delete(ctx, o.Owner, o.ID)
	require.ErrorIs(t, err, orders.ErrNotFound)
	assert.EqualValues(t, 1, trips(), "a missing order is found out in the delete itself")
	assert.Equal(t, 0, f.countOrders(t))
}

func TestListRefusesTamperedTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	for i := range 3 {
		_, _, err := f.store.Create(ctx, orderstest.NewOrder("Ada", i+1), orderstest.Request("", string(rune('a'+i))))
		require.NoError(t, err)
	}
	page, err := f.store.List(ctx, orderstest.Alice, 1, "")
	require.NoError(t, err)
	require.NotEmpty(t, page.NextToken)
	f.calls.calls.Store(0)
	for _, token := range []string{page.NextToken + "x", "x" + page.NextToken[1:], "e30", "not-a-token"} {
		_, err := f.store.List(ctx, orderstest.Alice, 1, token)
		require.ErrorIs(t, err, orders.ErrInvalidPageToken, token)
	}
	assert.Zero(t, f.calls.calls.Load(), "a bad token never reaches DynamoDB")
}

// After the TTL, a key is free again, even before DynamoDB's TTL removes
// the record (which can take days).
func TestRecordExpires(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first, _, err := f.store.Create(context.Background(), orderstest.NewOrder("Ada", 1), orderstest.Request("k", "p"))
	require.NoError(t, err)
	f.offset.Store(int64(testTTL + time.Second))
	second, replayed, err := f.store.Create(context.Background(), orderstest.NewOrder("Ada", 1), orderstest.Request("k", "p"))
	require.NoError(t, err)
	assert.False(t, replayed, "after the TTL the key is free again")
	assert.NotEqual(t, first.ID, second.ID)
	assert.Equal(t, 2, f.countOrders(t))
}

// N parallel creates with one key store exactly one order; every answer is
// that order or a conflict to retry.
func TestConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const n = 20
	var wg sync.WaitGroup
	results := make([]orders.Order, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i], _, errs[i] = f.store.Create(context.Background(), orderstest.NewOrder("Ada", 1), orderstest.Request("same", "p"))
		})
	}
	wg.Wait()
	var answer orders.Order
	for i := range n {
		if errs[i] != nil {
			_, busy := errors.AsType[*orders.ConflictError](errs[i])
			assert.True(t, busy, "only conflicts, got %v", errs[i])
			continue
		}
		if answer.ID == [16]byte{} {
			answer = results[i]
		}
		assert.Equal(t, answer, results[i], "every success is the same order")
	}
	require.NotZero(t, answer.ID)
	assert.Equal(t, 1, f.countOrders(t))
}

// Issue 15, finding 2: OrderCreated counts the orders committed, not the
// attempts. Through the service and the real store, a create, three
// replays and one reuse of the key with another body store one order and
// count one OrderCreated and three IdempotentReplay.
func TestOrderCreatedCountsCommittedOrders(t *testing.T) {
	t.Parallel()
	svc, err := orders.NewService(newFixture(t).store)
	require.NoError(t, err)
	set := metrics.NewSet()
	ctx := metrics.WithSet(context.Background(), set)
	ada := orders.NewOrder{CustomerName: "Ada", ItemCount: 3}
	for range 4 {
		_, _, err := svc.Create(ctx, orderstest.Alice, ada, "key-1")
		require.NoError(t, err)
	}
	_, _, err = svc.Create(ctx, orderstest.Alice, orders.NewOrder{CustomerName: "Ada", ItemCount: 4}, "key-1")
	require.ErrorIs(t, err, orders.ErrIdempotencyKeyReused)

	counts := countMetrics(t, set)
	assert.InDelta(t, 1, counts[orders.MetricOrderCreated], 0, "one order was stored")
	assert.InDelta(t, 3, counts[orders.MetricIdempotentReplay], 0)
}

// countMetrics flushes set as EMF and sums each metric's values.
func countMetrics(t *testing.T, set *metrics.Set) map[string]float64 {
	t.Helper()
	var out bytes.Buffer
	emitter, err := metrics.NewEmitter(&out, "Orders", "orders")
	require.NoError(t, err)
	require.NoError(t, emitter.Flush(set))
	counts := map[string]float64{}
	for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		var doc map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &doc))
		for name, v := range doc {
			switch v := v.(type) {
			case float64:
				counts[name] += v
			case []any:
				for _, x := range v {
					counts[name] += x.(float64)
				}
			}
		}
	}
	return counts
}

// Issue 15, finding 1: through the service and the real store, a client
// that sends "sha256:<hash of another's body>" as its Idempotency-Key
// cannot block that other's keyless create.
func TestClientKeysCannotTakeDerivedKeys(t *testing.T) {
	t.Parallel()
	svc, err := orders.NewService(newFixture(t).store)
	require.NoError(t, err)
	ctx := context.Background()
	victim := orders.NewOrder{CustomerName: "Victim", ItemCount: 3}
	// Keys are each caller's own now; the namespaces hold even within one
	// caller's, where a shared account or a bug could still collide.
	derived := idempotency.NewRequest("createOrder#"+string(orderstest.Alice), "", []byte(`{"customer_name":"Victim","order_item_count":3}`))
	_, _, err = svc.Create(ctx, orderstest.Alice, orders.NewOrder{CustomerName: "Mallory", ItemCount: 1}, "sha256:"+derived.PayloadHash)
	require.NoError(t, err)

	o, replayed, err := svc.Create(ctx, orderstest.Alice, victim, "")
	require.NoError(t, err, "the victim's keyless create is not blocked")
	assert.False(t, replayed)
	assert.Equal(t, "Victim", o.CustomerName)
}

// readCost records what each Query of the store read.
type readCost struct {
	dynamo.API
	mu      sync.Mutex
	scanned []int32
	units   []float64
}

func (r *readCost) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := r.API.Query(ctx, in, opts...)
	if err == nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.scanned = append(r.scanned, out.ScannedCount)
		if out.ConsumedCapacity != nil && out.ConsumedCapacity.CapacityUnits != nil {
			r.units = append(r.units, *out.ConsumedCapacity.CapacityUnits)
		}
	}
	return out, err
}

// A list page reads the caller's items only, however many orders others
// hold: a Query of the owner index, never a Scan of the table.
func TestListReadsOnlyTheCallersOrders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for i := range 40 {
		_, _, err := f.store.Create(ctx, orderstest.NewOrderOf(orderstest.Bob, "His", i+1), idempotency.NewRequest("createOrder#bob", "", []byte{byte(i)}))
		require.NoError(t, err)
	}
	for i := range 3 {
		_, _, err := f.store.Create(ctx, orderstest.NewOrder("Hers", i+1), orderstest.Request("", string(rune('a'+i))))
		require.NoError(t, err)
	}
	cost := &readCost{API: f.db}
	records, err := idempotency.NewRecords(f.idem, testTTL)
	require.NoError(t, err)
	store, err := dynamo.NewStore(cost, f.orders, records)
	require.NoError(t, err)

	page, err := store.List(ctx, orderstest.Alice, 10, "")
	require.NoError(t, err)
	assert.Len(t, page.Orders, 3)
	require.Len(t, cost.scanned, 1)
	assert.EqualValues(t, 3, cost.scanned[0], "the page read alice's 3 items, not the table's 43")
	t.Logf("a list page of 3 orders among 43: %d items read, %v read capacity units", cost.scanned[0], cost.units)
}
