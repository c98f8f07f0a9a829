package smoke_test

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/api/openapi"
	"github.com/go-sam-blueprint/orders/src/platform/apidocs"
	"github.com/go-sam-blueprint/orders/tests/contract"
)

// answer is one response, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// ask sends a request to the API under test with the caller's token, its
// answer checked against api.yaml, and reads the answer.
func ask(t *testing.T, method, path, contentType, body string) answer {
	t.Helper()
	return askAs(t, "Bearer "+token, method, path, contentType, body)
}

// askAs is ask with authorization as the Authorization header; "" sends
// none.
func askAs(t *testing.T, authorization, method, path, contentType, body string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, baseURL+path, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := contract.Checked(t, baseURL).Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// problem reads an answer's problem document, and checks what every
// problem carries deployed: the gateway's request id as its instance, and
// headers that keep it out of caches and sniffers.
func (a answer) problem(t *testing.T) api.Problem {
	t.Helper()
	assert.Equal(t, "application/problem+json", a.header.Get("Content-Type"))
	var p api.Problem
	require.NoError(t, json.Unmarshal(a.body, &p), "%s", a.body)
	assert.Equal(t, a.status, p.Status)
	requestID := a.header.Get("X-Amzn-RequestId")
	require.NotEmpty(t, requestID, "API Gateway names every request")
	require.NotNil(t, p.Instance)
	assert.Equal(t, requestID, *p.Instance, "the id to quote is the gateway's")
	assert.Equal(t, "nosniff", a.header.Get("X-Content-Type-Options"))
	assert.Equal(t, "no-store", a.header.Get("Cache-Control"))
	return p
}

// The edge answers a request for which the API has no method itself,
// with the gateway response api.yaml gives MISSING_AUTHENTICATION_TOKEN;
// the functions answer what reaches a resource. Which layer answered shows
// in x-amzn-ErrorType, which API Gateway sets on its own answers only.
func TestWhoAnswers(t *testing.T) {
	t.Parallel()
	const (
		noRoute = "MissingAuthenticationTokenException"
		noToken = "UnauthorizedException"
	)
	bearer := "Bearer " + token
	tests := []struct {
		name, authorization, method, path string
		status                            int
		errorType                         string // x-amzn-ErrorType: set by the edge, empty from a function
		allow                             string
	}{
		// Without a token: an unknown route carrying one is answered
		// otherwise by AWS, as a signature it cannot parse (docs/auth.md).
		{"unknown path", "", http.MethodGet, "/api/nothing", http.StatusNotFound, noRoute, ""},
		{"a method the docs lack", "", http.MethodPost, "/swagger", http.StatusNotFound, noRoute, ""},
		{"no token", "", http.MethodGet, "/api/orders", http.StatusUnauthorized, noToken, ""},
		{"a token the pool never issued", "Bearer not.a.token", http.MethodGet, "/api/orders", http.StatusUnauthorized, noToken, ""},
		{"a method the orders lack", bearer, http.MethodPut, "/api/orders", http.StatusMethodNotAllowed, "", "GET, HEAD, POST"},
		{"a trailing slash, routed, not redirected", bearer, http.MethodGet, "/api/orders/", http.StatusNotFound, "", ""},
		{"an unknown order", bearer, http.MethodGet, "/api/orders/" + uuid.NewString(), http.StatusNotFound, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := askAs(t, tt.authorization, tt.method, tt.path, "", "")
			require.Equal(t, tt.status, a.status, "%s", a.body)
			p := a.problem(t)
			assert.Equal(t, "about:blank", p.Type)
			assert.Equal(t, tt.errorType, a.header.Get("X-Amzn-ErrorType"))
			assert.Equal(t, tt.allow, a.header.Get("Allow"))
			if tt.status == http.StatusUnauthorized {
				assert.Equal(t, "Bearer", a.header.Get("WWW-Authenticate"))
			}
		})
	}
}

// A bad create is the function's answer: each failing field named, and
// nothing the client sent quoted back.
func TestBadCreates(t *testing.T) {
	t.Parallel()
	const secret = "SMOKE-SECRET-VALUE"
	tests := []struct {
		name, contentType, body string
		status                  int
		typ                     string
		pointers                []string
	}{
		{
			name: "breaks the schema", contentType: "application/json",
			body:   `{"customer_name":"` + strings.Repeat(secret, 4) + `","order_item_count":0}`,
			status: http.StatusUnprocessableEntity, typ: "validation-error",
			pointers: []string{"#/customer_name", "#/order_item_count"},
		},
		{
			name: "a value of another type", contentType: "application/json",
			body:   `{"customer_name":"Ada","order_item_count":"` + secret + `"}`,
			status: http.StatusUnprocessableEntity, typ: "validation-error",
			pointers: []string{"#/order_item_count"},
		},
		{
			name: "not JSON", contentType: "application/json", body: `{"customer_name": ` + secret,
			status: http.StatusBadRequest, typ: "invalid-json",
		},
		{
			name: "not application/json", contentType: "text/plain", body: secret,
			status: http.StatusUnsupportedMediaType, typ: "about:blank",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := ask(t, http.MethodPost, "/api/orders", tt.contentType, tt.body)
			require.Equal(t, tt.status, a.status, "%s", a.body)
			p := a.problem(t)
			assert.True(t, strings.HasSuffix(p.Type, tt.typ), "type %q", p.Type)
			assert.Empty(t, a.header.Get("X-Amzn-ErrorType"), "the function answered, not the edge")
			assert.NotContains(t, string(a.body), secret)
			var pointers []string
			if p.Errors != nil {
				for _, e := range *p.Errors {
					if e.Pointer != nil {
						pointers = append(pointers, *e.Pointer)
					}
				}
			}
			assert.ElementsMatch(t, tt.pointers, pointers)
		})
	}
}

// The docs function serves this commit's spec and its page.
func TestDocs(t *testing.T) {
	t.Parallel()
	// The served spec is the client's: api.yaml's operations but the
	// docs' own and the CORS preflights.
	spec, err := openapi.Document()
	require.NoError(t, err)
	var want []string
	for path, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			if !slices.Contains(op.Tags, apidocs.Tag) && !slices.Contains(op.Tags, apidocs.PreflightTag) {
				want = append(want, path)
				break
			}
		}
	}

	// The docs are public: no token.
	served := askAs(t, "", http.MethodGet, "/swagger.json", "", "")
	require.Equal(t, http.StatusOK, served.status)
	var doc struct {
		Info struct {
			Version string `json:"version"`
		} `json:"info"`
		Paths map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(served.body, &doc))
	assert.Equal(t, spec.Info.Version, doc.Info.Version, "the deployed spec is this commit's")
	assert.ElementsMatch(t, want, slices.Collect(maps.Keys(doc.Paths)))

	page := askAs(t, "", http.MethodGet, "/swagger", "", "")
	require.Equal(t, http.StatusOK, page.status)
	assert.Contains(t, page.header.Get("Content-Type"), "text/html")
	assert.Contains(t, string(page.body), `id="swagger-ui"`)
}

// One order through every operation that writes or reads it, by the
// generated client; the order is deleted at the end, as it would be if
// the test failed half-way.
func TestOrderRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := contract.Client(t, baseURL, contract.Bearer(token))

	key := uuid.NewString()
	created, err := c.CreateOrderWithResponse(ctx, &api.CreateOrderParams{IdempotencyKey: &key},
		api.CreateOrderRequest{CustomerName: "Smoke test", OrderItemCount: 1})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, created.StatusCode(), "%s", created.Body)
	id := created.JSON200.Id
	t.Cleanup(func() {
		_, _ = c.DeleteOrderWithResponse(context.Background(), id)
	})

	got, err := c.GetOrderWithResponse(ctx, id)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, got.StatusCode(), "%s", got.Body)
	assert.Equal(t, *created.JSON200, *got.JSON200)

	deleted, err := c.DeleteOrderWithResponse(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, deleted.StatusCode(), "%s", deleted.Body)

	gone, err := c.GetOrderWithResponse(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, gone.StatusCode(), "%s", gone.Body)
}
