package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/orders/orderstest"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
	"github.com/go-sam-blueprint/orders/src/platform/logging"
	"github.com/go-sam-blueprint/orders/src/platform/metrics"
)

// Secrets that a client sends in headers: no log line may hold them.
const (
	hostileAuthorization = "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLVpxOQ.s3cr3t"
	hostileCookie        = "session=c00kie-s3cr3t-9f2e"
)

// hostileCase is one hostile request, as API Gateway delivers it, and what
// the function must answer.
type hostileCase struct {
	name    string
	method  string
	path    string
	query   map[string]string
	headers map[string]string
	body    string
	status  int
	// problemType is the problem's type for a 4xx; "" for a 200.
	problemType string
	// invalid is the failing parts a 422 must name, part -> detail.
	invalid map[string]string
	// name is the customer name a 200 create must store and return as
	// sent, and that no log line may hold.
	customerName string
	// escaped is what the raw JSON answer must contain (the name, escaped).
	escaped []string
}

func hostileOrderBody(name string) string {
	raw, _ := json.Marshal(map[string]any{"customer_name": name, "order_item_count": 1})
	return string(raw)
}

func hostileCases() []hostileCase {
	const (
		orders = "/api/orders"
		// Problem types.
		tooLarge  = "about:blank"
		invalidJS = invalidJSONType
		invalid   = validationType
	)
	injections := []struct{ name, value string }{
		{"sql", "'; DROP TABLE orders; --"},
		{"html", "<script>alert(1)</script>"},
		{"template", "{{7*7}}"},
		{"log4j", "${jndi:ldap://x}"},
	}
	cases := []hostileCase{
		{
			name: "body over 16 KiB", method: http.MethodPost, path: orders,
			body:   `{"customer_name":"` + strings.Repeat("a", 16<<10) + `","order_item_count":1}`,
			status: http.StatusRequestEntityTooLarge, problemType: tooLarge,
		},
		{
			name: "unknown property", method: http.MethodPost, path: orders,
			body:   `{"customer_name":"Ada","order_item_count":1,"is_admin":true}`,
			status: http.StatusUnprocessableEntity, problemType: invalid, invalid: map[string]string{"#/is_admin": "is not a member of this object"},
		},
		{
			name: "duplicate member", method: http.MethodPost, path: orders,
			body:   `{"customer_name":"Ada","customer_name":"Eve","order_item_count":1}`,
			status: http.StatusBadRequest, problemType: invalidJS,
		},
		{
			name: "duplicate member, escaped", method: http.MethodPost, path: orders,
			body:   `{"customer_name":"Ada","customer\u005fname":"Eve","order_item_count":1}`,
			status: http.StatusBadRequest, problemType: invalidJS,
		},
		{
			name: "duplicate member, nested", method: http.MethodPost, path: orders,
			body:   `{"customer_name":"Ada","order_item_count":1,"x":[{"k":1,"k":2}]}`,
			status: http.StatusBadRequest, problemType: invalidJS,
		},
		{
			name: "100k nested arrays", method: http.MethodPost, path: orders,
			body:   strings.Repeat("[", 100_000),
			status: http.StatusRequestEntityTooLarge, problemType: tooLarge,
		},
		{
			name: "16k nested arrays, within the size limit", method: http.MethodPost, path: orders,
			body:   strings.Repeat("[", 16_000) + strings.Repeat("]", 300),
			status: http.StatusBadRequest, problemType: invalidJS,
		},
		{
			name: "deeply nested member", method: http.MethodPost, path: orders,
			body:   `{"customer_name":"Ada","order_item_count":1,"x":` + strings.Repeat(`{"a":`, 2000) + `1` + strings.Repeat(`}`, 2000) + `}`,
			status: http.StatusBadRequest, problemType: invalidJS,
		},
		{
			name: "count 1e400", method: http.MethodPost, path: orders,
			body:   `{"customer_name":"Ada","order_item_count":1e400}`,
			status: http.StatusUnprocessableEntity, problemType: invalid, invalid: map[string]string{"#/order_item_count": "must be an integer"},
		},
		{
			name: "count 99999999999999999999", method: http.MethodPost, path: orders,
			body:   `{"customer_name":"Ada","order_item_count":99999999999999999999}`,
			status: http.StatusUnprocessableEntity, problemType: invalid, invalid: map[string]string{"#/order_item_count": "is out of range"},
		},
		{
			name: "count -1e400", method: http.MethodPost, path: orders,
			body:   `{"customer_name":"Ada","order_item_count":-1e400}`,
			status: http.StatusUnprocessableEntity, problemType: invalid, invalid: map[string]string{"#/order_item_count": "must be an integer"},
		},
		{
			name: "invalid UTF-8 in the name", method: http.MethodPost, path: orders,
			body:   "{\"customer_name\":\"Ad\xff\xfe\",\"order_item_count\":1}",
			status: http.StatusBadRequest, problemType: invalidJS,
		},
		{
			name: "raw control character in the name", method: http.MethodPost, path: orders,
			body:   "{\"customer_name\":\"Ada\x01\",\"order_item_count\":1}",
			status: http.StatusBadRequest, problemType: invalidJS,
		},
		{
			// Accepted on purpose: api.yaml allows any characters, and a
			// pattern refusing these would break clients (make breaking).
			// They are stored as sent and returned escaped.
			name: "escaped control characters in the name", method: http.MethodPost, path: orders,
			body: `{"customer_name":"A\u0000d\na\u001b[31m","order_item_count":1}`, status: http.StatusOK,
			customerName: "A\x00d\na\x1b[31m", escaped: []string{`"A\u0000d\na\u001b[31m"`},
		},
		{
			name: "64 KiB Idempotency-Key", method: http.MethodPost, path: orders,
			headers: map[string]string{"Idempotency-Key": strings.Repeat("k", 64<<10)},
			body:    hostileOrderBody("Ada"),
			status:  http.StatusUnprocessableEntity, problemType: invalid, invalid: map[string]string{"Idempotency-Key": "must be 1 to 255 characters long"},
		},
		{
			name: "order id not a UUID", method: http.MethodGet, path: orders + "/not-a-uuid",
			status: http.StatusUnprocessableEntity, problemType: invalid, invalid: map[string]string{"orderId": "must be a UUID"},
		},
		{
			name: "order id a UUID and more", method: http.MethodDelete, path: orders + "/" + knownID + "%27%20OR%20%271%27=%271",
			status: http.StatusUnprocessableEntity, problemType: invalid, invalid: map[string]string{"orderId": "must be a UUID"},
		},
		{
			name: "limit injected", method: http.MethodGet, path: orders, query: map[string]string{"limit": "1 OR 1=1"},
			status: http.StatusUnprocessableEntity, problemType: invalid, invalid: map[string]string{"limit": "must be an integer"},
		},
	}
	for _, inj := range injections {
		if len(inj.value) <= 20 {
			cases = append(cases, hostileCase{
				name: inj.name + " injection in the name", method: http.MethodPost, path: orders,
				body: hostileOrderBody(inj.value), status: http.StatusOK, customerName: inj.value,
			})
		} else {
			// Too long for a name: refused by maxLength, without echoing it.
			cases = append(cases, hostileCase{
				name: inj.name + " injection in the name", method: http.MethodPost, path: orders,
				body: hostileOrderBody(inj.value), status: http.StatusUnprocessableEntity, problemType: invalid,
				invalid: map[string]string{"#/customer_name": "must be 1 to 20 characters long"},
			})
		}
		cases = append(cases,
			hostileCase{
				name: inj.name + " injection in the Idempotency-Key", method: http.MethodPost, path: orders,
				headers: map[string]string{"Idempotency-Key": inj.value}, body: hostileOrderBody("Ada"), status: http.StatusOK, customerName: "Ada",
			},
			hostileCase{
				name: inj.name + " injection in next_token", method: http.MethodGet, path: orders, query: map[string]string{"next_token": inj.value},
				status: http.StatusBadRequest, problemType: "https://github.com/go-sam-blueprint/orders/blob/main/docs/problems.md#invalid-next-token",
			})
	}
	// Short enough to be names: stored verbatim, returned JSON-escaped.
	for _, name := range []string{"<script>x</script>", "'; DROP TABLE o;--", `"},{"premium":true`} {
		cases = append(cases, hostileCase{
			name: "name " + name, method: http.MethodPost, path: orders,
			body: hostileOrderBody(name), status: http.StatusOK, customerName: name,
		})
	}
	return cases
}

// TestHostileInput sends hostile requests through the function as deployed
// (the Lambda adapter over the real handler and logic, in memory), each
// with secrets in its headers, over HTTPS. Every answer is a 4xx problem or
// a 200 that holds exactly what was sent, carries the security headers,
// and no log line at INFO holds the body or a secret.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, slog.LevelInfo)
			fn := lambdahttp.Lambda(f.h, lambdahttp.Telemetry{Log: logging.New(f.log, slog.LevelInfo), Metrics: mustEmitter(t)})

			headers := map[string]string{
				"Authorization": hostileAuthorization, "Cookie": hostileCookie,
				"Content-Type": "application/json", "X-Forwarded-Proto": "https",
			}
			for k, v := range tc.headers {
				headers[k] = v
			}
			resp, err := fn(context.Background(), hostileEvent(tc.method, tc.path, tc.query, headers, tc.body))
			require.NoError(t, err, "an answer, never a function error")
			require.Equal(t, tc.status, resp.StatusCode, resp.Body)
			t.Logf("%s -> %d %s", tc.name, resp.StatusCode, hostileTruncate(resp.Body, 300))

			header := http.Header(resp.MultiValueHeaders)
			assert.Equal(t, "nosniff", header.Get("X-Content-Type-Options"))
			assert.Equal(t, "no-store", header.Get("Cache-Control"))
			assert.Equal(t, "max-age=31536000; includeSubDomains", header.Get("Strict-Transport-Security"))
			if tc.status == http.StatusOK {
				assert.Equal(t, "application/json", header.Get("Content-Type"))
				checkStoredVerbatim(t, f, tc, resp.Body)
			} else {
				checkHostileProblem(t, tc, header, resp.Body)
			}

			logs := f.log.String()
			assert.NotEmpty(t, logs, "the request is logged")
			for _, secret := range []string{hostileAuthorization, "s3cr3t", hostileCookie} {
				assert.NotContains(t, logs, secret, "no secret in the logs")
			}
			if tc.body != "" {
				assert.NotContains(t, logs, tc.body, "no body in the logs")
			}
			if tc.customerName != "" && tc.customerName != "Ada" {
				assert.NotContains(t, logs, tc.customerName, "no customer data in the logs")
				raw, _ := json.Marshal(tc.customerName)
				assert.NotContains(t, logs, strings.Trim(string(raw), `"`), "no customer data in the logs, even escaped")
			}
		})
	}
}

func hostileEvent(method, path string, query, headers map[string]string, body string) events.APIGatewayProxyRequest {
	multiHeaders := map[string][]string{}
	for k, v := range headers {
		multiHeaders[k] = []string{v}
	}
	multiQuery := map[string][]string{}
	for k, v := range query {
		multiQuery[k] = []string{v}
	}
	return events.APIGatewayProxyRequest{
		HTTPMethod: method, Path: path, Body: body,
		Headers: headers, MultiValueHeaders: multiHeaders,
		QueryStringParameters: query, MultiValueQueryStringParameters: multiQuery,
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: "hostile-" + uuid.NewString(), Stage: "dev", Authorizer: authorizerOf(orderstest.Alice),
		},
	}
}

// checkProblem checks a 4xx answer: a problem document of the expected
// type, naming the expected parts.
func checkHostileProblem(t *testing.T, tc hostileCase, header http.Header, body string) {
	t.Helper()
	assert.Equal(t, "application/problem+json", header.Get("Content-Type"))
	var p api.Problem
	require.NoError(t, json.Unmarshal([]byte(body), &p), body)
	assert.Equal(t, tc.status, p.Status)
	assert.Equal(t, tc.problemType, p.Type)
	assert.NotEmpty(t, p.Title)
	if tc.invalid != nil {
		assert.Equal(t, tc.invalid, pointers(p))
	}
	assert.Less(t, len(body), 2048, "a problem never echoes a large input")
}

// checkStoredVerbatim checks a 200 create: the answer is JSON with the
// name escaped, decoding to exactly what was sent, and the store holds
// exactly that too.
func checkStoredVerbatim(t *testing.T, f *fixture, tc hostileCase, body string) {
	t.Helper()
	for _, r := range []string{"<", ">", "&"} {
		assert.NotContains(t, body, r, "HTML-significant characters are escaped")
	}
	for _, e := range tc.escaped {
		assert.Contains(t, body, e)
	}
	if strings.Contains(tc.customerName, "<") {
		assert.Contains(t, body, `\u003c`)
	}
	var o api.Order
	require.NoError(t, json.Unmarshal([]byte(body), &o), body)
	assert.Equal(t, tc.customerName, o.Name, "the name is returned exactly as sent")
	stored, err := f.store.Get(context.Background(), orderstest.Alice, o.Id)
	require.NoError(t, err)
	assert.Equal(t, tc.customerName, stored.CustomerName, "the name is stored exactly as sent")
}

func hostileTruncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// HSTS is sent on answers served over HTTPS only: the deployed API, where
// API Gateway says so in X-Forwarded-Proto. Locally (make run, plain HTTP)
// there is none.
func TestHSTSOnlyOverHTTPS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, proto, want string
	}{
		{"https", "https", "max-age=31536000; includeSubDomains"},
		{"https, upper case", "HTTPS", "max-age=31536000; includeSubDomains"},
		{"https, then a proxy over http", "https, http", "max-age=31536000; includeSubDomains"},
		{"http", "http", ""},
		{"no header", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := newHandler(t)
			headers := map[string]string{}
			if tt.proto != "" {
				headers["X-Forwarded-Proto"] = tt.proto
			}
			for _, path := range []string{"/api/orders/" + knownID, "/api/orders/nope", "/nowhere"} {
				resp, err := lambdaFunc(t, h)(context.Background(), hostileEvent(http.MethodGet, path, nil, headers, ""))
				require.NoError(t, err)
				assert.Equal(t, tt.want, http.Header(resp.MultiValueHeaders).Get("Strict-Transport-Security"), path)
			}
		})
	}
}

// The log capture of TestHostileInput can see a body: at DEBUG, bodies are
// logged (they are customer data, so only at DEBUG), headers never.
func TestLogCaptureSeesBodiesOnlyAtDebug(t *testing.T) {
	t.Parallel()
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		f := newFixture(t, level)
		fn := lambdahttp.Lambda(f.h, lambdahttp.Telemetry{Log: logging.New(f.log, level), Metrics: mustEmitter(t)})
		body := hostileOrderBody("Zebulon-7f3a")
		resp, err := fn(context.Background(), hostileEvent(http.MethodPost, "/api/orders", nil,
			map[string]string{"Authorization": hostileAuthorization, "X-Forwarded-Proto": "https"}, body))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
		if level == slog.LevelDebug {
			assert.Contains(t, f.log.String(), "Zebulon-7f3a", "DEBUG logs the body")
		} else {
			assert.NotContains(t, f.log.String(), "Zebulon-7f3a", "INFO does not")
		}
		assert.NotContains(t, f.log.String(), "s3cr3t", "no level logs headers")
	}
}

func mustEmitter(t *testing.T) *metrics.Emitter {
	t.Helper()
	emitter, err := metrics.NewEmitter(io.Discard, "Orders", "orders")
	require.NoError(t, err)
	return emitter
}
