package gateway_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/gateway"
	"github.com/go-sam-blueprint/orders/src/local/sam"
)

// spec is a small API with no customised gateway responses: API Gateway's
// built-in answers apply. Its integrations name a function's alias, as
// api.yaml's do, or the function itself (the docs here): both reach it.
const spec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /api/orders:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: {type: aws_proxy, uri: {"Fn::Sub": "functions/${ListFn.Alias}/invocations"}}
  /api/orders/{orderId}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {type: aws_proxy, uri: {"Fn::Sub": "functions/${GetFn.Alias}/invocations"}}
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: {type: aws_proxy, uri: {"Fn::Sub": "functions/${GetFn.Alias}/invocations"}}
    delete:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: {type: aws_proxy, uri: {"Fn::Sub": "functions/${DeleteFn.Alias}/invocations"}}
  /swagger:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: {type: aws_proxy, uri: {"Fn::Sub": "functions/${DocsFn.Arn}/invocations"}}
`

// recorder is a Lambda function that remembers the events it received and
// answers with a fixed response.
type recorder struct {
	mu     sync.Mutex
	events []events.APIGatewayProxyRequest
	ctxs   []context.Context
	resp   events.APIGatewayProxyResponse
	err    error
	block  bool // wait for the context to end, as a hung function does
}

func (r *recorder) invoke(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.ctxs = append(r.ctxs, ctx)
	r.mu.Unlock()
	if r.block {
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // still running when Lambda stops it
	}
	return r.resp, r.err
}

func (r *recorder) seen() []events.APIGatewayProxyRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.APIGatewayProxyRequest(nil), r.events...)
}

// every serves each function of spec with fn.
func every(fn *recorder) map[string]gateway.Function {
	out := map[string]gateway.Function{}
	for _, name := range []string{"ListFn", "GetFn", "DeleteFn", "DocsFn", "CreateOrderFunction", "GetOrderFunction", "DeleteOrderFunction", "ListOrdersFunction", "DocsFunction"} {
		out[name] = gateway.Function{Invoke: fn.invoke, Timeout: 10 * time.Second}
	}
	return out
}

func load(t *testing.T, text string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(text))
	require.NoError(t, err)
	return doc
}

func newGateway(t *testing.T, text string, fn *recorder, opts gateway.Options) *httptest.Server {
	t.Helper()
	if opts.Functions == nil {
		opts.Functions = every(fn)
	}
	g, err := gateway.New(load(t, text), opts)
	require.NoError(t, err)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv
}

// reply is what a request got back, its body read and closed.
type reply struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, url string, body io.Reader, header map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{resp.StatusCode, resp.Header, string(raw)}
}

func TestEventIsAPIGatewaysProxyEvent(t *testing.T) {
	t.Parallel()
	fn := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: 200}}
	srv := newGateway(t, spec, fn, gateway.Options{Stage: "dev"})
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/orders/a%2Fb?limit=1&tag=a&tag=b&q=x%2By", http.NoBody)
	require.NoError(t, err)
	req.Header.Add("X-Multi", "1")
	req.Header.Add("X-Multi", "2")
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	do(t, http.MethodGet, srv.URL+"/api/orders", http.NoBody, nil)

	got := fn.seen()
	require.Len(t, got, 2)
	e := got[0]
	assert.Equal(t, "/api/orders/{orderId}", e.Resource)
	assert.Equal(t, "/api/orders/a%2Fb", e.Path, "the path stays percent-encoded")
	assert.Equal(t, map[string]string{"orderId": "a%2Fb"}, e.PathParameters, "and so do path parameters")
	assert.Equal(t, map[string]string{"limit": "1", "tag": "b", "q": "x+y"}, e.QueryStringParameters, "query values are decoded, the last one wins")
	assert.Equal(t, map[string][]string{"limit": {"1"}, "tag": {"a", "b"}, "q": {"x+y"}}, e.MultiValueQueryStringParameters)
	assert.Equal(t, "2", e.Headers["X-Multi"])
	assert.Equal(t, []string{"1", "2"}, e.MultiValueHeaders["X-Multi"])
	assert.Equal(t, "http", e.Headers["X-Forwarded-Proto"])
	assert.NotEmpty(t, e.Headers["X-Forwarded-Port"])
	assert.Empty(t, e.Body)
	assert.False(t, e.IsBase64Encoded)

	rc := e.RequestContext
	assert.Equal(t, "dev", rc.Stage)
	assert.Equal(t, "/api/orders/{orderId}", rc.ResourcePath)
	assert.Equal(t, "127.0.0.1", rc.Identity.SourceIP)
	assert.Equal(t, "123456789012", rc.AccountID)
	assert.NotZero(t, rc.RequestTimeEpoch)
	assert.NotEqual(t, rc.RequestID, got[1].RequestContext.RequestID, "a fresh request id per request")
	assert.Regexp(t, `^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=1$`, got[1].Headers["X-Amzn-Trace-Id"], "a trace per request, as with API Gateway tracing")

	second := got[1]
	assert.Nil(t, second.PathParameters)
	assert.Nil(t, second.QueryStringParameters)

	lc, ok := lambdacontext.FromContext(fn.ctxs[0])
	require.True(t, ok)
	assert.NotEmpty(t, lc.AwsRequestID)
	assert.Contains(t, lc.InvokedFunctionArn, ":function:GetFn")
	deadline, hasDeadline := fn.ctxs[0].Deadline()
	require.True(t, hasDeadline, "an invocation has the function's deadline")
	assert.WithinDuration(t, time.Now().Add(10*time.Second), deadline, 10*time.Second)
	// Lambda hands the function the request's trace, its own segment as
	// the parent of what the function records.
	assert.Regexp(t, `^Root=1-5759e988-bd862e3fe1be46a994272793;Parent=[0-9a-f]{16};Sampled=1$`, fn.ctxs[0].Value("x-amzn-trace-id"))
}

// Routing is API Gateway's: by resource and method, never a redirect.
func TestRouting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		resource     string // "" for Missing Authentication Token
		eventPath    string
	}{
		{"GET", "/api/orders", "/api/orders", "/api/orders"},
		{"GET", "/api/orders/", "/api/orders", "/api/orders/"},
		{"GET", "//api/orders", "/api/orders", "/api/orders"},
		{"GET", "///api//orders", "", ""},
		{"GET", "/api/orders/../orders", "", ""},
		{"GET", "/API/orders", "", ""},
		{"POST", "/api/orders", "", ""},
		{"HEAD", "/api/orders", "", ""},
		{"OPTIONS", "/swagger", "", ""},
		{"HEAD", "/api/orders/x", "/api/orders/{orderId}", "/api/orders/x"},
		{"PATCH", "/api/orders/x/", "/api/orders/{orderId}", "/api/orders/x/"},
		{"GET", "/api/orders/x/y", "", ""},
		{"GET", "/", "", ""},
		{"GET", "/nothing", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			fn := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: 200}}
			g, err := gateway.New(load(t, spec), gateway.Options{Functions: every(fn)})
			require.NoError(t, err)
			// The request line as a client that cleans nothing sends it.
			req := fuzzRequest(tt.method, tt.path, "", "", nil)
			require.NotNil(t, req)
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			if tt.resource == "" {
				assert.Equal(t, http.StatusForbidden, rec.Code, "Missing Authentication Token")
				assert.Equal(t, "MissingAuthenticationTokenException", rec.Header().Get("x-amzn-ErrorType"))
				assert.Empty(t, fn.seen())
				return
			}
			require.Equal(t, http.StatusOK, rec.Code)
			require.Len(t, fn.seen(), 1)
			assert.Equal(t, tt.resource, fn.seen()[0].Resource)
			assert.Equal(t, tt.eventPath, fn.seen()[0].Path)
		})
	}
}

// Without customised gateway responses, API Gateway answers with its own,
// exactly.
func TestBuiltInGatewayResponses(t *testing.T) {
	t.Parallel()
	srv := newGateway(t, spec, &recorder{err: errors.New("panic: boom")}, gateway.Options{})
	missing := do(t, http.MethodGet, srv.URL+"/nothing", http.NoBody, nil)
	assert.Equal(t, http.StatusForbidden, missing.status)
	assert.Equal(t, `{"message":"Missing Authentication Token"}`, missing.body) //nolint:testifylint // byte for byte: API Gateway spaces its built-in answers unevenly
	assert.Equal(t, "application/json", missing.header.Get("Content-Type"))
	assert.NotEmpty(t, missing.header.Get("x-amzn-RequestId"))

	failed := do(t, http.MethodGet, srv.URL+"/api/orders", http.NoBody, nil)
	assert.Equal(t, http.StatusBadGateway, failed.status)
	assert.Equal(t, `{"message": "Internal server error"}`, failed.body) //nolint:testifylint // byte for byte: API Gateway spaces its built-in answers unevenly
	assert.Equal(t, "InternalServerErrorException", failed.header.Get("x-amzn-ErrorType"))
}

// repoTemplate is the project's template with these parameters: the
// resolver of api.yaml's intrinsics, as a deploy with them has it.
func repoTemplate(t *testing.T, params map[string]string) *sam.Template {
	t.Helper()
	tmpl, err := sam.Load(filepath.Join("..", "..", "..", "template.yaml"))
	require.NoError(t, err)
	require.NoError(t, tmpl.SetParameters(params))
	return tmpl
}

// The API's own gateway responses, read from api.yaml: status, headers and
// template, with $context variables filled in; with and without a CORS
// origin, which every gateway response names when the stack has one.
func TestGatewayResponsesOfAPIYAML(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "api.yaml"))
	require.NoError(t, err)
	for _, origin := range []string{"", "https://app.example.com"} {
		params := map[string]string{"CorsAllowOrigin": origin}
		resolved, err := repoTemplate(t, params).Resolve(load(t, string(raw)).Extensions["x-amazon-apigateway-gateway-responses"])
		require.NoError(t, err)
		var responses map[string]struct {
			StatusCode         string            `json:"statusCode"`
			ResponseParameters map[string]string `json:"responseParameters"`
			ResponseTemplates  map[string]string `json:"responseTemplates"`
		}
		ext, err := json.Marshal(resolved)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(ext, &responses))

		fn := &recorder{err: errors.New("boom")}
		pool := newPool(t, time.Now)
		srv := newGateway(t, string(raw), fn, gateway.Options{
			UserPools: map[string]gateway.UserPool{"UserPool": pool}, Template: repoTemplate(t, params),
		})
		token := userToken(t, pool, "alice")
		for kind, req := range map[string][3]string{
			"MISSING_AUTHENTICATION_TOKEN": {http.MethodGet, "/api/customers", ""},
			"UNAUTHORIZED":                 {http.MethodGet, "/api/orders", ""},
			"INTEGRATION_FAILURE":          {http.MethodGet, "/api/orders", "Bearer " + token},
		} {
			want := responses[kind]
			got := do(t, req[0], srv.URL+req[1], http.NoBody, map[string]string{"Authorization": req[2]})
			assert.Equal(t, want.StatusCode, strconv.Itoa(got.status), kind)
			for key, value := range want.ResponseParameters {
				name := strings.TrimPrefix(key, "gatewayresponse.header.")
				assert.Equal(t, strings.Trim(value, "'"), got.header.Get(name), "%s: %s", kind, name)
			}
			assert.Equal(t, origin, got.header.Get("Access-Control-Allow-Origin"), "%s, origin %q", kind, origin)
			wantBody := strings.NewReplacer("$context.requestId", got.header.Get("x-amzn-RequestId"),
				"$context.error.message", "Unauthorized").Replace(want.ResponseTemplates["application/json"])
			assert.JSONEq(t, wantBody, got.body, kind)
		}
	}
}

// A CORS preflight is API Gateway's own answer, from api.yaml's mock
// integrations: no function, no token; the stack's origin allowed, or
// none.
func TestPreflightIsTheEdges(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "api.yaml"))
	require.NoError(t, err)
	for _, origin := range []string{"", "https://app.example.com"} {
		fn := &recorder{}
		srv := newGateway(t, string(raw), fn, gateway.Options{
			UserPools: map[string]gateway.UserPool{"UserPool": newPool(t, time.Now)},
			Template:  repoTemplate(t, map[string]string{"CorsAllowOrigin": origin}),
		})
		for path, methods := range map[string]string{
			"/api/orders": "GET,HEAD,POST,OPTIONS", "/api/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6": "GET,HEAD,DELETE,OPTIONS",
		} {
			got := do(t, http.MethodOptions, srv.URL+path, http.NoBody, map[string]string{
				"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
				"Access-Control-Request-Headers": "authorization,content-type",
			})
			assert.Equal(t, http.StatusNoContent, got.status, path)
			assert.Empty(t, got.body)
			assert.Equal(t, origin, got.header.Get("Access-Control-Allow-Origin"), "%s, origin %q", path, origin)
			assert.Equal(t, methods, got.header.Get("Access-Control-Allow-Methods"), path)
			assert.Equal(t, "Authorization,Content-Type,Idempotency-Key", got.header.Get("Access-Control-Allow-Headers"), path)
			assert.NotEmpty(t, got.header.Get("x-amzn-RequestId"))
		}
		assert.Empty(t, fn.seen(), "no function ran")
	}
}

// A response the API does not customise falls back on its DEFAULT_4XX or
// DEFAULT_5XX, with the type's own status.
func TestDefaultGatewayResponses(t *testing.T) {
	t.Parallel()
	withDefaults := spec + `
x-amazon-apigateway-gateway-responses:
  DEFAULT_4XX:
    responseParameters: {gatewayresponse.header.X-Family: "'4xx'"}
    responseTemplates: {application/json: '{"kind":"$context.error.responseType","said":$context.error.messageString}'}
`
	srv := newGateway(t, withDefaults, &recorder{}, gateway.Options{})
	got := do(t, http.MethodGet, srv.URL+"/nothing", http.NoBody, nil)
	assert.Equal(t, http.StatusForbidden, got.status)
	assert.Equal(t, "4xx", got.header.Get("X-Family"))
	assert.JSONEq(t, `{"kind":"MISSING_AUTHENTICATION_TOKEN","said":"Missing Authentication Token"}`, got.body)
}

// Bodies travel as text, with invalid UTF-8 replaced, unless the API makes
// their media type binary: then byte for byte, in base64.
func TestBodies(t *testing.T) {
	t.Parallel()
	const sent = "{\"a\":\"\xff\"}"
	fn := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: 200}}
	text := newGateway(t, spec, fn, gateway.Options{})
	do(t, http.MethodDelete, text.URL+"/api/orders/x", strings.NewReader(sent), nil)
	require.Len(t, fn.seen(), 1)
	assert.JSONEq(t, "{\"a\":\"\uFFFD\"}", fn.seen()[0].Body)
	assert.False(t, fn.seen()[0].IsBase64Encoded)

	binary := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: 200}}
	srv := newGateway(t, spec+"x-amazon-apigateway-binary-media-types: ['*/*']\n", binary, gateway.Options{})
	do(t, http.MethodDelete, srv.URL+"/api/orders/x", strings.NewReader(sent), nil)
	require.Len(t, binary.seen(), 1)
	e := binary.seen()[0]
	assert.True(t, e.IsBase64Encoded)
	decoded, err := base64.StdEncoding.DecodeString(e.Body)
	require.NoError(t, err)
	assert.Equal(t, sent, string(decoded), "every byte as sent") //nolint:testifylint // bytes, not JSON equivalence
}

func TestResponseTranslation(t *testing.T) {
	t.Parallel()
	png := base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G'})
	tests := []struct {
		name        string
		binary      bool
		accept      string
		resp        events.APIGatewayProxyResponse
		status      int
		contentType string
		body        string
		header      map[string][]string
	}{
		{"defaults", false, "", events.APIGatewayProxyResponse{Body: `{}`}, 200, "application/json", `{}`, nil},
		{"status and headers", false, "", events.APIGatewayProxyResponse{
			StatusCode: 201, Body: "hi", Headers: map[string]string{"Content-Type": "text/plain", "X-One": "1"},
			MultiValueHeaders: map[string][]string{"X-Many": {"a", "b"}},
		}, 201, "text/plain", "hi", map[string][]string{"X-One": {"1"}, "X-Many": {"a", "b"}}},
		{"multi-value headers win", false, "", events.APIGatewayProxyResponse{
			StatusCode: 200, Headers: map[string]string{"X-A": "single"}, MultiValueHeaders: map[string][]string{"X-A": {"multi"}},
		}, 200, "application/json", "", map[string][]string{"X-A": {"multi"}}},
		{
			"base64 without binary media types stays base64", false, "image/png",
			events.APIGatewayProxyResponse{StatusCode: 200, Body: png, IsBase64Encoded: true},
			200, "application/json", png, nil,
		},
		{
			"base64, binary media types, any Accept", true, "image/avif,image/png,*/*",
			events.APIGatewayProxyResponse{StatusCode: 200, Body: png, IsBase64Encoded: true},
			200, "application/json", "\x89PNG", nil,
		},
		{
			"bad base64", true, "",
			events.APIGatewayProxyResponse{StatusCode: 200, Body: "%%", IsBase64Encoded: true},
			502, "application/json", `{"message": "Internal server error"}`, nil,
		},
		{
			"no such status", false, "",
			events.APIGatewayProxyResponse{StatusCode: 1000},
			502, "application/json", `{"message": "Internal server error"}`, nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			text := spec
			if tt.binary {
				text += "x-amazon-apigateway-binary-media-types: ['*/*']\n"
			}
			srv := newGateway(t, text, &recorder{resp: tt.resp}, gateway.Options{})
			got := do(t, http.MethodGet, srv.URL+"/api/orders", http.NoBody, map[string]string{"Accept": tt.accept})
			assert.Equal(t, tt.status, got.status)
			assert.Equal(t, tt.contentType, got.header.Get("Content-Type"))
			assert.Equal(t, tt.body, got.body)
			assert.NotEmpty(t, got.header.Get("x-amzn-RequestId"))
			for k, v := range tt.header {
				assert.Equal(t, v, got.header.Values(k), k)
			}
		})
	}
}

// Over API Gateway's 10 MB its front door answers in plain text; over the
// 6 MB Lambda takes, API Gateway answers Request Too Long. Neither reaches
// the function.
func TestPayloadLimits(t *testing.T) {
	t.Parallel()
	fn := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: 200}}
	srv := newGateway(t, spec, fn, gateway.Options{})
	huge := do(t, http.MethodDelete, srv.URL+"/api/orders/x", strings.NewReader(strings.Repeat("a", gateway.MaxPayload+1)), nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, huge.status)
	assert.Equal(t, "HTTP content length exceeded 10485760 bytes.", huge.body)
	assert.Empty(t, huge.header.Get("x-amzn-RequestId"), "the front door answers, not API Gateway")

	long := do(t, http.MethodDelete, srv.URL+"/api/orders/x", strings.NewReader(strings.Repeat("a", 7<<20)), nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, long.status)
	assert.Equal(t, `{"message": "Request Too Long"}`, long.body) //nolint:testifylint // byte for byte: API Gateway spaces its built-in answers unevenly
	assert.Equal(t, "BadRequestException", long.header.Get("x-amzn-ErrorType"))
	assert.Empty(t, fn.seen())
}

// Lambda stops a function at its timeout, and API Gateway answers
// INTEGRATION_FAILURE; a function allowed longer than the integration
// timeout is cut at that, INTEGRATION_TIMEOUT.
func TestTimeouts(t *testing.T) {
	t.Parallel()
	hung := &recorder{block: true}
	fns := map[string]gateway.Function{}
	for name := range every(hung) {
		fns[name] = gateway.Function{Invoke: hung.invoke, Timeout: 20 * time.Millisecond}
	}
	fns["DeleteFn"] = gateway.Function{Invoke: hung.invoke, Timeout: time.Minute}
	srv := newGateway(t, spec, hung, gateway.Options{Functions: fns, IntegrationTimeout: 40 * time.Millisecond})

	stopped := do(t, http.MethodGet, srv.URL+"/api/orders", http.NoBody, nil)
	assert.Equal(t, http.StatusBadGateway, stopped.status)
	timedOut := do(t, http.MethodDelete, srv.URL+"/api/orders/x", http.NoBody, nil)
	assert.Equal(t, http.StatusGatewayTimeout, timedOut.status)
	assert.Equal(t, `{"message":"Endpoint request timed out"}`, timedOut.body) //nolint:testifylint // byte for byte: API Gateway spaces its built-in answers unevenly
}

const validated = `
openapi: 3.0.3
info: {title: t, version: "1"}
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
x-amazon-apigateway-request-validator: all
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
    post:
      x-amazon-apigateway-integration: {uri: {"Fn::Sub": "functions/${Fn.Arn}/invocations"}}
      parameters:
        - {name: Trace, in: header, required: true, schema: {type: string}}
        - {name: limit, in: query, required: true, schema: {type: integer, maximum: 10}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [name, size]
              properties:
                name: {type: string, maxLength: 3}
                size: {type: integer, maximum: 5}
                kind: {type: string, enum: [a, b]}
      responses: {"200": {description: ok}}
`

// The request validators, when an API turns them on: parameters only for
// presence, bodies against the model of their media type, in the words of
// API Gateway's JSON Schema draft 4 validator.
func TestValidators(t *testing.T) {
	t.Parallel()
	withValidation := validated + `
x-amazon-apigateway-gateway-responses:
  BAD_REQUEST_BODY:
    responseTemplates: {application/json: '{"message":$context.error.messageString,"detail":"$context.error.validationErrorString"}'}
`
	fn := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: 200}}
	g, err := gateway.New(load(t, withValidation), gateway.Options{Functions: map[string]gateway.Function{"Fn": {Invoke: fn.invoke}}})
	require.NoError(t, err)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	trace := map[string]string{"Trace": "t"}
	tests := []struct {
		name, path, body string
		header           map[string]string
		status           int
		want             string
	}{
		{"valid; formats and parameter types are not checked", "/things/not-a-uuid?limit=ten", `{"name":"ab","size":1}`, trace, 200, ""},
		{
			"parameters missing or blank", "/things/x?limit=", `{}`,
			map[string]string{"Trace": " "},
			400,
			`{"message":"Missing required request parameters: [Trace, limit]"}`,
		},
		{
			"not JSON", "/things/x?limit=1", `{"name":`, trace, 400,
			`{"message":"Invalid request body","detail":"[Unknown error parsing request body]"}`,
		},
		{
			"every failure, values quoted", "/things/x?limit=1", `{"name":"abcd","size":9,"kind":"c","x":1}`, trace, 400,
			`{"message":"Invalid request body","detail":"[object instance has properties which are not allowed by the schema: [\"x\"], instance value (\"c\") not found in enum (possible values: [\"a\",\"b\"]), string \"abcd\" is too long (length: 4, maximum allowed: 3), numeric instance is greater than the required maximum (maximum: 5, found: 9)]"}`,
		},
		{
			"missing members", "/things/x?limit=1", `{}`, trace, 400,
			`{"message":"Invalid request body","detail":"[object has missing required properties ([\"name\",\"size\"])]"}`,
		},
		{"a media type without a model is not validated", "/things/x?limit=1", `not json`, map[string]string{"Trace": "t", "Content-Type": "text/plain"}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, http.MethodPost, srv.URL+tt.path, strings.NewReader(tt.body), tt.header)
			require.Equal(t, tt.status, got.status, got.body)
			if tt.want != "" {
				assert.JSONEq(t, tt.want, got.body)
				assert.Equal(t, "BadRequestException", got.header.Get("x-amzn-ErrorType"))
			}
		})
	}
}

// A method whose integration names a function the template lacks fails as
// a deploy would.
func TestNewNeedsEveryFunction(t *testing.T) {
	t.Parallel()
	_, err := gateway.New(load(t, spec), gateway.Options{Functions: map[string]gateway.Function{"GetFn": {}}})
	require.ErrorContains(t, err, "no function")
}

// An integration that names neither a function's alias nor its ARN
// reaches nothing.
func TestNewNeedsAFunctionInEachIntegration(t *testing.T) {
	t.Parallel()
	bad := strings.Replace(spec, "${ListFn.Alias}", "${ListFn.Version}", 1)
	_, err := gateway.New(load(t, bad), gateway.Options{Functions: every(&recorder{})})
	require.ErrorContains(t, err, "names no ${Function.Alias} or ${Function.Arn}")
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	var log strings.Builder
	g, err := gateway.New(load(t, spec), gateway.Options{AccessLog: &log, Functions: every(&recorder{resp: events.APIGatewayProxyResponse{StatusCode: 201}})})
	require.NoError(t, err)
	g.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/orders?limit=1", http.NoBody))
	assert.Regexp(t, `^\d\d:\d\d:\d\d GET /api/orders\?limit=1 201 \S+\n$`, log.String())
}

// Each method's invocation names the function that api.yaml routes it to,
// as the deployed API does.
func TestFunctionPerRoute(t *testing.T) {
	t.Parallel()
	fn := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: 200}}
	srv := newGateway(t, spec, fn, gateway.Options{})
	for _, method := range []string{http.MethodDelete, http.MethodGet, http.MethodPatch} {
		do(t, method, srv.URL+"/api/orders/x", http.NoBody, nil)
	}
	do(t, http.MethodGet, srv.URL+"/api/orders", http.NoBody, nil)
	do(t, http.MethodGet, srv.URL+"/swagger", http.NoBody, nil)
	var names []string
	for _, ctx := range fn.ctxs {
		lc, ok := lambdacontext.FromContext(ctx)
		require.True(t, ok)
		names = append(names, lc.InvokedFunctionArn[strings.LastIndex(lc.InvokedFunctionArn, ":")+1:])
	}
	assert.Equal(t, []string{"DeleteFn", "GetFn", "GetFn", "ListFn", "DocsFn"}, names, "${Fn.Alias} and ${Fn.Arn} alike")
}
