package httpguard_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/httpguard"
	"github.com/go-sam-blueprint/orders/src/platform/problem"
)

// spec is a small API: what the guards are held to, apart from any service.
const spec = `
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [name]
              properties:
                name: {type: string, maxLength: 3}
                count: {type: integer, minimum: 1}
      responses: {'200': {description: ok}}
  /things/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
        - {name: limit, in: query, schema: {type: integer, maximum: 10}}
      responses: {'200': {description: ok}}
`

// guarded is an echo handler behind every guard, as a service puts them.
func guarded(t *testing.T) http.Handler {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	require.NoError(t, err)
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, _ = w.Write(body)
	})
	return httpguard.SecureHeaders(httpguard.JSONBodies(128)(httpguard.Validate(doc)(echo)))
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
	uuid := "3fa85f64-5717-4562-b3fc-2c963f66afa6"
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
		{name: "an escaped backslash is no escape", method: "POST", target: "/things", body: `{"name":"\\udc0"}`, status: 422, typ: problem.TypeValidation, fields: []problem.Field{
			{Pointer: "#/name", Detail: "must be at most 3 characters long"},
		}},
		{name: "U+FFFD sent is kept", method: "POST", target: "/things", body: `{"name":"\ufffd"}`, status: 200},
		{name: "data after the value", method: "POST", target: "/things", body: `{"name":"a"} {}`, status: 400, typ: problem.TypeInvalidJSON},
		{name: "too deep", method: "POST", target: "/things", body: strings.Repeat("[", 33) + strings.Repeat("]", 33), status: 400, typ: problem.TypeInvalidJSON},
		{name: "every failing field", method: "POST", target: "/things", body: `{"name":"abcd","count":0,"x":1}`, status: 422, typ: problem.TypeValidation, fields: []problem.Field{
			{Pointer: "#/count", Detail: "must be at least 1"},
			{Pointer: "#/name", Detail: "must be at most 3 characters long"},
			{Pointer: "#/x", Detail: "is not a known field"},
		}},
		{name: "a parameter", method: "GET", target: "/things/" + uuid + "?limit=11", status: 422, typ: problem.TypeValidation, fields: []problem.Field{
			{Parameter: "limit", Detail: "must be at most 10"},
		}},
		{name: "a parameter that is no number", method: "GET", target: "/things/" + uuid + "?limit=ten", status: 422, typ: problem.TypeValidation, fields: []problem.Field{
			{Parameter: "limit", Detail: "must be an integer"},
		}},
		{name: "a path id that is no UUID", method: "GET", target: "/things/nope", status: 422, typ: problem.TypeValidation, fields: []problem.Field{
			{Parameter: "id", Detail: "must be a valid uuid"},
		}},
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
