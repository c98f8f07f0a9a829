package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/orders/dynamo/dynamotest"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
)

// The tests in this file inject DynamoDB failures where they happen in
// production, under the SDK: a dynamotest.FaultTransport is the HTTP
// client of the function that app.New builds, so the SDK's own retries,
// backoff and error parsing all run.

// lockedBuffer collects the function's log and metric lines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// faultyFunction is the orders function as deployed, with DynamoDB
// answered in process (dynamotest.Transport) behind a FaultTransport, and
// the AppConfig agent at agentURL.
type faultyFunction struct {
	fn     lambdahttp.Func
	faults *dynamotest.FaultTransport
	out    *lockedBuffer
}

func newFaultyFunction(t *testing.T, agentURL string) *faultyFunction {
	t.Helper()
	f, err := buildFaultyFunction(agentURL)
	require.NoError(t, err)
	return f
}

// buildFaultyFunction is newFaultyFunction for any goroutine.
func buildFaultyFunction(agentURL string) (*faultyFunction, error) {
	f := &faultyFunction{faults: dynamotest.NewFaultTransport(dynamotest.NewTransport()), out: &lockedBuffer{}}
	var err error
	f.fn, err = newTestFunction(agentURL, f.faults.Client(), f.out)
	return f, err
}

// invocation is what a client saw of one invocation.
type invocation struct {
	resp    events.APIGatewayProxyResponse
	err     error
	elapsed time.Duration // reported in the table, never asserted on
	calls   int           // DynamoDB calls of the operation, retries included
	out     string        // the function's log and metric lines
	// deadline is the invocation's, as Lambda gives it; callDeadline the
	// deadline of the operation's last DynamoDB call, if one was made.
	deadline, callDeadline time.Time
	called                 bool
}

// invoke calls the function with a deadline, as Lambda does; any
// goroutine may call it.
func (f *faultyFunction) invoke(e events.APIGatewayProxyRequest, deadline time.Duration, call string) invocation {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	resp, err := f.fn(ctx, e)
	inv := invocation{resp: resp, err: err, elapsed: time.Since(start), calls: f.faults.Calls(call), out: f.out.String()}
	inv.deadline, _ = ctx.Deadline()
	inv.callDeadline, inv.called = f.faults.Deadline(call)
	return inv
}

// assertGivenUpInTime checks, without timing anything, that a DynamoDB
// call that never answers is given up before Lambda would stop the
// function: the call's deadline comes before the invocation's, so that
// the function still answers its own 504, and API Gateway never turns a
// stopped function into a 502. (The machine's speed decides how long
// that takes, so no test measures it.)
func assertGivenUpInTime(t *testing.T, got invocation) {
	t.Helper()
	if !got.called {
		return // the deadline had passed before any call
	}
	assert.True(t, got.callDeadline.Before(got.deadline),
		"the call's deadline %s comes before the invocation's %s", got.callDeadline.Format(time.StampMicro), got.deadline.Format(time.StampMicro))
}

// invokeAll runs every invocation at once and returns what each saw. The
// faults cost mostly waiting (the SDK's backoff, deadlines), so they run
// side by side rather than under t.Parallel's limit of one per CPU.
func invokeAll(n int, run func(i int) invocation) []invocation {
	out := make([]invocation, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i] = run(i) })
	}
	wg.Wait()
	return out
}

// faultOp is an operation of the API and the one DynamoDB call it makes.
type faultOp struct {
	name, event, call string
}

var faultOps = []faultOp{
	{"create", "create_order.json", "TransactWriteItems"},
	{"get", "get_order.json", "GetItem"},
	{"delete", "delete_order.json", "DeleteItem"},
	{"list", "list_orders.json", "Query"},
}

// Attempts of the SDK per call, as app.New configures its retryer.
const sdkAttempts = 3

// faultWhen says which attempts of the call fail.
type faultWhen struct {
	name        string
	from, times int
}

var faultWhens = []faultWhen{
	{"1st attempt", 1, 1},
	{"1st+2nd attempts", 1, 2},
	{"every attempt", 1, dynamotest.Forever},
}

// faultOutcome is what the client sees.
type faultOutcome struct {
	status   int
	attempts int
}

// expectFault is the answer the function owes for fault on the attempts
// that when names.
func expectFault(fault dynamotest.Fault, when faultWhen) faultOutcome {
	switch fault {
	case dynamotest.Timeout:
		// The call never answers; the SDK does not retry a call whose
		// context is done.
		return faultOutcome{http.StatusGatewayTimeout, 1}
	case dynamotest.TransactionThrottled:
		// Not retried by the SDK: a cancelled transaction.
		return faultOutcome{http.StatusServiceUnavailable, 1}
	}
	// Every other fault is retried by the SDK, up to sdkAttempts.
	if when.times != dynamotest.Forever && when.times < sdkAttempts {
		return faultOutcome{http.StatusOK, when.times + 1}
	}
	// DynamoDB throttling, unreachable, or failing on its side, after the
	// retries: one answer, 503 with Retry-After (issue 15, finding 4).
	return faultOutcome{http.StatusServiceUnavailable, sdkAttempts}
}

// internals are words that no answer may hold: they would tell a client
// about the database, the SDK or the network.
var internals = []string{
	"DynamoDB", "dynamodb", "Exception", "ThrottlingError", "operation error", "Internal server error",
	"connection", "EOF", "deadline", "context", "TransactWriteItems", "GetItem", "DeleteItem", "Query",
	"idempotency", "orders table", "AKID",
}

// faultRow is one observed row of the faults table, logged at the end.
type faultRow struct {
	op, call, fault, when string
	status, attempts      int
	retryAfter            string
	elapsed               time.Duration
}

// TestDynamoDBFaults injects each fault at each attempt pattern of the
// DynamoDB call of each operation, through the SDK, and checks the
// answer: 200 when the SDK's retries recover; 503 with Retry-After when
// DynamoDB keeps throttling, cannot be reached or keeps failing on its
// side; 504, from the function itself, when the call outlives the
// deadline; always a problem document that reveals nothing, with the
// security headers.
func TestDynamoDBFaults(t *testing.T) {
	t.Parallel()
	type faultCase struct {
		op       faultOp
		fault    dynamotest.Fault
		when     faultWhen
		want     faultOutcome
		deadline time.Duration
		event    events.APIGatewayProxyRequest
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "events", "*_*.json"))
	require.NoError(t, err)
	for _, file := range files {
		assert.True(t, slices.ContainsFunc(faultOps, func(op faultOp) bool { return op.event == filepath.Base(file) }),
			"add %s to faultOps, with the DynamoDB call it makes (README \"Add an endpoint\", step 10)", filepath.Base(file))
	}
	var cases []faultCase
	for _, op := range faultOps {
		for _, fault := range dynamotest.Faults {
			if fault == dynamotest.TransactionThrottled && op.call != "TransactWriteItems" {
				continue // Only a transaction is cancelled for throttling.
			}
			for _, when := range faultWhens {
				deadline := 5 * time.Second // a Lambda's, roughly
				if fault == dynamotest.Timeout {
					deadline = 300 * time.Millisecond
				}
				cases = append(cases, faultCase{op, fault, when, expectFault(fault, when), deadline, event(t, op.event)})
			}
		}
	}

	seen := invokeAll(len(cases), func(i int) invocation {
		c := cases[i]
		f, err := buildFaultyFunction(closedAgent)
		if err != nil {
			return invocation{err: err}
		}
		f.faults.Fail(c.op.call, c.fault, c.when.from, c.when.times)
		return f.invoke(c.event, c.deadline, c.op.call)
	})

	rows := make([]faultRow, len(cases))
	for i, c := range cases {
		got := seen[i]
		rows[i] = faultRow{
			op: c.op.name, call: c.op.call, fault: string(c.fault), when: c.when.name,
			status: got.resp.StatusCode, attempts: got.calls,
			retryAfter: http.Header(got.resp.MultiValueHeaders).Get("Retry-After"), elapsed: got.elapsed,
		}
		t.Run(fmt.Sprintf("%s/%s/%s/%s", c.op.name, c.op.call, c.fault, c.when.name), func(t *testing.T) {
			require.NoError(t, got.err, "the function answers; it never fails the invocation")
			require.Equal(t, c.want.status, got.resp.StatusCode, got.resp.Body)
			if c.fault == dynamotest.Timeout {
				// On a busy machine the deadline may pass before the call
				// is even made; either way the function answers itself.
				assert.LessOrEqual(t, got.calls, c.want.attempts, "DynamoDB calls, retries included")
				assertGivenUpInTime(t, got)
			} else {
				assert.Equal(t, c.want.attempts, got.calls, "DynamoDB calls, retries included")
			}
			if c.want.status == http.StatusServiceUnavailable {
				assert.Equal(t, "1", http.Header(got.resp.MultiValueHeaders).Get("Retry-After"), "a 503 says when to retry")
			}
			checkFaultAnswer(t, got.resp, c.want.status)
			if c.want.status >= 500 {
				assert.Contains(t, got.out, `"request failed"`, "the cause is logged for the operator")
				assert.Empty(t, doubledContext(loggedError(t, got.out)), "each layer adds its own context to the error, once")
			}
		})
	}
	logFaultTable(t, rows)
}

// checkFaultAnswer checks what every answer carries, and what a failure
// answer holds: a problem document with the status and nothing more.
func checkFaultAnswer(t *testing.T, resp events.APIGatewayProxyResponse, status int) {
	t.Helper()
	header := http.Header(resp.MultiValueHeaders)
	assert.Equal(t, "nosniff", header.Get("X-Content-Type-Options"))
	assert.Equal(t, "no-store", header.Get("Cache-Control"))
	assert.Equal(t, "max-age=31536000; includeSubDomains", header.Get("Strict-Transport-Security"), "the events come over HTTPS")
	if status == http.StatusOK {
		assert.Equal(t, "application/json", header.Get("Content-Type"))
		return
	}
	assert.Equal(t, "application/problem+json", header.Get("Content-Type"))
	var p api.Problem
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &p), resp.Body)
	assert.Equal(t, status, p.Status)
	assert.Equal(t, "about:blank", p.Type)
	assert.Equal(t, http.StatusText(status), p.Title)
	require.NotNil(t, p.Instance, "the request id, to quote")
	for _, word := range internals {
		assert.NotContains(t, resp.Body, word, "the answer reveals no internals")
	}
	if status == http.StatusServiceUnavailable {
		assert.Equal(t, "1", header.Get("Retry-After"))
	} else {
		assert.Empty(t, header.Get("Retry-After"))
	}
}

func logFaultTable(t *testing.T, rows []faultRow) {
	t.Helper()
	slices.SortFunc(rows, func(a, b faultRow) int {
		return strings.Compare(a.op+a.fault+a.when, b.op+b.fault+b.when)
	})
	var b strings.Builder
	b.WriteString("\n| operation | DynamoDB call | fault | failing attempts | status | Retry-After | attempts | time |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | %s | %d | %s |\n",
			r.op, r.call, r.fault, r.when, r.status, r.retryAfter, r.attempts, r.elapsed.Round(10*time.Millisecond))
	}
	t.Log(b.String())
}

// A call that hangs, or keeps being throttled, is given up before the
// invocation's deadline: the function answers 504 (503 when the SDK's
// retries of a throttled call run out first) within it, plus a small
// margin, instead of being killed by Lambda, which API Gateway would turn
// into a 502 with no problem document.
func TestDeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    dynamotest.Fault
		deadline time.Duration
	}{
		{"hung call, 300 ms left", dynamotest.Timeout, 300 * time.Millisecond},
		{"hung call, 1 s left", dynamotest.Timeout, time.Second},
		// The SDK's backoff after a throttle (up to 1 s) is cut short too.
		{"throttled forever, 300 ms left", dynamotest.ProvisionedThroughputExceeded, 300 * time.Millisecond},
		{"deadline already passed", dynamotest.Timeout, -time.Second},
	}
	type deadlineCase struct {
		name     string
		op       faultOp
		fault    dynamotest.Fault
		deadline time.Duration
		event    events.APIGatewayProxyRequest
	}
	var cases []deadlineCase
	for _, op := range faultOps {
		for _, tt := range tests {
			cases = append(cases, deadlineCase{op.name + "/" + tt.name, op, tt.fault, tt.deadline, event(t, op.event)})
		}
	}
	seen := invokeAll(len(cases), func(i int) invocation {
		c := cases[i]
		f, err := buildFaultyFunction(closedAgent)
		if err != nil {
			return invocation{err: err}
		}
		f.faults.Fail(c.op.call, c.fault, 1, dynamotest.Forever)
		return f.invoke(c.event, c.deadline, c.op.call)
	})
	for i, c := range cases {
		got := seen[i]
		t.Run(c.name, func(t *testing.T) {
			require.NoError(t, got.err)
			t.Logf("%s: %d in %s", c.name, got.resp.StatusCode, got.elapsed)
			if c.fault == dynamotest.Timeout {
				require.Equal(t, http.StatusGatewayTimeout, got.resp.StatusCode, got.resp.Body)
			} else {
				// The backoff is random: the deadline cuts it short (504),
				// or the SDK's three attempts fit before it (503).
				require.Contains(t, []int{http.StatusGatewayTimeout, http.StatusServiceUnavailable}, got.resp.StatusCode, got.resp.Body)
			}
			assertGivenUpInTime(t, got)
			checkFaultAnswer(t, got.resp, got.resp.StatusCode)
		})
	}
}

// The AppConfig agent down, hung or serving garbage costs no request: the
// flags fall back to their defaults (premium false), with a warning.
func TestFlagsAgentFailures(t *testing.T) {
	t.Parallel()
	flagsJSON, err := os.ReadFile(filepath.Join("..", "orders", "flags.json"))
	require.NoError(t, err)
	serve := func(status int, body string, delay time.Duration) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	tests := []struct {
		name     string
		agentURL string
		premium  bool
	}{
		{"agent serving the flags", serve(http.StatusOK, string(flagsJSON), 0), true},
		{"agent down", closedAgent, false},
		{"agent answering garbage", serve(http.StatusOK, "\x00not json{{", 0), false},
		{"agent answering JSON of another shape", serve(http.StatusOK, `{"features":[1,2]}`, 0), false},
		{"agent answering 500", serve(http.StatusInternalServerError, "oops", 0), false},
		{"agent hung", serve(http.StatusOK, string(flagsJSON), 5*time.Second), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFaultyFunction(t, tt.agentURL)
			e := event(t, "create_order.json")
			e.Body = `{"customer_name":"VIP-Grace","order_item_count":1}`
			got := f.invoke(e, 5*time.Second, "TransactWriteItems")
			require.NoError(t, got.err)
			// A hung agent's fetch is bounded: were it not, it would use the
			// whole deadline, and the create would be a 504.
			require.Equal(t, http.StatusOK, got.resp.StatusCode, got.resp.Body)
			var o api.Order
			require.NoError(t, json.Unmarshal([]byte(got.resp.Body), &o))
			assert.Equal(t, tt.premium, o.Premium)
			if !tt.premium {
				assert.Contains(t, got.out, "feature flags unavailable", "a warning")
				assert.Contains(t, got.out, `"FeatureFlagsUnavailable":1`, "a metric")
			}
		})
	}
}

// loggedError is the error of the "request failed" line in out.
func loggedError(t *testing.T, out string) string {
	t.Helper()
	for line := range strings.SplitSeq(out, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["message"] == "request failed" {
			msg, _ := m["error"].(string)
			return msg
		}
	}
	t.Fatalf("no request failed line in:\n%s", out)
	return ""
}

// doubledContext returns the context an error message repeats, such as
// "list orders: list orders: ...", or "" when it repeats none.
func doubledContext(msg string) string {
	parts := strings.Split(msg, ": ")
	for i := 1; i < len(parts); i++ {
		if parts[i] == parts[i-1] {
			return parts[i]
		}
	}
	return ""
}

func TestDoubledContext(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "list orders", doubledContext("list orders: list orders: boom"))
	assert.Empty(t, doubledContext("list orders: orders storage unavailable: operation error DynamoDB: Scan, boom"))
}

// Issue 15, finding 4: with DynamoDB unreachable, every request gets the
// same answer, 503 with Retry-After, from the first on; it had been 500
// until the SDK's retry budget ran out, and 503 after.
func TestUnreachableDynamoDBIsAlways503(t *testing.T) {
	t.Parallel()
	fn, err := newFunctionIn(map[string]string{
		"APPCONFIG_AGENT_URL": closedAgent,
		// Nothing listens on the discard port of loopback: connection refused.
		"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9",
	}, &http.Client{}, io.Discard)
	require.NoError(t, err)
	for i, name := range []string{"create_order.json", "get_order.json", "list_orders.json", "delete_order.json", "create_order.json"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := fn(ctx, event(t, name))
		cancel()
		require.NoError(t, err)
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "request %d (%s): %s", i+1, name, resp.Body)
		assert.Equal(t, "1", http.Header(resp.MultiValueHeaders).Get("Retry-After"), "request %d", i+1)
		checkFaultAnswer(t, resp, http.StatusServiceUnavailable)
	}
}
