package httpapi_test

import (
	"context"
	"encoding/json/jsontext"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api/openapi"
	"github.com/go-sam-blueprint/orders/src/orders/orderstest"
	"github.com/go-sam-blueprint/orders/src/platform/caller"
)

// The function links no OpenAPI library: it decodes bodies strictly into
// the generated types, binds parameters to theirs, and keeps the domain's
// rules, which api.yaml states. This holds that to the spec itself: for
// any request, the function refuses it if and only if kin-openapi,
// validating against the whole of api.yaml, does. The function is
// stricter on purpose in two ways only: JSON that encoding/json would read
// leniently (invalid UTF-8, a lone surrogate, a member twice, a whole
// number written 1.0 or 1e2) is refused, and so is a query parameter sent
// twice, of which kin-openapi reads the first (docs/validation-and-errors.md).
func FuzzVerdictsAgreeWithTheSpec(f *testing.F) {
	const id = "/api/orders/" + knownID
	for _, seed := range []struct{ method, target, key, body string }{
		{"POST", "/api/orders", "", `{"customer_name":"Ada","order_item_count":3}`},
		{"POST", "/api/orders", "k-1", `{"customer_name":"Ada","order_item_count":3}`},
		{"POST", "/api/orders", strings.Repeat("k", 256), `{"customer_name":"Ada","order_item_count":3}`},
		{"POST", "/api/orders", "", `{"customer_name":"","order_item_count":3}`},
		{"POST", "/api/orders", "", `{"customer_name":"abcdefghijklmnopqrstu","order_item_count":3}`},
		{"POST", "/api/orders", "", `{"customer_name":"Zoë 😀","order_item_count":1000}`},
		{"POST", "/api/orders", "", `{"customer_name":"Ada","order_item_count":0}`},
		{"POST", "/api/orders", "", `{"customer_name":"Ada","order_item_count":1001}`},
		{"POST", "/api/orders", "", `{"customer_name":"Ada","order_item_count":"3"}`},
		{"POST", "/api/orders", "", `{"customer_name":"Ada","order_item_count":3,"x":1}`},
		{"POST", "/api/orders", "", `{"Customer_Name":"Ada","order_item_count":3}`},
		{"POST", "/api/orders", "", `{"customer_name":null,"order_item_count":3}`},
		{"POST", "/api/orders", "", `{"order_item_count":3}`},
		{"POST", "/api/orders", "", `[]`},
		{"POST", "/api/orders", "", `null`},
		{"POST", "/api/orders", "", ``},
		{"POST", "/api/orders", "", `{"customer_name":"Ada","order_item_count":99999999999999999999}`},
		{"GET", "/api/orders", "", ``},
		{"GET", "/api/orders?limit=1", "", ``},
		{"GET", "/api/orders?limit=100", "", ``},
		{"GET", "/api/orders?limit=0", "", ``},
		{"GET", "/api/orders?limit=101", "", ``},
		{"GET", "/api/orders?limit=ten", "", ``},
		{"GET", "/api/orders?limit=1.5", "", ``},
		{"GET", "/api/orders?next_token=", "", ``},
		{"GET", "/api/orders?next_token=" + strings.Repeat("x", 1025), "", ``},
		{"GET", id, "", ``},
		{"GET", "/api/orders/abc", "", ``},
		{"GET", id + "x", "", ``},
		{"DELETE", id, "", ``},
		{"DELETE", "/api/orders/12345", "", ``},
		{"PUT", "/api/orders", "", ``},
		{"GET", "/api/customers", "", ``},
		{"GET", "/api/orders/" + strings.ReplaceAll(knownID, "-", ""), "", ``},
		{"GET", "/api/orders/%7B" + knownID + "%7D", "", ``},
		{"DELETE", "/api/orders/urn:uuid:" + knownID, "", ``},
		{"GET", "/api/ord%65rs", "", ``},
		{"GET", "/api/orders/" + knownID[:8] + "%2D" + knownID[9:], "", ``},
		{"GET", "/api/orders?limit=1&limit=2", "", ``},
		{"GET", "/api/orders?next_token=" + strings.Repeat("%C3%A9", 600), "", ``},
		{"GET", "/api/orders?next_token=" + strings.Repeat("%C3%A9", 1025), "", ``},
		{"POST", "/api/orders", strings.Repeat("é", 200), `{"customer_name":"Ada","order_item_count":3}`},
		{"POST", "/api/orders", strings.Repeat("é", 256), `{"customer_name":"Ada","order_item_count":3}`},
	} {
		f.Add(seed.method, seed.target, seed.key, seed.body)
	}
	spec, err := openapi.Document()
	require.NoError(f, err)
	// The docs function's paths are not the orders function's.
	for path := range spec.Paths.Map() {
		if !strings.HasPrefix(path, "/api/orders") {
			spec.Paths.Delete(path)
		}
	}
	spec.Servers = nil
	router, err := gorillamux.NewRouter(spec)
	require.NoError(f, err)
	h, _ := newHandler(f)

	f.Fuzz(func(t *testing.T, method, target, key, body string) {
		newRequest := func() *http.Request {
			req, err := http.NewRequestWithContext(caller.NewContext(context.Background(), claimsOf(orderstest.Alice)), method, target, strings.NewReader(body))
			// A request line carries its target as sent: one that would need
			// escaping first (a space, a byte over 0x7f) is not one.
			if err != nil || !strings.HasPrefix(req.URL.Path, "/") || req.URL.RequestURI() != target || key != strings.TrimSpace(key) || strings.ContainsAny(key, "\r\n\x00") {
				t.Skip("not a request a client can send")
			}
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if key != "" {
				req.Header.Set("Idempotency-Key", key)
			}
			return req
		}
		if strings.Contains(strings.ToLower(target), "%2f") {
			t.Skip("an escaped slash: routers disagree on it, and API Gateway's is not documented")
		}
		// The spec's router matches the path as sent; the function's, as
		// RFC 3986 has it, with escaped unreserved characters unescaped
		// (/api/ord%65rs is /api/orders). Both are given the latter.
		specRequest := newRequest()
		specRequest.URL.RawPath = ""
		want := specVerdict(t, router, specRequest)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, newRequest())
		got := rec.Code
		t.Logf("%s %s %q %s: spec %d, function %d %s", method, target, key, body, want, got, rec.Body)

		refused := got == http.StatusBadRequest && !strings.Contains(rec.Body.String(), "invalid-next-token") || got == http.StatusUnprocessableEntity && strings.Contains(rec.Body.String(), "validation-error")
		switch want {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			require.Equal(t, want, got, "the spec has no such route")
		case http.StatusBadRequest:
			require.True(t, refused, "the spec refuses it; the function answered %d %s", got, rec.Body)
		default:
			if refused && stricterOnPurpose(target, body) {
				return
			}
			require.False(t, refused, "the spec accepts it; the function refused it: %s", rec.Body)
		}
	})
}

// specVerdict is kin-openapi's verdict on req against spec: 404 or 405
// for a route it lacks, 400 for a request that fails it, else 200.
func specVerdict(t *testing.T, router routers.Router, req *http.Request) int {
	t.Helper()
	route, params, err := router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return http.StatusMethodNotAllowed
	case err != nil:
		return http.StatusNotFound
	}
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi.Formats()},
		},
	})
	if err != nil {
		t.Logf("spec: %v", err)
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// wholeWithFraction finds a number written with a fraction or an exponent.
var wholeWithFraction = regexp.MustCompile(`\d[.eE]`)

// stricterOnPurpose reports whether the function refuses the request on
// purpose although the spec takes it: a body that is JSON only to a
// lenient reader, or a query parameter sent twice.
func stricterOnPurpose(target, body string) bool {
	if body != "" && (!jsontext.Value(body).IsValid() || wholeWithFraction.MatchString(body)) {
		return true
	}
	u, err := url.Parse(target)
	if err != nil {
		return false
	}
	for _, values := range u.Query() {
		if len(values) > 1 {
			return true
		}
	}
	return false
}
