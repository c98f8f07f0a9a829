package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
)

// contract is an api.HttpRequestDoer that holds every answer to api.yaml:
// it sends the request, validates the response (status, headers, content
// type, body) against the spec and reports each violation. The body is
// restored, so the caller reads it as if nothing happened.
//
// A request whose path or method the spec lacks has no operation to
// validate against: its answer must then be the API's own 404 (unknown
// path) or 405 (known path, other method) problem document.
type contract struct {
	client  *http.Client
	router  routers.Router
	problem *openapi3.Schema
	report  func(format string, args ...any)
}

// contractOptions make an undeclared status a violation and report every
// failing member of a body at once.
var contractOptions = &openapi3filter.Options{
	IncludeResponseStatus: true,
	MultiError:            true,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{
		// kin-openapi checks neither format unless told. The formats are
		// set per validation, not globally, to leave kin-openapi's
		// defaults alone for anything else in the binary.
		openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
			"uuid": openapi3.NewRegexpFormatValidator(
				`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`),
			"uri-reference": openapi3.NewCallbackValidator(func(s string) error {
				_, err := url.Parse(s)
				return err
			}),
		}),
	},
}

// loadSpec loads the embedded api.yaml once; the suite only reads it.
var loadSpec = sync.OnceValues(func() (*openapi3.T, error) {
	spec, err := api.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("load api.yaml: %w", err)
	}
	return spec, nil
})

// newContract checks the answers of the API at base. The spec's server is
// the API's own origin, so the server is taken to be base's path (a stage
// URL such as https://id.execute-api.region.amazonaws.com/Prod, or none):
// any host matches. report is called once for each violation.
func newContract(base string, client *http.Client, report func(format string, args ...any)) (*contract, error) {
	spec, err := loadSpec()
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("API URL %q: %w", base, err)
	}
	// A shallow copy: the router reads Servers from it, and the shared
	// spec is not written to.
	routed := *spec
	routed.Servers = nil
	if p := strings.TrimSuffix(u.Path, "/"); p != "" {
		routed.Servers = openapi3.Servers{{URL: p}}
	}
	router, err := gorillamux.NewRouter(&routed)
	if err != nil {
		return nil, fmt.Errorf("route api.yaml: %w", err)
	}
	problem := spec.Components.Schemas["Problem"]
	if problem == nil || problem.Value == nil {
		return nil, errors.New("api.yaml has no components/schemas/Problem")
	}
	return &contract{client: client, router: router, problem: problem.Value, report: report}, nil
}

// Do sends req and reports the answer's every departure from api.yaml.
func (c *contract) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the answer to %s %s: %w", req.Method, req.URL.RequestURI(), err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	sent := req
	if resp.Request != nil {
		sent = resp.Request // the request that got this answer, after any redirect
	}
	if err := c.check(sent, resp, body); err != nil {
		c.report("contract: %s %s answered %d, which api.yaml does not allow: %v\nbody: %s",
			sent.Method, sent.URL.RequestURI(), resp.StatusCode, err, excerpt(body))
	}
	return resp, nil
}

// check validates one answer: by the operation's responses, or for a
// request that names no operation, as the 404 or 405 problem.
func (c *contract) check(req *http.Request, resp *http.Response, body []byte) error {
	route, params, err := c.router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		return c.checkUnrouted(http.StatusNotFound, resp, body)
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return c.checkUnrouted(http.StatusMethodNotAllowed, resp, body)
	case err != nil:
		return fmt.Errorf("find the operation: %w", err)
	}
	return openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      route,
			Options:    contractOptions,
		},
		Status:  resp.StatusCode,
		Header:  resp.Header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: contractOptions,
	})
}

// checkUnrouted requires the problem a request outside the spec gets.
func (c *contract) checkUnrouted(status int, resp *http.Response, body []byte) error {
	what := "the spec has no such path"
	if status == http.StatusMethodNotAllowed {
		what = "the spec has the path but not the method"
	}
	var errs []error
	if resp.StatusCode != status {
		errs = append(errs, fmt.Errorf("%s: want status %d", what, status))
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/problem+json" {
		errs = append(errs, fmt.Errorf("%s: want Content-Type application/problem+json, got %q", what, ct))
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		errs = append(errs, fmt.Errorf("%s: the body is no JSON problem: %w", what, err))
	} else if err := c.problem.VisitJSON(doc, append(contractOptions.SchemaValidationOptions,
		openapi3.MultiErrors(), openapi3.VisitAsResponse())...); err != nil {
		errs = append(errs, fmt.Errorf("%s: the body doesn't match schema Problem: %w", what, err))
	}
	return errors.Join(errs...)
}

func excerpt(body []byte) string {
	const most = 512
	if len(body) > most {
		return string(body[:most]) + "…"
	}
	return string(body)
}

// httpClient sends the suite's requests; the timeout bounds a hung API.
var httpClient = &http.Client{Timeout: 30 * time.Second}

// checked is a doer for the API at base that fails t on any answer
// api.yaml does not allow. t.Errorf is safe from other goroutines.
func checked(t *testing.T, base string) *contract {
	t.Helper()
	c, err := newContract(base, httpClient, t.Errorf)
	require.NoError(t, err)
	return c
}

// newClientAt is the generated client for the API at base, every answer
// checked against api.yaml.
func newClientAt(t *testing.T, base string) *api.ClientWithResponses {
	t.Helper()
	c, err := api.NewClientWithResponses(base, api.WithHTTPClient(checked(t, base)))
	require.NoError(t, err)
	return c
}

// do sends a hand-made request to the API under test, its answer checked
// against api.yaml.
func do(t *testing.T, req *http.Request) (*http.Response, error) {
	t.Helper()
	return checked(t, baseURL).Do(req)
}

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
			status: 405, header: map[string]string{"Content-Type": probCT, "Allow": "GET, POST"},
			body: `{"type":"about:blank","title":"Method Not Allowed","status":405}`,
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
			violation: []string{"PUT /api/orders answered 404", "not the method: want status 405"},
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
			c, err := newContract(srv.URL, srv.Client(), rec.Errorf)
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
	doer, err := newContract(base, srv.Client(), rec.Errorf)
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
