package integration

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders/dynamo"
	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
	"github.com/go-sam-blueprint/orders/src/orders"
)

// guardFixture is a Guard and an orders store on tables of their own, with
// a clock the test can move.
type guardFixture struct {
	guard  *idempotency.Guard
	store  *dynamo.Orders
	db     *dynamodb.Client
	calls  *countingClient
	table  string
	offset atomic.Int64 // added to the real time, in nanoseconds
}

const testTTL = 5 * time.Minute

func newGuardFixture(t *testing.T) *guardFixture {
	t.Helper()
	db, calls, prefix := newDB(t)
	f := &guardFixture{db: db, calls: calls, table: prefix + "OrdersTable"}
	var err error
	f.store, err = dynamo.NewOrders(db, f.table)
	require.NoError(t, err)
	f.guard, err = idempotency.New(db, prefix+"IdempotencyTable", testTTL,
		idempotency.WithClock(func() time.Time { return time.Now().Add(time.Duration(f.offset.Load())) }))
	require.NoError(t, err)
	return f
}

// createOp stores a new order through the store, which joins the Guard's
// transaction, and returns the order's JSON.
func (f *guardFixture) createOp() func(ctx context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		o := orders.Order{ID: uuid.New(), CustomerName: "Ada", ItemCount: 1, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
		if err := f.store.Put(ctx, o); err != nil {
			return nil, err
		}
		return json.Marshal(o)
	}
}

func (f *guardFixture) countOrders(t *testing.T) int {
	t.Helper()
	out, err := f.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(f.table)})
	require.NoError(t, err)
	return len(out.Items)
}

func TestGuardRoundTrips(t *testing.T) {
	t.Parallel()
	f := newGuardFixture(t)
	ctx := context.Background()

	first, replayed, err := f.guard.Do(ctx, "k", []byte(`{"a":1}`), f.createOp())
	require.NoError(t, err)
	assert.False(t, replayed)
	assert.EqualValues(t, 2, f.calls.calls.Swap(0), "a first create is a claim and one transaction")

	again, replayed, err := f.guard.Do(ctx, "k", []byte(`{"a":1}`), f.createOp())
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, first, again)
	assert.EqualValues(t, 1, f.calls.calls.Swap(0), "a replay is one round trip")

	_, _, err = f.guard.Do(ctx, "k", []byte(`{"a":2}`), f.createOp())
	require.ErrorIs(t, err, idempotency.ErrPayloadMismatch)
	assert.EqualValues(t, 1, f.calls.calls.Swap(0), "a mismatch is one round trip")

	assert.Equal(t, 1, f.countOrders(t))
}

func TestGuardInFlightIsConflictUntilDone(t *testing.T) {
	t.Parallel()
	f := newGuardFixture(t)
	started, finish := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, _, err := f.guard.Do(context.Background(), "k", []byte("p"), func(ctx context.Context) ([]byte, error) {
			close(started)
			<-finish
			return f.createOp()(ctx)
		})
		done <- err
	}()
	<-started

	_, _, err := f.guard.Do(context.Background(), "k", []byte("p"), f.createOp())
	inProgress, ok := errors.AsType[*idempotency.InProgressError](err)
	require.True(t, ok, "got %v", err)
	assert.GreaterOrEqual(t, inProgress.RetryAfter, time.Second)
	assert.LessOrEqual(t, inProgress.RetryAfter, 31*time.Second, "bounded by the claim's deadline")

	close(finish)
	require.NoError(t, <-done)
	_, replayed, err := f.guard.Do(context.Background(), "k", []byte("p"), f.createOp())
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, 1, f.countOrders(t))
}

// A claim lasts until the caller's deadline (Lambda's) at the latest: a
// request that died holding it blocks retries no longer than that.
func TestGuardClaimExpiresWithTheDeadline(t *testing.T) {
	t.Parallel()
	f := newGuardFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	started, stuck := make(chan struct{}), make(chan struct{})
	go func() {
		_, _, _ = f.guard.Do(ctx, "k", []byte("p"), func(context.Context) ([]byte, error) {
			close(started)
			<-stuck // the function froze, as if killed at its timeout
			return nil, errors.New("never")
		})
	}()
	t.Cleanup(func() { close(stuck) })
	<-started
	_, _, err := f.guard.Do(context.Background(), "k", []byte("p"), f.createOp())
	inProgress, busy := errors.AsType[*idempotency.InProgressError](err)
	require.True(t, busy, "the claim is held while the first request runs: %v", err)
	assert.LessOrEqual(t, inProgress.RetryAfter, 3*time.Second, "the claim ends with the deadline")

	f.offset.Store(int64(4 * time.Second)) // past the first request's deadline
	_, replayed, err := f.guard.Do(context.Background(), "k", []byte("p"), f.createOp())
	require.NoError(t, err)
	assert.False(t, replayed, "the retry runs the operation")
	assert.Equal(t, 1, f.countOrders(t))
}

func TestGuardFailureLeavesNoRecord(t *testing.T) {
	t.Parallel()
	f := newGuardFixture(t)
	boom := errors.New("boom")
	_, _, err := f.guard.Do(context.Background(), "k", []byte("p"), func(context.Context) ([]byte, error) { return nil, boom })
	require.ErrorIs(t, err, boom)

	_, replayed, err := f.guard.Do(context.Background(), "k", []byte("p"), f.createOp())
	require.NoError(t, err, "a retry after a failure runs at once")
	assert.False(t, replayed)
	assert.Equal(t, 1, f.countOrders(t))
}

// When the operation's own write fails inside the transaction, neither the
// write nor the completed record is kept, and the claim is released.
func TestGuardFailedCommitKeepsNothing(t *testing.T) {
	t.Parallel()
	f := newGuardFixture(t)
	taken := orders.Order{ID: uuid.New(), CustomerName: "Ada", ItemCount: 1, CreatedAt: time.Now().UTC()}
	require.NoError(t, f.store.Put(context.Background(), taken))
	clash := func(ctx context.Context) ([]byte, error) {
		return []byte("x"), f.store.Put(ctx, taken) // the same id: the transaction's condition fails
	}
	_, _, err := f.guard.Do(context.Background(), "k", []byte("p"), clash)
	require.Error(t, err)

	_, replayed, err := f.guard.Do(context.Background(), "k", []byte("p"), f.createOp())
	require.NoError(t, err)
	assert.False(t, replayed)
	assert.Equal(t, 2, f.countOrders(t))
}

// atomic is the one-round-trip Guard over the fixture's tables.
func (f *guardFixture) atomic() idempotency.Atomic { return idempotency.Atomic{Guard: f.guard} }

func TestAtomicRoundTrips(t *testing.T) {
	t.Parallel()
	f := newGuardFixture(t)
	ctx := context.Background()

	first, replayed, err := f.atomic().Do(ctx, "k", []byte(`{"a":1}`), f.createOp())
	require.NoError(t, err)
	assert.False(t, replayed)
	assert.EqualValues(t, 1, f.calls.calls.Swap(0), "a first create is one transaction")

	again, replayed, err := f.atomic().Do(ctx, "k", []byte(`{"a":1}`), f.createOp())
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, first, again)
	assert.EqualValues(t, 1, f.calls.calls.Swap(0), "a replay is one round trip")

	_, _, err = f.atomic().Do(ctx, "k", []byte(`{"a":2}`), f.createOp())
	require.ErrorIs(t, err, idempotency.ErrPayloadMismatch)
	assert.EqualValues(t, 1, f.calls.calls.Swap(0))
	assert.Equal(t, 1, f.countOrders(t), "the failed transactions wrote nothing")
}

func TestAtomicFailureWritesNothing(t *testing.T) {
	t.Parallel()
	f := newGuardFixture(t)
	boom := errors.New("boom")
	_, _, err := f.atomic().Do(context.Background(), "k", []byte("p"), func(context.Context) ([]byte, error) { return nil, boom })
	require.ErrorIs(t, err, boom)
	assert.Zero(t, f.calls.calls.Load(), "nothing reached DynamoDB")

	_, replayed, err := f.atomic().Do(context.Background(), "k", []byte("p"), f.createOp())
	require.NoError(t, err)
	assert.False(t, replayed)
	assert.Equal(t, 1, f.countOrders(t))
}

// runner is a way to run an operation once per key: Guard.Do or Atomic.Do.
type runner func(ctx context.Context, key string, payload []byte, op func(context.Context) ([]byte, error)) ([]byte, bool, error)

// both runs a test with each way, on tables of its own.
func both(t *testing.T, test func(t *testing.T, f *guardFixture, do runner)) {
	t.Helper()
	for name, pick := range map[string]func(f *guardFixture) runner{
		"Guard":  func(f *guardFixture) runner { return f.guard.Do },
		"Atomic": func(f *guardFixture) runner { return f.atomic().Do },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newGuardFixture(t)
			test(t, f, pick(f))
		})
	}
}

func TestRecordExpires(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, f *guardFixture, do runner) {
		t.Helper()
		first, _, err := do(context.Background(), "k", []byte("p"), f.createOp())
		require.NoError(t, err)
		f.offset.Store(int64(testTTL + time.Second))
		second, replayed, err := do(context.Background(), "k", []byte("p"), f.createOp())
		require.NoError(t, err)
		assert.False(t, replayed, "after the TTL the key is free again")
		assert.NotEqual(t, first, second)
	})
}

// N parallel creates with one key store exactly one order; every answer is
// that order or "in progress".
func TestConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, f *guardFixture, do runner) {
		t.Helper()
		const n = 20
		var wg sync.WaitGroup
		results := make([][]byte, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				results[i], _, errs[i] = do(context.Background(), "same", []byte("p"), f.createOp())
			})
		}
		wg.Wait()
		var answer []byte
		for i := range n {
			if errs[i] != nil {
				_, busy := errors.AsType[*idempotency.InProgressError](errs[i])
				assert.True(t, busy, "only in-progress conflicts, got %v", errs[i])
				continue
			}
			if answer == nil {
				answer = results[i]
			}
			assert.Equal(t, answer, results[i], "every success is the same order")
		}
		require.NotNil(t, answer)
		assert.Equal(t, 1, f.countOrders(t))
	})
}
