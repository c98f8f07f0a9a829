package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
)

// Spec reads the same document as GetSpec, references resolved.
func TestSpecIsGetSpec(t *testing.T) {
	t.Parallel()
	fast, err := api.Spec()
	require.NoError(t, err)
	slow, err := api.GetSpec()
	require.NoError(t, err)
	a, err := json.Marshal(fast)
	require.NoError(t, err)
	b, err := json.Marshal(slow)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(a))
	require.NotNil(t, fast.Paths.Find("/api/orders").Post.RequestBody.Value, "references are resolved")
}

// RequestSpec builds the document that decoding requests.json and
// resolving its references makes, value for value, without doing either.
func TestRequestSpecIsRequestsJSON(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("requests.json")
	require.NoError(t, err)
	var decoded openapi3.T
	require.NoError(t, json.Unmarshal(raw, &decoded))
	require.NoError(t, openapi3.NewLoader().ResolveRefsIn(&decoded, nil))
	built, err := api.RequestSpec()
	require.NoError(t, err)
	sameValue(t, reflect.ValueOf(&decoded), reflect.ValueOf(built), "T", map[[2]uintptr]bool{})
	require.NotNil(t, built.Paths.Find("/api/orders").Post.RequestBody.Value.Content.Get("application/json").Schema.Value, "references are resolved")
	again, err := api.RequestSpec()
	require.NoError(t, err)
	assert.NotSame(t, built, again, "each call builds a document of its own")
}

// sameValue fails t where a and b differ, unexported fields included, but
// for refPath, where the loader noted the file a reference came from.
// Pointers reached twice in a are reached twice in b.
func sameValue(t *testing.T, a, b reflect.Value, path string, seen map[[2]uintptr]bool) {
	t.Helper()
	if !assert.Equal(t, a.Kind(), b.Kind(), path) {
		return
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !assert.Equal(t, a.IsNil(), b.IsNil(), path) || a.IsNil() {
			return
		}
		if a.Kind() == reflect.Pointer {
			pair := [2]uintptr{a.Pointer(), b.Pointer()}
			if seen[pair] {
				return
			}
			seen[pair] = true
		}
		sameValue(t, a.Elem(), b.Elem(), path, seen)
	case reflect.Struct:
		for i := range a.NumField() {
			if f := a.Type().Field(i); f.Name != "refPath" {
				sameValue(t, a.Field(i), b.Field(i), path+"."+f.Name, seen)
			}
		}
	case reflect.Map:
		if !assert.Equal(t, a.IsNil(), b.IsNil(), path) || !assert.Equal(t, a.Len(), b.Len(), path) {
			return
		}
		for _, k := range a.MapKeys() {
			if assert.True(t, b.MapIndex(k).IsValid(), "%s[%v]", path, k) {
				sameValue(t, a.MapIndex(k), b.MapIndex(k), fmt.Sprintf("%s[%v]", path, k), seen)
			}
		}
	case reflect.Slice:
		if !assert.Equal(t, a.IsNil(), b.IsNil(), path) || !assert.Equal(t, a.Len(), b.Len(), path) {
			return
		}
		for i := range a.Len() {
			sameValue(t, a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i), seen)
		}
	case reflect.String:
		assert.Equal(t, a.String(), b.String(), path)
	case reflect.Bool:
		assert.Equal(t, a.Bool(), b.Bool(), path)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		assert.Equal(t, a.Int(), b.Int(), path)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		assert.Equal(t, a.Uint(), b.Uint(), path)
	case reflect.Float32, reflect.Float64:
		assert.InDelta(t, a.Float(), b.Float(), 0, path)
	default:
		t.Errorf("%s: cannot compare a %s", path, a.Kind())
	}
}

// RequestSpec has every operation of Spec, and a request passes or fails
// validation against it exactly as against Spec, field by field.
func TestRequestSpecValidatesAsSpec(t *testing.T) {
	t.Parallel()
	full, err := api.Spec()
	require.NoError(t, err)
	req, err := api.RequestSpec()
	require.NoError(t, err)
	assert.Equal(t, operations(full), operations(req))

	uuid := "/api/orders/3f2a1c9e-8b7d-4e6f-a5c4-1b2d3e4f5a6b"
	create := func(name string, count string) string {
		return `{"customer_name":"` + name + `","order_item_count":` + count + `}`
	}
	tests := []struct {
		method, target, body string
		header               http.Header
	}{
		{http.MethodPost, "/api/orders", `{"customer_name":"Ada","order_item_count":2}`, nil},
		{http.MethodPost, "/api/orders", create(strings.Repeat("n", 20), "1000"), nil},
		{http.MethodPost, "/api/orders", create(strings.Repeat("n", 21), "1001"), nil},
		{http.MethodPost, "/api/orders", `null`, nil},
		{http.MethodPost, "/api/orders", `[]`, nil},
		{http.MethodPost, "/api/orders", create("Ada", "2"), http.Header{"Idempotency-Key": {"8e03978e-40d5-43e8-bc93-6894a57f9324"}}},
		{http.MethodPost, "/api/orders", create("Ada", "2"), http.Header{"Content-Type": {"text/plain"}}},
		{http.MethodPost, "/api/orders", `{"customer_name":"","order_item_count":0,"extra":1}`, nil},
		{http.MethodPost, "/api/orders", `{"customer_name":"Ada","order_item_count":1.5}`, nil},
		{http.MethodPost, "/api/orders", `{"order_item_count":"two"}`, nil},
		{http.MethodPost, "/api/orders", `{"customer_name":"Ada","order_item_count":2}`, http.Header{"Idempotency-Key": {""}}},
		{http.MethodPost, "/api/orders", `{"customer_name":"Ada","order_item_count":2}`, http.Header{"Idempotency-Key": {strings.Repeat("k", 256)}}},
		{http.MethodGet, "/api/orders?limit=10&next_token=abc", "", nil},
		{http.MethodGet, "/api/orders?limit=0", "", nil},
		{http.MethodGet, "/api/orders?limit=100&next_token=" + strings.Repeat("t", 1024), "", nil},
		{http.MethodGet, "/api/orders?limit=101&next_token=" + strings.Repeat("t", 1025), "", nil},
		{http.MethodGet, "/api/orders?limit=ten&next_token=", "", nil},
		{http.MethodGet, uuid, "", nil},
		{http.MethodDelete, "/api/orders/not-a-uuid", "", nil},
		{http.MethodPut, uuid, "", nil},
		{http.MethodPost, "/api/orders", "", nil},
		{http.MethodPut, "/api/orders", "", nil},
		{http.MethodGet, "/api/nothing", "", nil},
		// The docs' paths are the docs function's, left out of both (Spec
		// keeps their paths without operations: a 405 there, a 404 here).
	}
	for _, tt := range tests {
		want := validate(t, full, tt.method, tt.target, tt.body, tt.header)
		got := validate(t, req, tt.method, tt.target, tt.body, tt.header)
		assert.Equal(t, want, got, "%s %s %s", tt.method, tt.target, tt.body)
	}
}

// operations lists a spec's operations as "METHOD path".
func operations(spec *openapi3.T) []string {
	var out []string
	for path, item := range spec.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// validate is kin-openapi's verdict on a request, as the handler reads it:
// "ok", or each failure's place and failing keyword. (The messages differ:
// they quote the schema, descriptions included.)
func validate(t *testing.T, spec *openapi3.T, method, target, body string, header http.Header) []string {
	t.Helper()
	router, err := gorillamux.NewRouter(spec)
	require.NoError(t, err)
	r := httptest.NewRequestWithContext(context.Background(), method, "http://localhost"+target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	maps.Copy(r.Header, header)
	route, params, err := router.FindRoute(r)
	if err != nil {
		return []string{"route: " + err.Error()}
	}
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	})
	if err == nil {
		return []string{"ok"}
	}
	var out []string
	var walk func(where string, err error)
	walk = func(where string, err error) {
		switch e := err.(type) { //nolint:errorlint // The tree's own types, as the handler reads them.
		case openapi3.MultiError:
			for _, inner := range e {
				walk(where, inner)
			}
		case *openapi3filter.RequestError:
			if e.Parameter != nil {
				where = "parameter " + e.Parameter.Name
			}
			walk(where, e.Err)
		case *openapi3.SchemaError:
			out = append(out, fmt.Sprintf("%s %v: %s", where, e.JSONPointer(), e.SchemaField))
		default:
			out = append(out, fmt.Sprintf("%s: %T", where, err))
		}
	}
	walk("body", err)
	slices.Sort(out)
	return out
}

func BenchmarkSpec(b *testing.B) {
	for range b.N {
		if _, err := api.Spec(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetSpec(b *testing.B) {
	for range b.N {
		if _, err := api.GetSpec(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRequestSpec(b *testing.B) {
	for range b.N {
		if _, err := api.RequestSpec(); err != nil {
			b.Fatal(err)
		}
	}
}
