// Package gateway stands in for API Gateway on a developer's machine: it
// serves the routes of an OpenAPI spec over HTTP and hands each request to
// a Lambda handler as the REST proxy event that `sam local start-api`
// builds, then writes the proxy response back.
package gateway

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
)

// maxBodyBytes is API Gateway's payload limit.
const maxBodyBytes = 10 << 20

// Invoke is a Lambda handler for REST proxy events.
type Invoke func(ctx context.Context, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// Options tune the emulated API and function.
type Options struct {
	// Stage is the stage name in request contexts; "Prod" when empty, as
	// for SAM's implicit API.
	Stage string
	// FunctionName names the function in the Lambda context of a route
	// whose x-amazon-apigateway-integration does not name one.
	FunctionName string
	// Timeout is the function's timeout, the deadline of each invocation's
	// context. API Gateway's own 29 s when zero.
	Timeout time.Duration
	// AccessLog receives one line per request; nothing is logged when nil.
	AccessLog io.Writer
	// Functions hands the routes of the functions it names to their own
	// handlers; every other route goes to New's invoke.
	Functions map[string]Invoke
}

// New returns an http.Handler that routes the spec's paths to invoke. A
// path that the spec lacks is answered as the deployed API's gateway
// response answers it: 404 problem+json.
func New(spec *openapi3.T, invoke Invoke, opts Options) http.Handler {
	if opts.Stage == "" {
		opts.Stage = "Prod"
	}
	if opts.Timeout == 0 {
		opts.Timeout = 29 * time.Second
	}
	mux := http.NewServeMux()
	for template, item := range spec.Paths.Map() {
		// Every method of a known path reaches a function, which answers
		// 405 for one the spec does not declare.
		mux.Handle(template, &route{template: template, invoke: invoke, opts: opts, functions: functions(item)})
	}
	mux.HandleFunc("/", notFound)
	if opts.AccessLog == nil {
		return mux
	}
	return accessLog(opts.AccessLog, mux)
}

type route struct {
	template string
	invoke   Invoke
	opts     Options
	// functions names the function of each method; "" for any other.
	functions map[string]string
}

// integrationFunction finds the function that an x-amazon-apigateway-
// integration's uri names: ...functions/${CreateOrderFunction.Arn}/invocations.
var integrationFunction = regexp.MustCompile(`\$\{(\w+)\.Arn\}`)

// functions reads which function serves each method of a path, as the
// deployed API routes them.
func functions(item *openapi3.PathItem) map[string]string {
	out := map[string]string{}
	name := func(ext map[string]any) string {
		raw, err := json.Marshal(ext["x-amazon-apigateway-integration"])
		if err != nil {
			return ""
		}
		if m := integrationFunction.FindSubmatch(raw); m != nil {
			return string(m[1])
		}
		return ""
	}
	if anyMethod, ok := item.Extensions["x-amazon-apigateway-any-method"].(map[string]any); ok {
		out[""] = name(anyMethod)
	}
	for method, op := range item.Operations() {
		out[method] = name(op.Extensions)
	}
	return out
}

// function names the function that serves method.
func (rt *route) function(method string) string {
	return cmp.Or(rt.functions[method], rt.functions[""], rt.opts.FunctionName)
}

func (rt *route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		gatewayError(w, http.StatusRequestEntityTooLarge, `{"message":"Request Too Long"}`)
		return
	}
	event := rt.event(r, body)
	function := rt.function(r.Method)
	ctx, cancel := context.WithTimeout(r.Context(), rt.opts.Timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       uuid.NewString(),
		InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:" + function,
	})
	invoke := rt.invoke
	if fn, ok := rt.opts.Functions[function]; ok {
		invoke = fn
	}
	resp, err := invoke(ctx, event)
	if err != nil {
		slog.ErrorContext(ctx, "function error", "error", err)
		gatewayError(w, http.StatusBadGateway, `{"message":"Internal server error"}`)
		return
	}
	writeResponse(w, resp)
}

// event builds the REST proxy event that `sam local start-api` sends,
// with a fresh request id and time for every request.
func (rt *route) event(r *http.Request, body []byte) events.APIGatewayProxyRequest {
	now := time.Now().UTC()
	headers := r.Header.Clone()
	headers.Set("X-Forwarded-Proto", "http")
	if headers.Get("X-Amzn-Trace-Id") == "" {
		// API Gateway with tracing on starts an X-Ray trace per request.
		headers.Set("X-Amzn-Trace-Id", newTraceHeader(now))
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		headers.Set("X-Forwarded-Port", port)
	}
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	e := events.APIGatewayProxyRequest{
		Resource:          rt.template,
		Path:              r.URL.Path,
		HTTPMethod:        r.Method,
		Headers:           lastValues(headers),
		MultiValueHeaders: headers,
		PathParameters:    pathParameters(r, rt.template),
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:    "123456789012",
			ResourceID:   "123456",
			APIID:        "1234567890",
			Stage:        rt.opts.Stage,
			RequestID:    uuid.NewString(),
			ResourcePath: rt.template,
			HTTPMethod:   r.Method,
			Protocol:     "HTTP/1.1",
			DomainName:   r.Host,
			// The path as the client sent it: locally there is no stage
			// prefix, as on an API's custom domain.
			Path:             r.URL.Path,
			RequestTime:      now.Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: now.UnixMilli(),
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if query := r.URL.Query(); len(query) > 0 {
		e.MultiValueQueryStringParameters = query
		e.QueryStringParameters = lastValues(query)
	}
	if len(body) > 0 {
		// A Lambda event is JSON, which carries text only.
		e.Body = strings.ToValidUTF8(string(body), "\uFFFD")
	}
	return e
}

// newTraceHeader returns a fresh X-Ray trace header: 1-{epoch seconds in
// hex}-{96 random bits in hex}, sampled.
func newTraceHeader(now time.Time) string {
	id := uuid.New()
	return fmt.Sprintf("Root=1-%08x-%x;Sampled=1", now.Unix(), id[:12])
}

// pathParameters reads the values of the template's {name} segments.
func pathParameters(r *http.Request, template string) map[string]string {
	var params map[string]string
	for _, seg := range strings.Split(template, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			name = strings.TrimSuffix(name, "}")
			if params == nil {
				params = map[string]string{}
			}
			params[name] = r.PathValue(name)
		}
	}
	return params
}

func lastValues(m map[string][]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if len(v) > 0 {
			out[k] = v[len(v)-1]
		}
	}
	return out
}

// writeResponse writes a proxy response as API Gateway does: status 200 and
// JSON unless the function says otherwise.
func writeResponse(w http.ResponseWriter, resp events.APIGatewayProxyResponse) {
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		decoded, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			gatewayError(w, http.StatusBadGateway, `{"message":"Internal server error"}`)
			return
		}
		body = decoded
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(body) // The client has gone if this fails.
}

// notFound is the deployed API's gateway response for a path that no route
// matches (template.yaml shapes it as problem+json instead of API Gateway's
// default 403 "Missing Authentication Token").
func notFound(w http.ResponseWriter, _ *http.Request) {
	body, _ := json.Marshal(map[string]any{
		"type": "about:blank", "title": "Not Found", "status": http.StatusNotFound, "detail": "no such resource",
	})
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write(body)
}

func gatewayError(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// accessLog writes one line per request, as `sam local start-api` prints.
func accessLog(out io.Writer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		fmt.Fprintf(out, "%s %s %s %d %s\n", start.Format(time.TimeOnly), r.Method, r.URL.RequestURI(), rec.status,
			time.Since(start).Round(10*time.Microsecond))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}
