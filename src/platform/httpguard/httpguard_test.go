package httpguard_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/httpguard"
	"github.com/go-sam-blueprint/orders/src/platform/problem"
)

// thing is a small API's request body, as oapi-codegen would generate it.
type thing struct {
	Name  string `json:"name"`
	Count *int   `json:"count,omitempty"`
}

// guarded is a small API of echo handlers behind every guard, as a
// service puts them: what the guards are held to, apart from any service.
func guarded(t *testing.T) http.Handler {
	t.Helper()
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, _ = w.Write(body)
	})
	strict := httpguard.StrictBodies(map[string]func() any{"POST /things": func() any { return new(thing) }})
	bodies := httpguard.JSONBodies(128)
	mux := http.NewServeMux()
	mux.Handle("POST /things", bodies(strict(echo)))
	mux.Handle("GET /things/{id}", bodies(strict(echo)))
	return httpguard.SecureHeaders(httpguard.HeadAsGet(httpguard.Routes(mux)))
}

type answer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, h http.Handler, method, target, contentType, body string) answer {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return answer{rec.Code, rec.Header(), rec.Body.String()}
}

func TestGuards(t *testing.T) {
	t.Parallel()
	h := guarded(t)
	tests := []struct {
		name, method, target, contentType, body string
		status                                  int
		typ                                     string
		fields                                  []problem.Field
	}{
		{name: "valid", method: "POST", target: "/things", contentType: "application/json", body: `{"name":"ab"}`, status: 200},
		{name: "no content type is JSON", method: "POST", target: "/things", body: `{"name":"ab"}`, status: 200},
		{name: "charset is fine", method: "POST", target: "/things", contentType: "application/json; charset=utf-8", body: `{"name":"ab"}`, status: 200},
		{name: "another media type", method: "POST", target: "/things", contentType: "text/plain", body: `{"name":"ab"}`, status: 415, typ: "about:blank"},
		{name: "too large", method: "POST", target: "/things", body: `{"name":"` + strings.Repeat("a", 128) + `"}`, status: 413, typ: "about:blank"},
		{name: "not JSON", method: "POST", target: "/things", body: `{"name":`, status: 400, typ: problem.TypeInvalidJSON},
		{name: "no body", method: "POST", target: "/things", status: 400, typ: problem.TypeInvalidJSON},
		{name: "a member twice", method: "POST", target: "/things", body: `{"name":"a","name":"b"}`, status: 400, typ: problem.TypeInvalidJSON},
		{name: "another charset", method: "POST", target: "/things", contentType: "application/json; charset=latin1", body: `{"name":"ab"}`, status: 415, typ: "about:blank"},
		{name: "charset in capitals is fine", method: "POST", target: "/things", contentType: "application/json; charset=UTF-8", body: `{"name":"ab"}`, status: 200},
		// Issue 15, finding 3: text that encoding/json would silently turn
		// into U+FFFD is refused, naming the member it is in.
		{name: "invalid UTF-8", method: "POST", target: "/things", body: "{\"name\":\"\xff\"}", status: 400, typ: problem.TypeInvalidJSON, fields: []problem.Field{
			{Pointer: "#/name", Detail: "is not valid UTF-8"},
		}},
		{name: "Latin-1", method: "POST", target: "/things", body: "{\"name\":\"Ren\xe9e\"}", status: 400, typ: problem.TypeInvalidJSON, fields: []problem.Field{
			{Pointer: "#/name", Detail: "is not valid UTF-8"},
		}},
		{name: "invalid UTF-8 in a member name", method: "POST", target: "/things", body: "{\"n\xffme\":\"a\"}", status: 400, typ: problem.TypeInvalidJSON, fields: []problem.Field{
			{Pointer: "#", Detail: "is not valid UTF-8"},
		}},
		{name: "invalid UTF-8, and more after the value", method: "POST", target: "/things", body: "{\"name\":\"\xf0\"}0", status: 400, typ: problem.TypeInvalidJSON, fields: []problem.Field{
			{Pointer: "#/name", Detail: "is not valid UTF-8"},
		}},
		{name: "invalid UTF-8 outside a string", method: "POST", target: "/things", body: "{\"name\":\"a\"\xff}", status: 400, typ: problem.TypeInvalidJSON},
		{name: "a lone low surrogate", method: "POST", target: "/things", body: `{"name":"Zo\udc00"}`, status: 400, typ: problem.TypeInvalidJSON, fields: []problem.Field{
			{Pointer: "#/name", Detail: "holds half of a UTF-16 surrogate pair (a \\uD800 to \\uDFFF escape without its other half), which stands for no character"},
		}},
		{name: "a lone high surrogate", method: "POST", target: "/things", body: `{"name":"\uD83D!"}`, status: 400, typ: problem.TypeInvalidJSON, fields: []problem.Field{
			{Pointer: "#/name", Detail: "holds half of a UTF-16 surrogate pair (a \\uD800 to \\uDFFF escape without its other half), which stands for no character"},
		}},
		{name: "a high surrogate at the end", method: "POST", target: "/things", body: `{"name":"\ud83d"}`, status: 400, typ: problem.TypeInvalidJSON, fields: []problem.Field{
			{Pointer: "#/name", Detail: "holds half of a UTF-16 surrogate pair (a \\uD800 to \\uDFFF escape without its other half), which stands for no character"},
		}},
		{name: "two high surrogates", method: "POST", target: "/things", body: `{"name":"\ud83d\ud83d"}`, status: 400, typ: problem.TypeInvalidJSON, fields: []problem.Field{
			{Pointer: "#/name", Detail: "holds half of a UTF-16 surrogate pair (a \\uD800 to \\uDFFF escape without its other half), which stands for no character"},
		}},
		{name: "a pair is a character", method: "POST", target: "/things", body: `{"name":"\ud83d\ude00"}`, status: 200},
		{name: "an escaped backslash is no escape", method: "POST", target: "/things", body: `{"name":"\\udc0"}`, status: 200},
		{name: "U+FFFD sent is kept", method: "POST", target: "/things", body: `{"name":"\ufffd"}`, status: 200},
		{name: "data after the value", method: "POST", target: "/things", body: `{"name":"a"} {}`, status: 400, typ: problem.TypeInvalidJSON},
		{name: "too deep", method: "POST", target: "/things", body: strings.Repeat("[", 33) + strings.Repeat("]", 33), status: 400, typ: problem.TypeInvalidJSON},
		// What the body's type does not hold exactly, which encoding/json
		// would drop or coerce.
		{name: "a member the type lacks", method: "POST", target: "/things", body: `{"name":"abcd","x":1}`, status: 422, typ: problem.TypeValidation, fields: []problem.Field{
			{Pointer: "#/x", Detail: "is not a member of this object"},
		}},
		{name: "a member's name in another case", method: "POST", target: "/things", body: `{"NAME":"a"}`, status: 422, typ: problem.TypeValidation, fields: []problem.Field{
			{Pointer: "#/NAME", Detail: "is not a member of this object"},
		}},
		{name: "a value of another type", method: "POST", target: "/things", body: `{"name":5}`, status: 422, typ: problem.TypeValidation, fields: []problem.Field{
			{Pointer: "#/name", Detail: "must be a string"},
		}},
		{name: "a number as a string", method: "POST", target: "/things", body: `{"name":"a","count":"1"}`, status: 422, typ: problem.TypeValidation, fields: []problem.Field{
			{Pointer: "#/count", Detail: "must be an integer"},
		}},
		{name: "an integer with a fraction", method: "POST", target: "/things", body: `{"name":"a","count":1.5}`, status: 422, typ: problem.TypeValidation, fields: []problem.Field{
			{Pointer: "#/count", Detail: "must be an integer"},
		}},
		{name: "an integer out of range", method: "POST", target: "/things", body: `{"name":"a","count":99999999999999999999}`, status: 422, typ: problem.TypeValidation, fields: []problem.Field{
			{Pointer: "#/count", Detail: "is out of range"},
		}},
		{name: "no object", method: "POST", target: "/things", body: `["abcd"]`, status: 422, typ: problem.TypeValidation, fields: []problem.Field{
			{Pointer: "#", Detail: "must be an object"},
		}},
		{name: "only the route's body is decoded", method: "GET", target: "/things/1", body: `{"x":1}`, status: 200},
		// Routes: what matches none is a problem, never ServeMux's text
		// or redirect.
		{name: "a trailing slash", method: "GET", target: "/things/1/", status: 404, typ: "about:blank"},
		{name: "a double slash", method: "GET", target: "//things/1", status: 404, typ: "about:blank"},
		{name: "a dot segment", method: "GET", target: "/things/../things/1", status: 404, typ: "about:blank"},
		{name: "no route, whatever the body", method: "POST", target: "/nothing", body: `{"name":`, status: 404, typ: "about:blank"},
		{name: "unknown path", method: "GET", target: "/nothing", status: 404, typ: "about:blank"},
		{name: "unknown method", method: "DELETE", target: "/things", status: 405, typ: "about:blank"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := do(t, h, tt.method, tt.target, tt.contentType, tt.body)
			require.Equal(t, tt.status, a.status, a.body)
			assert.Equal(t, "nosniff", a.header.Get("X-Content-Type-Options"), "every answer")
			assert.Equal(t, "no-store", a.header.Get("Cache-Control"), "every answer")
			if tt.status == http.StatusOK {
				return
			}
			assert.Equal(t, problem.ContentType, a.header.Get("Content-Type"))
			var p problem.Problem
			require.NoError(t, json.Unmarshal([]byte(a.body), &p))
			assert.Equal(t, tt.typ, p.Type)
			assert.Equal(t, tt.status, p.Status)
			assert.Equal(t, tt.fields, p.Errors)
			assert.NotContains(t, a.body, "abcd", "no submitted value is echoed")
		})
	}
	assert.Equal(t, "POST", do(t, h, "DELETE", "/things", "", "").header.Get("Allow"))
	assert.Equal(t, "GET, HEAD", do(t, h, "POST", "/things/1", "", "{}").header.Get("Allow"))
}

// HEAD is the GET without its body, wherever there is a GET.
func TestHeadAsGet(t *testing.T) {
	t.Parallel()
	h := guarded(t)
	get := do(t, h, http.MethodGet, "/things/1", "", "")
	head := do(t, h, http.MethodHead, "/things/1", "", "")
	require.Equal(t, http.StatusOK, head.status)
	assert.Empty(t, head.body)
	assert.Equal(t, strconv.Itoa(len(get.body)), head.header.Get("Content-Length"))

	noGet := do(t, h, http.MethodHead, "/things", "", "")
	assert.Equal(t, http.StatusMethodNotAllowed, noGet.status)
	assert.Empty(t, noGet.body)
	assert.Equal(t, "POST", noGet.header.Get("Allow"))
}

func TestHSTSOnlyOverHTTPS(t *testing.T) {
	t.Parallel()
	h := httpguard.SecureHeaders(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for proto, want := range map[string]string{"https": "max-age=31536000; includeSubDomains", "https, http": "max-age=31536000; includeSubDomains", "http": "", "": ""} {
		req := httptest.NewRequest(http.MethodGet, "/", http.NoBody)
		req.Header.Set("X-Forwarded-Proto", proto)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, want, rec.Header().Get("Strict-Transport-Security"), proto)
	}
}
