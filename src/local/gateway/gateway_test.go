package gateway_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/gateway"
)

const spec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /api/orders:
    get: {responses: {"200": {description: ok}}}
  /api/orders/{orderId}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {uri: {"Fn::Sub": "arn:...:functions/${GetFn.Arn}/invocations"}}
    get: {responses: {"200": {description: ok}}}
    delete:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: {uri: {"Fn::Sub": "arn:...:functions/${DeleteFn.Arn}/invocations"}}
`

// recorder is a Lambda function that remembers the events it received and
// answers with a fixed response.
type recorder struct {
	mu     sync.Mutex
	events []events.APIGatewayProxyRequest
	ctxs   []context.Context
	resp   events.APIGatewayProxyResponse
	err    error
}

func (r *recorder) invoke(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	r.ctxs = append(r.ctxs, ctx)
	return r.resp, r.err
}

func newGateway(t *testing.T, fn *recorder) *httptest.Server {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	require.NoError(t, err)
	srv := httptest.NewServer(gateway.New(doc, fn.invoke, gateway.Options{Stage: "dev", FunctionName: "Fn"}))
	t.Cleanup(srv.Close)
	return srv
}

// reply is what a request got back, its body read and closed.
type reply struct {
	StatusCode int
	Header     http.Header
}

func do(t *testing.T, req *http.Request) (reply, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{StatusCode: resp.StatusCode, Header: resp.Header}, string(body)
}

func TestEventMatchesSAMLocal(t *testing.T) {
	t.Parallel()
	fn := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: 200}}
	srv := newGateway(t, fn)

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/orders/abc?limit=1&tag=a&tag=b", http.NoBody)
	require.NoError(t, err)
	req.Header.Add("X-Multi", "1")
	req.Header.Add("X-Multi", "2")
	do(t, req)
	req, err = http.NewRequest(http.MethodGet, srv.URL+"/api/orders", http.NoBody)
	require.NoError(t, err)
	do(t, req)

	require.Len(t, fn.events, 2)
	e := fn.events[0]
	assert.Equal(t, "/api/orders/{orderId}", e.Resource)
	assert.Equal(t, "/api/orders/abc", e.Path)
	assert.Equal(t, http.MethodGet, e.HTTPMethod)
	assert.Equal(t, map[string]string{"orderId": "abc"}, e.PathParameters)
	assert.Equal(t, map[string]string{"limit": "1", "tag": "b"}, e.QueryStringParameters)
	assert.Equal(t, map[string][]string{"limit": {"1"}, "tag": {"a", "b"}}, e.MultiValueQueryStringParameters)
	assert.Equal(t, "2", e.Headers["X-Multi"])
	assert.Equal(t, []string{"1", "2"}, e.MultiValueHeaders["X-Multi"])
	assert.Equal(t, "http", e.Headers["X-Forwarded-Proto"])
	assert.NotEmpty(t, e.Headers["X-Forwarded-Port"])
	assert.Regexp(t, `^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=1$`, e.Headers["X-Amzn-Trace-Id"], "a trace per request, as with API Gateway tracing")
	assert.Empty(t, e.Body)
	assert.False(t, e.IsBase64Encoded)

	rc := e.RequestContext
	assert.Equal(t, "dev", rc.Stage)
	assert.Equal(t, "/api/orders/{orderId}", rc.ResourcePath)
	assert.Equal(t, "/api/orders/abc", rc.Path, "as the client sent it")
	assert.Equal(t, "127.0.0.1", rc.Identity.SourceIP)
	assert.Equal(t, "123456789012", rc.AccountID)
	assert.NotZero(t, rc.RequestTimeEpoch)
	assert.NotEmpty(t, rc.RequestTime)
	assert.NotEqual(t, rc.RequestID, fn.events[1].RequestContext.RequestID, "a fresh request id per request")

	second := fn.events[1]
	assert.Nil(t, second.PathParameters)
	assert.Nil(t, second.QueryStringParameters)
	assert.Nil(t, second.MultiValueQueryStringParameters)

	lc, ok := lambdacontext.FromContext(fn.ctxs[0])
	require.True(t, ok)
	assert.NotEmpty(t, lc.AwsRequestID)
	assert.Contains(t, lc.InvokedFunctionArn, ":function:GetFn")
	_, hasDeadline := fn.ctxs[0].Deadline()
	assert.True(t, hasDeadline, "an invocation has the function's deadline")
}

func TestBodyIsPassedAsText(t *testing.T) {
	t.Parallel()
	fn := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: 200}}
	srv := newGateway(t, fn)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/orders", strings.NewReader("{\"a\":\"\xff\"}"))
	require.NoError(t, err)
	do(t, req)
	require.Len(t, fn.events, 1)
	assert.JSONEq(t, "{\"a\":\"\uFFFD\"}", fn.events[0].Body)
	assert.Equal(t, http.MethodPost, fn.events[0].HTTPMethod, "every method of a known path reaches the function")
}

func TestResponseTranslation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		resp        events.APIGatewayProxyResponse
		status      int
		contentType string
		body        string
		header      map[string][]string
	}{
		{"defaults", events.APIGatewayProxyResponse{Body: `{}`}, 200, "application/json", `{}`, nil},
		{"status and headers", events.APIGatewayProxyResponse{
			StatusCode: 201, Body: "hi", Headers: map[string]string{"Content-Type": "text/plain", "X-One": "1"},
			MultiValueHeaders: map[string][]string{"X-Many": {"a", "b"}},
		}, 201, "text/plain", "hi", map[string][]string{"X-One": {"1"}, "X-Many": {"a", "b"}}},
		{"multi-value headers win", events.APIGatewayProxyResponse{
			StatusCode: 200, Headers: map[string]string{"X-A": "single"}, MultiValueHeaders: map[string][]string{"X-A": {"multi"}},
		}, 200, "application/json", "", map[string][]string{"X-A": {"multi"}}},
		{
			"base64",
			events.APIGatewayProxyResponse{StatusCode: 200, Body: base64.StdEncoding.EncodeToString([]byte{0, 1, 2}), IsBase64Encoded: true},
			200, "application/json", "\x00\x01\x02", nil,
		},
		{
			"bad base64",
			events.APIGatewayProxyResponse{StatusCode: 200, Body: "%%", IsBase64Encoded: true},
			502, "application/json", `{"message":"Internal server error"}`, nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newGateway(t, &recorder{resp: tt.resp})
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/orders", http.NoBody)
			require.NoError(t, err)
			resp, body := do(t, req)
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.contentType, resp.Header.Get("Content-Type"))
			assert.Equal(t, tt.body, body)
			for k, v := range tt.header {
				assert.Equal(t, v, resp.Header.Values(k), k)
			}
		})
	}
}

func TestFunctionErrorIs502(t *testing.T) {
	t.Parallel()
	srv := newGateway(t, &recorder{err: errors.New("panic: boom")})
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/orders", http.NoBody)
	require.NoError(t, err)
	resp, body := do(t, req)
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.JSONEq(t, `{"message":"Internal server error"}`, body)
}

func TestUnknownPathIsProblem404(t *testing.T) {
	t.Parallel()
	fn := &recorder{}
	srv := newGateway(t, fn)
	for _, path := range []string{"/", "/api", "/api/orders/a/b", "/api/customers"} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, http.NoBody)
		require.NoError(t, err)
		resp, body := do(t, req)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
		var p map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &p))
		assert.EqualValues(t, 404, p["status"])
	}
	assert.Empty(t, fn.events, "the function never sees an unknown path")
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	require.NoError(t, err)
	var log strings.Builder
	h := gateway.New(doc, (&recorder{resp: events.APIGatewayProxyResponse{StatusCode: 201}}).invoke, gateway.Options{AccessLog: &log})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/orders?limit=1", http.NoBody))
	assert.Regexp(t, `^\d\d:\d\d:\d\d GET /api/orders\?limit=1 201 \S+\n$`, log.String())
}

// Each method's invocation names the function that api.yaml routes it to,
// as the deployed API does.
func TestFunctionPerRoute(t *testing.T) {
	t.Parallel()
	fn := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: 200}}
	srv := newGateway(t, fn)
	for _, method := range []string{http.MethodDelete, http.MethodGet, http.MethodPatch} {
		req, err := http.NewRequest(method, srv.URL+"/api/orders/x", http.NoBody)
		require.NoError(t, err)
		do(t, req)
	}
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/orders", http.NoBody)
	require.NoError(t, err)
	do(t, req)
	var names []string
	for _, ctx := range fn.ctxs {
		lc, ok := lambdacontext.FromContext(ctx)
		require.True(t, ok)
		names = append(names, lc.InvokedFunctionArn[strings.LastIndex(lc.InvokedFunctionArn, ":")+1:])
	}
	assert.Equal(t, []string{"DeleteFn", "GetFn", "GetFn", "Fn"}, names)
}

func TestFunctionsHaveTheirOwnHandlers(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	require.NoError(t, err)
	main := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: 200}}
	deleter := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: 204}}
	h := gateway.New(doc, main.invoke, gateway.Options{Functions: map[string]gateway.Invoke{"DeleteFn": deleter.invoke}})
	for _, method := range []string{http.MethodDelete, http.MethodGet} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, "/api/orders/x", http.NoBody))
	}
	assert.Len(t, deleter.events, 1)
	assert.Equal(t, http.MethodDelete, deleter.events[0].HTTPMethod)
	assert.Len(t, main.events, 1)
}
