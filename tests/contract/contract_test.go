package contract_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/tests/contract"
)

// recorder stands in for a *testing.T: it keeps what the contract reports.
type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recorder) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

// The contract check can fail: a stand-in API answers each request with a
// canned answer, right or wrong, and the contract must report exactly the
// wrong ones.
func TestContractCatchesViolations(t *testing.T) {
	t.Parallel()
	const (
		orderID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
		order   = `{"id":"` + orderID + `","name":"Ada","item_count":3,"created_at":"2026-11-26T12:00:00Z","premium":false}`
		jsonCT  = "application/json"
		probCT  = "application/problem+json"
	)
	notFound := `{"type":"about:blank","title":"Not Found","status":404,"detail":"no such resource"}`
	tests := []struct {
		name         string
		method, path string
		status       int
		header       map[string]string
		body         string
		violation    []string // what the report must say; none for a valid answer
	}{
		// Valid answers pass.
		{
			name: "valid order", method: http.MethodGet, path: "/api/orders/" + orderID,
			status: 200, header: map[string]string{"Content-Type": jsonCT}, body: order,
		},
		{
			name: "valid order with charset", method: http.MethodGet, path: "/api/orders/" + orderID,
			status: 200, header: map[string]string{"Content-Type": jsonCT + "; charset=utf-8"}, body: order,
		},
		{
			name: "valid 404 problem", method: http.MethodGet, path: "/api/orders/" + orderID,
			status: 404, header: map[string]string{"Content-Type": probCT}, body: notFound,
		},
		{
			name: "valid replayed create", method: http.MethodPost, path: "/api/orders",
			status: 200, header: map[string]string{"Content-Type": jsonCT, "Idempotent-Replayed": "true"}, body: order,
		},
		{
			name: "valid 409 with Retry-After", method: http.MethodPost, path: "/api/orders",
			status: 409, header: map[string]string{"Content-Type": probCT, "Retry-After": "3"},
			body: `{"type":"https://example.com/p#in-progress","title":"In progress","status":409}`,
		},
		{
			name: "valid empty page", method: http.MethodGet, path: "/api/orders?limit=1",
			status: 200, header: map[string]string{"Content-Type": jsonCT}, body: `{"orders":[],"next_token":null}`,
		},
		{
			name: "unknown path answered 404 problem", method: http.MethodGet, path: "/api/nothing",
			status: 404, header: map[string]string{"Content-Type": probCT}, body: notFound,
		},
		{
			name: "wrong method answered 405 problem", method: http.MethodPut, path: "/api/orders",
			status: 405, header: map[string]string{"Content-Type": probCT, "Allow": "GET, HEAD, POST"},
			body: `{"type":"about:blank","title":"Method Not Allowed","status":405}`,
		},

		{
			name: "a method the docs lack answered 404 problem, as the edge does", method: http.MethodPost, path: "/swagger",
			status: 404, header: map[string]string{"Content-Type": probCT}, body: notFound,
		},
		{
			name: "valid docs page", method: http.MethodGet, path: "/swagger",
			status: 200, header: map[string]string{"Content-Type": "text/html; charset=utf-8"}, body: "<!doctype html>",
		},

		// Invalid answers are reported.
		{
			name: "undeclared status", method: http.MethodGet, path: "/api/orders",
			status: http.StatusTeapot, header: map[string]string{"Content-Type": probCT},
			body:      `{"type":"about:blank","title":"I'm a teapot","status":418}`,
			violation: []string{"GET /api/orders answered 418", "status is not supported"},
		},
		{
			name: "order without premium", method: http.MethodGet, path: "/api/orders/" + orderID,
			status: 200, header: map[string]string{"Content-Type": jsonCT},
			body:      `{"id":"` + orderID + `","name":"Ada","item_count":3,"created_at":"2026-11-26T12:00:00Z"}`,
			violation: []string{"GET /api/orders/" + orderID + " answered 200", `property "premium" is missing`},
		},
		{
			name: "order with a string count", method: http.MethodGet, path: "/api/orders/" + orderID,
			status: 200, header: map[string]string{"Content-Type": jsonCT},
			body:      `{"id":"` + orderID + `","name":"Ada","item_count":"3","created_at":"2026-11-26T12:00:00Z","premium":false}`,
			violation: []string{"answered 200", "item_count", "integer"},
		},
		{
			name: "order id no uuid", method: http.MethodGet, path: "/api/orders/" + orderID,
			status: 200, header: map[string]string{"Content-Type": jsonCT},
			body:      `{"id":"42","name":"Ada","item_count":3,"created_at":"2026-11-26T12:00:00Z","premium":false}`,
			violation: []string{"answered 200", `"uuid"`},
		},
		{
			name: "problem as text/plain", method: http.MethodGet, path: "/api/orders/" + orderID,
			status: 404, header: map[string]string{"Content-Type": "text/plain"}, body: "not found",
			violation: []string{"answered 404", `"text/plain"`},
		},
		{
			name: "problem without title", method: http.MethodGet, path: "/api/orders/" + orderID,
			status: 404, header: map[string]string{"Content-Type": probCT}, body: `{"type":"about:blank","status":404}`,
			violation: []string{"answered 404", `property "title" is missing`},
		},
		{
			name: "bad Retry-After", method: http.MethodPost, path: "/api/orders",
			status: 409, header: map[string]string{"Content-Type": probCT, "Retry-After": "soon"},
			body:      `{"type":"about:blank","title":"Conflict","status":409}`,
			violation: []string{"POST /api/orders answered 409", "Retry-After"},
		},
		{
			name: "bad Idempotent-Replayed", method: http.MethodPost, path: "/api/orders",
			status: 200, header: map[string]string{"Content-Type": jsonCT, "Idempotent-Replayed": "yes"}, body: order,
			violation: []string{"POST /api/orders answered 200", "Idempotent-Replayed"},
		},
		{
			name: "unknown path answered 200", method: http.MethodGet, path: "/api/nothing",
			status: 200, header: map[string]string{"Content-Type": jsonCT}, body: order,
			violation: []string{"GET /api/nothing answered 200", "no such path: want status 404", "application/problem+json", "Problem"},
		},
		{
			name: "unknown path answered 404 plain text", method: http.MethodGet, path: "/api/nothing",
			status: 404, header: map[string]string{"Content-Type": "text/plain"}, body: "404 page not found",
			violation: []string{"GET /api/nothing answered 404", `got "text/plain"`, "no JSON problem"},
		},
		{
			name: "wrong method answered 404", method: http.MethodPut, path: "/api/orders",
			status: 404, header: map[string]string{"Content-Type": probCT}, body: notFound,
			violation: []string{"PUT /api/orders answered 404", "any-method reaches the function: want status 405"},
		},
		{
			name: "a method the docs lack answered 405", method: http.MethodPost, path: "/swagger",
			status: 405, header: map[string]string{"Content-Type": probCT, "Allow": "GET"},
			body:      `{"type":"about:blank","title":"Method Not Allowed","status":405}`,
			violation: []string{"POST /swagger answered 405", "no any-method: want status 404"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			rec := &recorder{}
			c, err := contract.New(srv.URL, srv.Client(), rec.Errorf)
			require.NoError(t, err)

			req, err := http.NewRequestWithContext(context.Background(), tt.method, srv.URL+tt.path, http.NoBody)
			require.NoError(t, err)
			resp, err := c.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.body, string(got), "the caller reads the body the API sent")
			assert.Equal(t, tt.status, resp.StatusCode)

			msgs := rec.messages()
			if tt.violation == nil {
				assert.Empty(t, msgs, "a valid answer passes")
				return
			}
			require.Len(t, msgs, 1, "one report per answer")
			for _, want := range tt.violation {
				assert.Contains(t, msgs[0], want)
			}
		})
	}
}

// Through the generated client, as the suite uses it, and under a stage
// path as a deployed API_URL has one.
func TestContractChecksTheGeneratedClient(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/Prod/api/orders":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"orders":[{"id":"3fa85f64-5717-4562-b3fc-2c963f66afa6","name":"Ada","item_count":3,"created_at":"2026-11-26T12:00:00Z"}],"next_token":null}`)
		default:
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"type":"about:blank","title":"Not Found","status":404}`)
		}
	}))
	t.Cleanup(srv.Close)
	base := srv.URL + "/Prod"
	rec := &recorder{}
	doer, err := contract.New(base, srv.Client(), rec.Errorf)
	require.NoError(t, err)
	c, err := api.NewClientWithResponses(base, api.WithHTTPClient(doer))
	require.NoError(t, err)

	got, err := c.GetOrderWithResponse(context.Background(), uuid.New())
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, got.StatusCode())
	assert.Empty(t, rec.messages(), "a declared 404 problem passes")

	list, err := c.ListOrdersWithResponse(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, list.StatusCode())
	msgs := rec.messages()
	require.Len(t, msgs, 1)
	assert.Contains(t, msgs[0], "GET /Prod/api/orders answered 200")
	assert.Contains(t, msgs[0], "premium")
}
