package gateway_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/gateway"
)

// fuzzTemplates are the paths of spec, as ServeMux patterns.
var fuzzTemplates = []string{"/api/orders", "/api/orders/{orderId}"}

// fuzzRoute says which template of spec an escaped request path matches,
// as ServeMux matches it: segment by segment, each unescaped, a {name}
// standing for one non-empty segment; "" when none does.
func fuzzRoute(escaped string) (template string, params map[string]string) {
	got := strings.Split(escaped, "/")
	for _, template := range fuzzTemplates {
		want := strings.Split(template, "/")
		if len(want) != len(got) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, seg := range want {
			value, err := url.PathUnescape(got[i])
			if err != nil {
				return "", nil
			}
			if name, isParam := strings.CutPrefix(seg, "{"); isParam {
				if value == "" {
					ok = false
					break
				}
				params[strings.TrimSuffix(name, "}")] = value
			} else if seg != value {
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

// cleanEscapedPath is the path that ServeMux redirects a request to, when it
// is not the request's own (ServeMux's cleanPath).
func cleanEscapedPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		if len(p) == len(np)+1 && strings.HasPrefix(p, np) {
			np = p
		} else {
			np += "/"
		}
	}
	return np
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

// FuzzGatewayEvent sends arbitrary HTTP requests through the local API
// Gateway: a request to a path of the spec reaches the function as the
// REST proxy event of that request (path, template, query, method, body as
// valid UTF-8, a request id); any other path gets 404 problem+json and never
// reaches the function.
//
// rawPath is the escaped path as on the request line, rawQuery what follows
// its "?"; headerValues holds comma-separated values, each sent as its own
// header line.
func FuzzGatewayEvent(f *testing.F) {
	f.Add("GET", "/api/orders/abc", "limit=1&tag=a&tag=b", "X-Multi", "1,2", []byte(nil))
	f.Add("GET", "/api/orders", "", "", "", []byte(nil))
	f.Add("POST", "/api/orders", "", "Content-Type", "application/json", []byte(`{"customer_name":"Ada","order_item_count":3}`))
	f.Add("POST", "/api/orders", "", "Content-Type", "application/json", []byte("{\"a\":\"\xff\"}"))
	f.Add("DELETE", "/api/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6", "", "X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", []byte(nil))
	f.Add("PATCH", "/api/orders/x", "a=%zz&b=1;c=2&=&&x", "Idempotency-Key", "k1,k2", []byte("\x00\x01\x02"))
	f.Add("GET", "/api/orders/a%2Fb", "", "", "", []byte(nil))
	f.Add("GET", "/api/orders/%2e%2e", "", "", "", []byte(nil))
	f.Add("GET", "/%61pi/orders", "", "", "", []byte(nil))
	f.Add("GET", "/api/orders/caf%C3%A9%20%F0%9F%98%80", "q=%C3%A9%ff", "", "", []byte(nil))
	f.Add("GET", "/api/orders/", "", "", "", []byte(nil))
	f.Add("GET", "/api//orders", "", "", "", []byte(nil))
	f.Add("GET", "/api/orders/../orders", "", "", "", []byte(nil))
	f.Add("GET", "/api/orders/a/b", "", "", "", []byte(nil))
	f.Add("GET", "/api/customers", "", "", "", []byte(nil))
	f.Add("GET", "/", "", "", "", []byte(nil))
	f.Add("CONNECT", "/api/orders/a/../b", "", "", "", []byte(nil))
	f.Add("OPTIONS", "*", "", "", "", []byte(nil))
	f.Add("GET", "/api/orders", "", "X-Forwarded-Proto", "https", []byte(nil))
	f.Add("GET", "/api/orders", "", "Transfer-Encoding", "chunked", []byte("0\r\n\r\n"))

	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	require.NoError(f, err)
	fn := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: "ok"}}
	gw := gateway.New(doc, fn.invoke, gateway.Options{Stage: "dev", FunctionName: "Fn"})

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

		if request.RequestURI == "*" {
			// ServeMux answers OPTIONS * (or any method on *) itself.
			require.Empty(t, fn.events)
			require.Equal(t, http.StatusBadRequest, rec.Code)
			return
		}
		escaped := request.URL.EscapedPath()
		if request.Method != http.MethodConnect && cleanEscapedPath(escaped) != escaped {
			require.Empty(t, fn.events, "an unclean path is redirected, not invoked: %q", target)
			require.Equal(t, http.StatusTemporaryRedirect, rec.Code, "an unclean path is redirected: %q", target)
			return
		}
		template, params := fuzzRoute(escaped)
		if template == "" {
			require.Empty(t, fn.events, "the function never sees an unknown path: %q", target)
			require.Equal(t, http.StatusNotFound, rec.Code, "%q: %s", target, rec.Body)
			require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			var p map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
			require.EqualValues(t, http.StatusNotFound, p["status"])
			return
		}

		require.Len(t, fn.events, 1, "a known path reaches the function: %s %q", request.Method, target)
		require.Equal(t, http.StatusOK, rec.Code, "the function's answer is passed on")
		require.Equal(t, "ok", rec.Body.String())

		e := fn.events[0]
		require.Equal(t, request.Method, e.HTTPMethod)
		require.Equal(t, request.URL.Path, e.Path, "the path as the client sent it")
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
