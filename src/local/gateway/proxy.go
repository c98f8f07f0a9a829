package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"
)

// request is what API Gateway knows of a request before it reaches a
// function: its ids, its stage, and its path with leading slashes collapsed.
type request struct {
	id       string
	stage    string
	method   string
	path     string // escaped
	resource string // the matched resource's template
	received time.Time
}

// leadingSlashes collapse into one, as API Gateway routes //orders as /orders.
var leadingSlashes = regexp.MustCompile(`^/+`)

func newRequest(r *http.Request, stage string) *request {
	return &request{
		id:       uuid.NewString(),
		stage:    stage,
		method:   r.Method,
		path:     leadingSlashes.ReplaceAllString(r.URL.EscapedPath(), "/"),
		received: time.Now().UTC(),
	}
}

// event builds the REST proxy event that API Gateway sends: headers and
// query values as sent (the last of several in the single-value maps), the
// path still percent-encoded, and the body as text, or base64 when its
// media type is one of the API's binary media types.
func (g *Gateway) event(r *http.Request, req *request, rt *route, params map[string]string, body []byte) events.APIGatewayProxyRequest {
	headers := r.Header.Clone()
	headers.Set("X-Forwarded-Proto", "http")
	if headers.Get("X-Amzn-Trace-Id") == "" {
		// API Gateway with tracing on starts an X-Ray trace per request.
		headers.Set("X-Amzn-Trace-Id", "Root="+newTraceID(req.received)+";Sampled=1")
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		headers.Set("X-Forwarded-Port", port)
	}
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	e := events.APIGatewayProxyRequest{
		Resource:          rt.template,
		Path:              req.path,
		HTTPMethod:        r.Method,
		Headers:           lastValues(headers),
		MultiValueHeaders: headers,
		PathParameters:    params,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:    "123456789012",
			ResourceID:   "123456",
			APIID:        "1234567890",
			Stage:        req.stage,
			RequestID:    req.id,
			ResourcePath: rt.template,
			HTTPMethod:   r.Method,
			Protocol:     "HTTP/1.1",
			DomainName:   r.Host,
			// The path as the client sent it: locally there is no stage
			// prefix, as on an API's custom domain.
			Path:             r.URL.EscapedPath(),
			RequestTime:      req.received.Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: req.received.UnixMilli(),
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
		if g.isBinary(r.Header.Get("Content-Type")) {
			e.Body, e.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		} else {
			// Text payloads travel as UTF-8 JSON strings.
			e.Body = strings.ToValidUTF8(string(body), "\uFFFD")
		}
	}
	return e
}

// isBinary reports whether a media type is one of the API's binary media
// types (a missing type being application/json, a "*" matching any part).
func (g *Gateway) isBinary(contentType string) bool {
	mt := "application/json"
	if contentType != "" {
		if parsed, _, err := mime.ParseMediaType(contentType); err == nil {
			mt = parsed
		}
	}
	for _, pattern := range g.binary {
		if matchMediaType(pattern, mt) {
			return true
		}
	}
	return false
}

func matchMediaType(pattern, mt string) bool {
	pType, pSub, _ := strings.Cut(pattern, "/")
	mType, mSub, _ := strings.Cut(mt, "/")
	return (pType == "*" || strings.EqualFold(pType, mType)) && (pSub == "*" || strings.EqualFold(pSub, mSub))
}

// newTraceID returns a fresh X-Ray trace id: 1-{epoch seconds in hex}-{96
// random bits in hex}.
func newTraceID(now time.Time) string {
	return fmt.Sprintf("1-%08x-%s", now.Unix(), randomHex(12))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails.
	return hex.EncodeToString(b)
}

// lambdaTraceHeader is the trace header Lambda gives an invocation: the
// request's trace, with the function's segment as the parent of what the
// function records. Unsampled stays unsampled.
func lambdaTraceHeader(apiHeader string) string {
	var root, sampled string
	for part := range strings.SplitSeq(apiHeader, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			root = v
		case "Sampled":
			sampled = v
		}
	}
	if root == "" {
		root = newTraceID(time.Now())
	}
	if sampled == "" {
		sampled = "1"
	}
	return "Root=" + root + ";Parent=" + randomHex(8) + ";Sampled=" + sampled
}

// invoke runs the function as Lambda would: in a Lambda context with its
// deadline and trace header, stopped at its timeout, and within API
// Gateway's integration timeout. A function error or a stopped function is
// INTEGRATION_FAILURE; the integration timing out is INTEGRATION_TIMEOUT.
func (g *Gateway) invoke(ctx context.Context, name string, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, *failure) {
	fn := g.opts.Functions[name]
	timeout := fn.Timeout
	if timeout <= 0 {
		timeout = defaultFunctionTimeout
	}
	kind := "INTEGRATION_FAILURE"
	if timeout > g.opts.IntegrationTimeout {
		timeout, kind = g.opts.IntegrationTimeout, "INTEGRATION_TIMEOUT"
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       uuid.NewString(),
		InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:" + name,
	})
	//nolint:staticcheck,revive // aws-lambda-go hands the handler the trace header under this string key.
	ctx = context.WithValue(ctx, "x-amzn-trace-id", lambdaTraceHeader(event.Headers["X-Amzn-Trace-Id"]))

	type result struct {
		resp events.APIGatewayProxyResponse
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := fn.Invoke(ctx, event)
		done <- result{resp, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			slog.ErrorContext(ctx, "function error", "function", name, "error", res.err)
			return events.APIGatewayProxyResponse{}, &failure{kind: "INTEGRATION_FAILURE", status: http.StatusBadGateway}
		}
		return res.resp, nil
	case <-ctx.Done():
		slog.ErrorContext(ctx, "function timed out", "function", name, "timeout", timeout)
		return events.APIGatewayProxyResponse{}, &failure{kind: kind, status: builtIns[kind].status}
	}
}

// eventSize is the size of the event as Lambda receives it.
func eventSize(e events.APIGatewayProxyRequest) int {
	raw, err := json.Marshal(e)
	if err != nil {
		return 0
	}
	return len(raw)
}

// writeProxyResponse writes a function's proxy response as API Gateway
// does: 200 when it names no status, application/json when it names no
// type, headers and multi-value headers merged, and a base64 body decoded
// only when the request's first Accept type is a binary media type. A
// response it cannot read is INTEGRATION_FAILURE.
func (g *Gateway) writeProxyResponse(w http.ResponseWriter, r *http.Request, req *request, resp events.APIGatewayProxyResponse) *failure {
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	if status < 100 || status > 599 {
		return &failure{kind: "INTEGRATION_FAILURE", status: http.StatusBadGateway}
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded && g.acceptsBinary(r.Header.Get("Accept")) {
		decoded, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return &failure{kind: "INTEGRATION_FAILURE", status: http.StatusBadGateway}
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
	h.Set("x-amzn-RequestId", req.id)
	w.WriteHeader(status)
	_, _ = w.Write(body) // The client has gone if this fails.
	return nil
}

// acceptsBinary reports whether API Gateway decodes a base64 answer for a
// request that accepts accept: only its first media type counts.
func (g *Gateway) acceptsBinary(accept string) bool {
	first, _, _ := strings.Cut(accept, ",")
	if strings.TrimSpace(first) == "" {
		first = "application/json"
	}
	mt, _, err := mime.ParseMediaType(first)
	if err != nil {
		return false
	}
	for _, pattern := range g.binary {
		if matchMediaType(pattern, mt) {
			return true
		}
	}
	return false
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
