package gateway_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/gateway"
)

// fuzzTemplates are the resources of spec.
var fuzzTemplates = []string{"/api/orders", "/api/orders/{orderId}", "/swagger"}

// fuzzRoute says which resource of spec an escaped request path reaches,
// as API Gateway matches it: leading slashes collapsed, a trailing slash
// ignored, segment by segment as sent (still escaped), a {name} standing
// for one non-empty segment; "" when none does.
func fuzzRoute(escaped string) (template string, params map[string]string) {
	p := "/" + strings.TrimLeft(escaped, "/")
	got := strings.Split(strings.TrimSuffix(p, "/"), "/")
	for _, template := range fuzzTemplates {
		want := strings.Split(template, "/")
		if len(want) != len(got) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, seg := range want {
			if name, isParam := strings.CutPrefix(seg, "{"); isParam && got[i] != "" {
				params[strings.TrimSuffix(name, "}")] = got[i]
			} else if seg != got[i] {
				ok = false
				break
			}
		}
		if ok {
			if len(params) == 0 {
				params = nil
			}
			return template, params
		}
	}
	return "", nil
}

// fuzzMethods are the methods each resource of spec has; "ANY" takes every
// method.
var fuzzMethods = map[string][]string{
	"/api/orders":           {http.MethodGet},
	"/api/orders/{orderId}": {"ANY"},
	"/swagger":              {http.MethodGet},
}

// fuzzRequest parses a request as the HTTP server would read it off the
// wire; nil when the server would refuse it before any handler runs.
func fuzzRequest(method, target, headerName, headerValues string, body []byte) *http.Request {
	var raw bytes.Buffer
	raw.WriteString(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n")
	if headerName != "" {
		for v := range strings.SplitSeq(headerValues, ",") {
			raw.WriteString(headerName + ": " + v + "\r\n")
		}
	}
	raw.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	raw.Write(body)
	r, err := http.ReadRequest(bufio.NewReader(&raw))
	if err != nil {
		return nil
	}
	r.RemoteAddr = "127.0.0.1:49152"
	return r
}

// FuzzGatewayEvent sends arbitrary HTTP requests through the API Gateway
// stand-in: never a redirect; a request for a resource and method of the
// spec reaches its function as the REST proxy event of that request (the
// escaped path, its resource, its parameters as sent, the query decoded,
// the body as text); any other gets Missing Authentication Token and never
// reaches a function.
//
// rawPath is the escaped path as on the request line, rawQuery what follows
// its "?"; headerValues holds comma-separated values, each sent as its own
// header line.
func FuzzGatewayEvent(f *testing.F) {
	f.Add("GET", "/api/orders/abc", "limit=1&tag=a&tag=b", "X-Multi", "1,2", []byte(nil))
	f.Add("GET", "/api/orders", "", "", "", []byte(nil))
	f.Add("POST", "/api/orders", "", "Content-Type", "application/json", []byte(`{"customer_name":"Ada","order_item_count":3}`))
	f.Add("DELETE", "/api/orders/x", "", "Content-Type", "application/json", []byte("{\"a\":\"\xff\"}"))
	f.Add("DELETE", "/api/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6", "", "X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", []byte(nil))
	f.Add("PATCH", "/api/orders/x", "a=%zz&b=1;c=2&=&&x", "Idempotency-Key", "k1,k2", []byte("\x00\x01\x02"))
	f.Add("GET", "/api/orders/a%2Fb", "", "", "", []byte(nil))
	f.Add("GET", "/api/orders/%2e%2e", "", "", "", []byte(nil))
	f.Add("GET", "/%61pi/orders", "", "", "", []byte(nil))
	f.Add("GET", "/api/orders/caf%C3%A9%20%F0%9F%98%80", "q=%C3%A9%ff", "", "", []byte(nil))
	f.Add("GET", "/api/orders/", "", "", "", []byte(nil))
	f.Add("GET", "//api/orders", "", "", "", []byte(nil))
	f.Add("GET", "/api//orders", "", "", "", []byte(nil))
	f.Add("GET", "/api/orders/../orders", "", "", "", []byte(nil))
	f.Add("GET", "/api/orders/a/b", "", "", "", []byte(nil))
	f.Add("HEAD", "/api/orders", "", "", "", []byte(nil))
	f.Add("GET", "/api/customers", "", "", "", []byte(nil))
	f.Add("GET", "/", "", "", "", []byte(nil))
	f.Add("CONNECT", "/api/orders/a/../b", "", "", "", []byte(nil))
	f.Add("OPTIONS", "*", "", "", "", []byte(nil))
	f.Add("GET", "/api/orders", "", "X-Forwarded-Proto", "https", []byte(nil))
	f.Add("GET", "/api/orders", "", "Transfer-Encoding", "chunked", []byte("0\r\n\r\n"))

	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	require.NoError(f, err)
	fn := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: "ok"}}
	gw, err := gateway.New(doc, gateway.Options{Stage: "dev", Functions: every(fn)})
	require.NoError(f, err)

	f.Fuzz(func(t *testing.T, method, rawPath, rawQuery, headerName, headerValues string, body []byte) {
		target := rawPath
		if rawQuery != "" {
			target += "?" + rawQuery
		}
		r := fuzzRequest(method, target, headerName, headerValues, body)
		if r == nil {
			return // The server answers 400 itself; the gateway never sees it.
		}
		sent, err := io.ReadAll(r.Body)
		if err != nil {
			return // A body the server could not read (a bad chunk, say).
		}
		r.Body = io.NopCloser(bytes.NewReader(sent))
		request := r.Clone(r.Context())

		fn.events, fn.ctxs = nil, nil
		rec := httptest.NewRecorder()
		gw.ServeHTTP(rec, r)
		t.Logf("%s %q: %d, %d invocations", request.Method, request.RequestURI, rec.Code, len(fn.events))
		require.False(t, rec.Code >= 300 && rec.Code < 400, "API Gateway never redirects: %q got %d", target, rec.Code)

		template, params := fuzzRoute(request.URL.EscapedPath())
		methods := fuzzMethods[template]
		if template == "" || (!slices.Contains(methods, "ANY") && !slices.Contains(methods, request.Method)) {
			require.Empty(t, fn.events, "an unknown route never reaches a function: %s %q", request.Method, target)
			require.Equal(t, http.StatusForbidden, rec.Code, "%q: %s", target, rec.Body)
			require.JSONEq(t, `{"message":"Missing Authentication Token"}`, rec.Body.String())
			return
		}

		require.Len(t, fn.events, 1, "a route of the spec reaches its function: %s %q", request.Method, target)
		require.Equal(t, http.StatusOK, rec.Code, "the function's answer is passed on")
		require.Equal(t, "ok", rec.Body.String())

		e := fn.events[0]
		require.Equal(t, request.Method, e.HTTPMethod)
		require.Equal(t, "/"+strings.TrimLeft(request.URL.EscapedPath(), "/"), e.Path, "the path as sent, leading slashes collapsed")
		require.Equal(t, template, e.Resource)
		require.Equal(t, template, e.RequestContext.ResourcePath)
		require.Equal(t, params, e.PathParameters)
		require.NotEmpty(t, e.RequestContext.RequestID)
		require.False(t, e.IsBase64Encoded)
		require.True(t, utf8.ValidString(e.Body), "an event body is text")
		require.Equal(t, strings.ToValidUTF8(string(sent), "\uFFFD"), e.Body)

		if query := request.URL.Query(); len(query) > 0 {
			require.Equal(t, map[string][]string(query), e.MultiValueQueryStringParameters)
			for k, v := range query {
				require.Equal(t, v[len(v)-1], e.QueryStringParameters[k], "the single-value map has the last value")
			}
		} else {
			require.Nil(t, e.MultiValueQueryStringParameters)
			require.Nil(t, e.QueryStringParameters)
		}

		for k, v := range request.Header {
			switch k {
			case "X-Forwarded-Proto", "X-Forwarded-Port":
				continue // The gateway's own.
			case "X-Amzn-Trace-Id":
				if request.Header.Get(k) == "" {
					continue // The gateway starts a trace.
				}
			}
			require.Equal(t, v, e.MultiValueHeaders[k], "header %q is passed on", k)
		}
		for k, v := range e.MultiValueHeaders {
			require.NotEmpty(t, v, k)
			require.Equal(t, v[len(v)-1], e.Headers[k], "the single-value header %q has the last value", k)
		}
		require.Len(t, e.Headers, len(e.MultiValueHeaders))
	})
}
