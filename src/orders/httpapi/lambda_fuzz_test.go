package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/orders/httpapi"
	"github.com/go-sam-blueprint/orders/src/orders/orderstest"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
	"github.com/go-sam-blueprint/orders/src/platform/logging"
	"github.com/go-sam-blueprint/orders/src/platform/metrics"
)

// fuzzTarget is the real HTTP handler and Lambda function of the fuzz
// targets, built once per process: httpapi.New parses the spec, which
// would otherwise dominate every input. Each input gets a fresh service
// over a fresh in-memory store (holding the order knownID, as newFixture's
// does, and no idempotency records), so that no input depends on the
// ones before it.
type fuzzTarget struct {
	h   http.Handler
	fn  lambdahttp.Func
	svc *fuzzService
	log *bytes.Buffer
}

// fuzzService is the handler's Service; reset swaps in a fresh one.
type fuzzService struct{ httpapi.Service }

func newFuzzTarget(f *testing.F) *fuzzTarget {
	f.Helper()
	ft := &fuzzTarget{svc: &fuzzService{}, log: &bytes.Buffer{}}
	ft.reset(f)
	h, err := httpapi.New(ft.svc, logging.New(ft.log, slog.LevelInfo))
	require.NoError(f, err)
	emitter, err := metrics.NewEmitter(io.Discard, "Orders", "orders")
	require.NoError(f, err)
	ft.h = h
	ft.fn = lambdahttp.Lambda(h, lambdahttp.Telemetry{Log: logging.New(io.Discard, slog.LevelInfo), Metrics: emitter})
	return ft
}

// reset gives the next input a fresh store and an empty log.
func (ft *fuzzTarget) reset(tb testing.TB) {
	tb.Helper()
	store := orderstest.NewStore()
	store.Add(orders.Order{ID: uuid.MustParse(knownID), CustomerName: "Grace", ItemCount: 2, CreatedAt: created})
	svc, err := orders.NewService(store, orders.WithClock(func() time.Time { return created }))
	require.NoError(tb, err)
	ft.svc.Service = svc
	ft.log.Reset()
}

// requireProblem checks a 4xx answer: application/problem+json, whose
// body has an integer "status" equal to the status code and a title. It
// returns the entries of "errors" that name no failing part (docs/problems.md:
// each names a body member or a parameter), for the caller to judge.
func requireProblem(t *testing.T, status int, contentType []string, body string, msgAndArgs ...any) (unnamed []map[string]any) {
	t.Helper()
	require.Equal(t, []string{"application/problem+json"}, contentType, msgAndArgs...)
	var p map[string]any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&p), msgAndArgs...)
	n, ok := p["status"].(json.Number)
	require.True(t, ok, "status member is a number: %s", body)
	got, err := n.Int64()
	require.NoError(t, err, "status member is an integer: %s", body)
	require.EqualValues(t, status, got, "status member matches the HTTP status: %s", body)
	title, _ := p["title"].(string)
	require.NotEmpty(t, title, "a problem has a title: %s", body)
	if p["errors"] == nil {
		return nil
	}
	entries, ok := p["errors"].([]any)
	require.True(t, ok, "errors is a list: %s", body)
	require.NotEmpty(t, entries, "errors lists what failed: %s", body)
	for _, e := range entries {
		entry, ok := e.(map[string]any)
		require.True(t, ok, "an entry of errors is an object: %s", body)
		detail, _ := entry["detail"].(string)
		require.NotEmpty(t, detail, "an entry of errors says what is wrong: %s", body)
		pointer, _ := entry["pointer"].(string)
		parameter, _ := entry["parameter"].(string)
		if pointer == "" && parameter == "" {
			unnamed = append(unnamed, entry)
		}
	}
	return unnamed
}

// The fuzzed event's headers and queries are written one "name: value" or
// "name=value" per line or &-separated pair, so that the fuzzer can build
// any map: a name repeated in a multi-value field collects its values.

func fuzzHeaders(s string) (map[string]string, map[string][]string) {
	if s == "" {
		return nil, nil
	}
	single, multi := map[string]string{}, map[string][]string{}
	for line := range strings.SplitSeq(s, "\n") {
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		single[name] = value
		multi[name] = append(multi[name], value)
	}
	return single, multi
}

func fuzzQuery(s string) (map[string]string, map[string][]string) {
	if s == "" {
		return nil, nil
	}
	single, multi := map[string]string{}, map[string][]string{}
	for pair := range strings.SplitSeq(s, "&") {
		name, value, _ := strings.Cut(pair, "=")
		single[name] = value
		multi[name] = append(multi[name], value)
	}
	return single, multi
}

// unfuzzHeaders writes an event's header map in fuzzHeaders' form.
func unfuzzHeaders(m map[string][]string) string {
	var lines []string
	for _, name := range slices.Sorted(maps.Keys(m)) {
		for _, v := range m[name] {
			lines = append(lines, name+": "+v)
		}
	}
	return strings.Join(lines, "\n")
}

func unfuzzQuery(m map[string][]string) string {
	var pairs []string
	for _, name := range slices.Sorted(maps.Keys(m)) {
		for _, v := range m[name] {
			pairs = append(pairs, name+"="+v)
		}
	}
	return strings.Join(pairs, "&")
}

// multiValues is the multi-value form of a single-value map.
func multiValues(m map[string]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range m {
		out[k] = []string{v}
	}
	return out
}

// FuzzLambda sends arbitrary REST proxy events through the deployed Lambda
// entry: httpapi.Lambda over the real handler and orders logic, in memory.
// Whatever the event, the function answers without an error and without a
// 5xx, and every 4xx is a problem document.
//
// headers and query are the single-value maps, multiHeaders and multiQuery
// the multi-value ones (see fuzzHeaders and fuzzQuery); an empty one is
// absent from the event, as API Gateway leaves it null.
func FuzzLambda(f *testing.F) {
	for _, file := range []string{"create_order.json", "get_order.json", "delete_order.json", "list_orders.json"} {
		e := loadEvent(f, file)
		f.Add(e.HTTPMethod, e.Path, e.Resource, unfuzzHeaders(multiValues(e.Headers)), unfuzzHeaders(e.MultiValueHeaders),
			unfuzzQuery(multiValues(e.QueryStringParameters)), unfuzzQuery(e.MultiValueQueryStringParameters), e.IsBase64Encoded, e.Body)
	}
	const order = `{"customer_name":"Ada","order_item_count":3}`
	f.Add("POST", "/api/orders", "/api/orders", "Content-Type: application/json", "Idempotency-Key: k1\nIdempotency-Key: k2", "", "", false, order)
	f.Add("POST", "/api/orders", "/api/orders", "", "", "", "", true, "eyJjdXN0b21lcl9uYW1lIjoiQWRhIiwib3JkZXJfaXRlbV9jb3VudCI6M30=")
	f.Add("POST", "/api/orders", "/api/orders", "", "", "", "", true, "%%%")
	f.Add("POST", "/api/orders", "/api/orders", "Content-Type: text/plain", "", "", "", false, order)
	f.Add("post", "api/orders", "", "content-type: application/json; charset=utf-8", "", "", "", false, order)
	f.Add("GE T", "/api/orders", "/api/orders", "", "", "", "", false, "")
	f.Add("GET", "/api/orders/%zz", "/api/orders/{orderId}", "", "", "", "", false, "")
	f.Add("GET", "/api/orders?limit=ten#x", "/api/orders", "", "", "", "", false, "")
	f.Add("GET", "/api/orders", "/api/orders", "", "", "limit=0&next_token=", "limit=1&limit=200&next_token=x", false, "")
	f.Add("GET", "/api/orders", "/api/orders", "X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "", "", "", false, "")
	f.Add("GET", "/api/orders", "/api/orders", "X-Amzn-Trace-Id: Root=1-;Root=1-xyz-", "", "", "", false, "")
	f.Add("DELETE", "/api/orders/"+knownID, "/api/orders/{orderId}", "", "", "", "", false, "")
	f.Add("PATCH", "/api/orders/"+knownID+"/", "/api/orders/{orderId}", "", "", "", "", false, "{}")
	f.Add("GET", "//api/orders", "/{proxy+}", "", "", "", "", false, "")
	f.Add("HEAD", "/swagger.json", "/swagger.json", "", "", "", "", false, "")
	f.Add("POST", "/api/orders", "/api/orders", "Content-Length: 99999", "", "", "", false, `{"customer_name":"`+strings.Repeat("a", 17000)+`"}`)

	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, method, path, resource, headers, multiHeaders, query, multiQuery string, isBase64 bool, body string) {
		ft.reset(t)
		event := events.APIGatewayProxyRequest{
			HTTPMethod:      method,
			Path:            path,
			Resource:        resource,
			IsBase64Encoded: isBase64,
			Body:            body,
			RequestContext: events.APIGatewayProxyRequestContext{
				RequestID:    "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
				ResourcePath: resource,
				HTTPMethod:   method,
				Stage:        "dev",
				DomainName:   "abc123.execute-api.us-east-1.amazonaws.com",
				Authorizer:   authorizerOf(orderstest.Alice),
			},
		}
		event.Headers, _ = fuzzHeaders(headers)
		_, event.MultiValueHeaders = fuzzHeaders(multiHeaders)
		event.QueryStringParameters, _ = fuzzQuery(query)
		_, event.MultiValueQueryStringParameters = fuzzQuery(multiQuery)

		resp, err := ft.fn(context.Background(), event)
		require.NoError(t, err, "the function answers every event; an error is a 502 from API Gateway")
		t.Logf("%s %s: %d %s", method, path, resp.StatusCode, resp.Body)
		require.Less(t, resp.StatusCode, 500, "no 5xx for any event: %s\nlog: %s", resp.Body, ft.log)
		require.GreaterOrEqual(t, resp.StatusCode, 200, resp.Body)
		if resp.StatusCode >= 400 {
			require.False(t, resp.IsBase64Encoded, "a problem is text")
			// The adapter reads the method in capitals, as API Gateway sends it.
			if strings.EqualFold(method, http.MethodHead) && resp.Body == "" {
				return // the GET's problem, without its body
			}
			unnamed := requireProblem(t, resp.StatusCode, resp.MultiValueHeaders["Content-Type"], resp.Body, "event %+v", event)
			require.Empty(t, unnamed, "every entry of errors names the failing part: %s", resp.Body)
		}
	})
}
