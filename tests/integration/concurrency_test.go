package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/orders/httpapi"
	"github.com/go-sam-blueprint/orders/src/orders/orderstest"
	"github.com/go-sam-blueprint/orders/src/platform/caller"
	"github.com/go-sam-blueprint/orders/tests/localapi"
)

// The tests in this file race HTTP requests through the stack as deployed
// — httpapi.New over orders.Service over the DynamoDB store on
// moto_server's tables, wired as src/app wires them — and check what
// DynamoDB holds afterwards.
//
// Every request of a test is truly in flight at once: one goroutine each,
// released together. localdynamo hands moto_server one request at a time
// (DynamoDB isolates transactions; moto does not), so the requests race in
// the HTTP layer, the service and the idempotency logic, and meet in
// DynamoDB in some order. 100 requests take one to three seconds with
// -race on two cores, so no worker pool is needed; should that change,
// bound the goroutines in concurrently and keep the 100 requests issued at
// once.

// requestTimeout bounds every request, so that a stuck server fails the
// test instead of hanging it.
const requestTimeout = 20 * time.Second

// stack is the orders API over moto_server, served on loopback.
type stack struct {
	url    string
	client *http.Client
	db     *dynamodb.Client
	table  string
	logs   *localapi.Buffer // the handler's log lines, shown when a test fails
}

// newStack serves the orders API as src/app wires it.
func newStack(t *testing.T) *stack {
	t.Helper()
	f := newFixture(t)
	svc, err := orders.NewService(f.store)
	require.NoError(t, err)
	logs := &localapi.Buffer{}
	h, err := httpapi.New(svc, slog.New(slog.NewJSONHandler(logs, nil)))
	require.NoError(t, err)
	// As lambdahttp hands the handler the caller that API Gateway's
	// authorizer verified: alice, for every request.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(caller.NewContext(r.Context(), caller.Claims{"sub": string(orderstest.Alice)})))
	}))
	t.Cleanup(srv.Close)
	transport := &http.Transport{MaxIdleConnsPerHost: 100}
	t.Cleanup(transport.CloseIdleConnections)
	s := &stack{url: srv.URL, client: &http.Client{Transport: transport, Timeout: requestTimeout}, db: f.db, table: f.orders, logs: logs}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("handler log:\n%s", logs.String())
		}
	})
	return s
}

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
	err    error
}

func (s *stack) do(method, path, key string, body any) answer {
	var reader io.Reader = http.NoBody
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return answer{err: err}
		}
		reader = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, reader)
	if err != nil {
		return answer{err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: raw, err: err}
}

func (s *stack) create(name string, count int, key string) answer {
	return s.do(http.MethodPost, "/api/orders", key, map[string]any{"customer_name": name, "order_item_count": count})
}

// orderID is the id in an order's (or a delete's) JSON answer.
func orderID(t *testing.T, a answer) string {
	t.Helper()
	var body struct {
		ID      string `json:"id"`
		OrderID string `json:"order_id"`
	}
	require.NoError(t, json.Unmarshal(a.body, &body), string(a.body))
	if body.ID != "" {
		return body.ID
	}
	return body.OrderID
}

// storedIDs scans the orders table: the ids DynamoDB holds.
func (s *stack) storedIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	pages := dynamodb.NewScanPaginator(s.db, &dynamodb.ScanInput{TableName: aws.String(s.table)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		require.NoError(t, err)
		for _, item := range page.Items {
			id, ok := item["id"].(*types.AttributeValueMemberS)
			require.True(t, ok, "an order's id is a string: %v", item)
			ids = append(ids, id.Value)
		}
	}
	return ids
}

// concurrently sends the n requests of req at once, each from a goroutine
// of its own released together with the others, and returns the answers
// in request order.
func concurrently(n int, req func(i int) answer) []answer {
	answers := make([]answer, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			answers[i] = req(i)
		})
	}
	close(start)
	wg.Wait()
	return answers
}

// noServerErrors fails the test for a transport error or any 5xx.
func noServerErrors(t *testing.T, what string, answers []answer) {
	t.Helper()
	for i, a := range answers {
		if a.err != nil {
			t.Errorf("%s %d: %v", what, i, a.err)
			continue
		}
		assert.Less(t, a.status, 500, "%s %d answered %d: %s", what, i, a.status, a.body)
	}
}

// 100 concurrent creates with one Idempotency-Key store one order. Exactly
// one answer creates it; every other answer is that order, replayed, or
// 409 with a Retry-After when its transaction collided with the first's
// (the creates overlap, and DynamoDB commits one).
func TestConcurrentCreatesWithOneKeyStoreOneOrder(t *testing.T) {
	t.Parallel()
	createsWithOneKey(t, newStack(t))
}

func createsWithOneKey(t *testing.T, s *stack) {
	t.Helper()
	const n = 100
	answers := concurrently(n, func(int) answer { return s.create("Race", 2, "one-key") })
	noServerErrors(t, "create", answers)

	ids := map[string]int{}
	var created, replayed, conflicts int
	for i, a := range answers {
		switch a.status {
		case http.StatusOK:
			ids[orderID(t, a)]++
			if a.header.Get("Idempotent-Replayed") == "true" {
				replayed++
			} else {
				created++
			}
		case http.StatusConflict:
			conflicts++
			retry, err := strconv.Atoi(a.header.Get("Retry-After"))
			if assert.NoError(t, err, "409 %d has a Retry-After in seconds: %v", i, a.header) {
				assert.GreaterOrEqual(t, retry, 1)
			}
			assert.Equal(t, "application/problem+json", a.header.Get("Content-Type"))
			assert.Contains(t, string(a.body), "#idempotency-in-progress")
		default:
			t.Errorf("create %d answered %d: %s", i, a.status, a.body)
		}
	}
	t.Logf("%d creates with one key: %d created, %d replayed, %d in progress (409)", n, created, replayed, conflicts)
	assert.Equal(t, 1, created, "exactly one answer is the create itself")
	require.Len(t, ids, 1, "every 200 is the same order")
	stored := s.storedIDs(t)
	require.Len(t, stored, 1, "one order in the table")
	assert.Contains(t, ids, stored[0], "the stored order is the one answered")
}

// 100 concurrent creates of distinct orders, half with keys of their own,
// store 100 orders: one each, all answered 200.
func TestConcurrentDistinctCreatesStoreEveryOrder(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	const n = 100
	answers := concurrently(n, func(i int) answer {
		key := ""
		if i%2 == 0 {
			key = fmt.Sprintf("distinct-%d", i)
		}
		// A distinct body: without a key, the body is the key.
		return s.create(fmt.Sprintf("Customer %d", i), i+1, key)
	})
	noServerErrors(t, "create", answers)

	answered := map[string]bool{}
	for i, a := range answers {
		if !assert.Equal(t, http.StatusOK, a.status, "create %d: %s", i, a.body) {
			continue
		}
		assert.Empty(t, a.header.Get("Idempotent-Replayed"), "create %d is no replay", i)
		id := orderID(t, a)
		assert.False(t, answered[id], "create %d answered the id of another: %s", i, id)
		answered[id] = true
	}
	assert.Len(t, answered, n, "100 distinct ids")
	stored := map[string]bool{}
	for _, id := range s.storedIDs(t) {
		stored[id] = true
	}
	assert.Equal(t, answered, stored, "the table holds exactly the orders answered")
}

// Gets racing deletes of the same order never fail: a get finds the order
// (200, the order itself) or does not (404), and of the deletes exactly one
// removes it (200) while the others find nothing to remove (404).
func TestConcurrentGetsAndDeletesOfOneOrder(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	const (
		rounds  = 5
		gets    = 50
		deletes = 5
	)
	for round := range rounds {
		created := s.create(fmt.Sprintf("Doomed %d", round), 1, "")
		require.NoError(t, created.err)
		require.Equal(t, http.StatusOK, created.status, string(created.body))
		id := orderID(t, created)
		path := "/api/orders/" + id

		// Deletes are spread among the gets, so that gets run before,
		// between and after them.
		isDelete := func(i int) bool { return i%((gets+deletes)/deletes) == (gets+deletes)/deletes/2 }
		answers := concurrently(gets+deletes, func(i int) answer {
			if isDelete(i) {
				return s.do(http.MethodDelete, path, "", nil)
			}
			return s.do(http.MethodGet, path, "", nil)
		})
		noServerErrors(t, "request", answers)

		var found, missing, removed, notRemoved int
		for i, a := range answers {
			switch {
			case isDelete(i) && a.status == http.StatusOK:
				removed++
				assert.Equal(t, id, orderID(t, a))
			case isDelete(i) && a.status == http.StatusNotFound:
				notRemoved++
			case !isDelete(i) && a.status == http.StatusOK:
				found++
				assert.Equal(t, id, orderID(t, a), "a get answers the order asked for")
			case !isDelete(i) && a.status == http.StatusNotFound:
				missing++
			default:
				t.Errorf("round %d, request %d (delete: %t) answered %d: %s", round, i, isDelete(i), a.status, a.body)
			}
		}
		t.Logf("round %d: gets %d found, %d not found; deletes %d removed, %d not found", round, found, missing, removed, notRemoved)
		assert.Equal(t, gets, found+missing, "round %d: every get is 200 or 404", round)
		assert.Equal(t, 1, removed, "round %d: exactly one delete removes the order", round)
		assert.Equal(t, deletes-1, notRemoved, "round %d: the other deletes are 404", round)

		after := s.do(http.MethodGet, path, "", nil)
		require.NoError(t, after.err)
		assert.Equal(t, http.StatusNotFound, after.status, "round %d: the order is gone", round)
	}
	assert.Empty(t, s.storedIDs(t), "every order was deleted")
}
