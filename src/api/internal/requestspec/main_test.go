package main

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"math"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parse(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(doc), &m))
	return m
}

// The request side keeps what validation reads, security included, and
// only the components that requests reference.
func TestRequestSide(t *testing.T) {
	t.Parallel()
	doc := parse(t, `{
	  "openapi": "3.0.3", "info": {"title": "T", "version": "1", "description": "d"},
	  "servers": [{"url": "/"}], "security": [{"key": []}], "x-amazon-apigateway-request-validators": {},
	  "paths": {
	    "/a/{id}": {
	      "parameters": [{"name": "id", "in": "path", "required": true, "description": "d", "schema": {"type": "string", "format": "uuid"}}],
	      "x-amazon-apigateway-any-method": {},
	      "post": {"operationId": "create", "tags": ["a"], "summary": "s",
	        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
	        "responses": {"200": {"$ref": "#/components/responses/Out"}}}
	    },
	    "/docs": {"get": {"tags": ["docs"], "responses": {}}}
	  },
	  "components": {
	    "schemas": {
	      "In": {"type": "object", "description": "d", "properties": {
	        "description": {"type": "string", "title": "t", "maxLength": 20},
	        "kind": {"$ref": "#/components/schemas/Kind"}}},
	      "Kind": {"type": "object", "enum": [{"description": "a value, not documentation"}]},
	      "Out": {"type": "object"}
	    },
	    "responses": {"Out": {"description": "d"}},
	    "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}
	  }
	}`)
	got, err := requestSide(doc, []string{"docs"})
	require.NoError(t, err)
	raw, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, `{
	  "openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "security": [{"key": []}],
	  "paths": {
	    "/a/{id}": {
	      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
	      "post": {"operationId": "create",
	        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
	        "responses": {"default": {"description": ""}}}
	    }
	  },
	  "components": {
	    "schemas": {
	      "In": {"type": "object", "properties": {
	        "description": {"type": "string", "maxLength": 20},
	        "kind": {"$ref": "#/components/schemas/Kind"}}},
	      "Kind": {"type": "object", "enum": [{"description": "a value, not documentation"}]}
	    },
	    "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}
	  }
	}`, string(raw))
}

// A member it does not know fails generation instead of being dropped.
func TestUnknownMembersFail(t *testing.T) {
	t.Parallel()
	for name, doc := range map[string]string{
		"document":   `{"openapi": "3.1.0", "webhooks": {}, "paths": {}}`,
		"path":       `{"openapi": "3.0.3", "paths": {"/a": {"$ref": "#/x", "get": {"responses": {}}}}}`,
		"operation":  `{"openapi": "3.0.3", "paths": {"/a": {"get": {"responses": {}, "x-ok": 1, "requestBodyV2": {}}}}}`,
		"components": `{"openapi": "3.0.3", "paths": {}, "components": {"pathItems": {}}}`,
	} {
		_, err := requestSide(parse(t, doc), nil)
		assert.ErrorContains(t, err, "teach internal/requestspec", name)
	}
}

// goSource writes a value reached twice once, as a variable, a schema that
// contains itself included, and the values JSON decodes into any.
func TestGoSourceSharesWhatIsReachedTwice(t *testing.T) {
	t.Parallel()
	spec, err := load([]byte(`{
	  "openapi": "3.0.3", "info": {"title": "T", "version": "1"},
	  "paths": {"/a": {"post": {
	    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}},
	    "responses": {"default": {"description": ""}}}}},
	  "components": {"schemas": {"Node": {
	    "type": "object", "nullable": true, "default": {"n": [1.5, "x", true, null]},
	    "properties": {"next": {"$ref": "#/components/schemas/Node"}}}}}
	}`))
	require.NoError(t, err)
	code, err := goSource("api", spec)
	require.NoError(t, err)
	_, err = parser.ParseFile(token.NewFileSet(), "requests.gen.go", code, parser.AllErrors)
	require.NoError(t, err, "%s", code)
	src := string(code)
	assert.Equal(t, 1, strings.Count(src, "v1 := new(openapi3.Schema)"), "the schema is one variable:\n%s", src)
	assert.Equal(t, 2, strings.Count(src, "Ref:   \"#/components/schemas/Node\""), "its two references, resolved to it:\n%s", src)
	assert.Contains(t, src, `"n": []any{float64(1.5), "x", true, nil}`)
}

// goSource refuses a value it cannot write, rather than leave it out.
func TestGoSourceRefusesWhatItCannotWrite(t *testing.T) {
	t.Parallel()
	e := &emitter{uses: map[uintptr]int{}, names: map[uintptr]string{}}
	_, err := e.expr(reflect.ValueOf(url.URL{Path: "/"}))
	require.Error(t, err)
	_, err = e.expr(reflect.ValueOf(map[string]any{"n": math.NaN()}))
	require.Error(t, err)
}
