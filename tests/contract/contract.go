// Package contract holds the API's answers to api.yaml: a Checker sends
// requests and reports every answer the spec does not allow, for the
// suites that drive a running API (tests/e2e, tests/smoke). Its own tests
// also check the TypeScript client against the spec.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/api/openapi"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// Checker is an api.HttpRequestDoer that holds every answer to api.yaml:
// it sends the request, validates the response (status, headers, content
// type, body) against the spec and reports each violation. The body is
// restored, so the caller reads it as if nothing happened.
//
// A request whose path or method the spec lacks has no operation to
// validate against: its answer must then be the problem document
// docs/edge.md gives it, a 404 (an unknown path, or a method of a path
// without x-amazon-apigateway-any-method: API Gateway's own answer) or a
// 405 (another method of a path whose any-method reaches the function).
type Checker struct {
	client  *http.Client
	router  routers.Router
	problem *openapi3.Schema
	report  func(format string, args ...any)
}

// contractOptions make an undeclared status a violation, report every
// failing member of a body at once, and check the formats the spec uses.
var contractOptions = &openapi3filter.Options{
	IncludeResponseStatus:   true,
	MultiError:              true,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi.Formats()},
}

// The docs page is text/html, which kin-openapi reads only once told to:
// as text, as it reads text/plain. Only the test binaries import this
// package, so the registration, which is global, reaches nothing else.
func init() {
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

// loadSpec loads api.yaml once; the suites only read it.
var loadSpec = sync.OnceValues(func() (*openapi3.T, error) {
	spec, err := openapi3.NewLoader().LoadFromFile(filepath.Join(repo.Root(), "api.yaml"))
	if err != nil {
		return nil, fmt.Errorf("load api.yaml: %w", err)
	}
	return spec, nil
})

// New checks the answers of the API at base. The spec's server is
// the API's own origin, so the server is taken to be base's path (a stage
// URL such as https://id.execute-api.region.amazonaws.com/Prod, or none):
// any host matches. report is called once for each violation.
func New(base string, client *http.Client, report func(format string, args ...any)) (*Checker, error) {
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
	return &Checker{client: client, router: router, problem: problem.Value, report: report}, nil
}

// Do sends req and reports the answer's every departure from api.yaml.
func (c *Checker) Do(req *http.Request) (*http.Response, error) {
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
func (c *Checker) check(req *http.Request, resp *http.Response, body []byte) error {
	options := contractOptions
	if req.Method == http.MethodHead {
		// HEAD is a GET without the body, wherever the spec has a GET
		// (RFC 9110): its answer is checked as the GET's, body aside.
		get := req.Clone(req.Context())
		get.Method = http.MethodGet
		if _, _, err := c.router.FindRoute(get); err == nil {
			req = get
			headOptions := *contractOptions
			headOptions.ExcludeResponseBody = true
			options = &headOptions
			if len(body) > 0 {
				return fmt.Errorf("a HEAD answer has a body of %d bytes", len(body))
			}
		}
	}
	route, params, err := c.router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		return c.checkUnrouted(http.StatusNotFound, "the spec has no such path", resp, body)
	case errors.Is(err, routers.ErrMethodNotAllowed) && c.anyMethod(req):
		return c.checkUnrouted(http.StatusMethodNotAllowed, "the path's any-method reaches the function", resp, body)
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return c.checkUnrouted(http.StatusNotFound, "the path has no such method and no any-method", resp, body)
	case err != nil:
		return fmt.Errorf("find the operation: %w", err)
	}
	return openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      route,
			Options:    options,
		},
		Status:  resp.StatusCode,
		Header:  resp.Header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: options,
	})
}

// anyMethod reports whether req's path, which the spec has, declares
// x-amazon-apigateway-any-method. The router finds a path only with one of
// its methods, so the path is looked up by each.
func (c *Checker) anyMethod(req *http.Request) bool {
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := req.Clone(req.Context())
		probe.Method = method
		if route, _, err := c.router.FindRoute(probe); err == nil {
			_, ok := route.PathItem.Extensions["x-amazon-apigateway-any-method"]
			return ok
		}
	}
	return false
}

// checkUnrouted requires the problem a request outside the spec gets.
func (c *Checker) checkUnrouted(status int, what string, resp *http.Response, body []byte) error {
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

// Checked is a doer for the API at base that fails t on any answer
// api.yaml does not allow. t.Errorf is safe from other goroutines.
func Checked(t *testing.T, base string) *Checker {
	t.Helper()
	c, err := New(base, httpClient, t.Errorf)
	require.NoError(t, err)
	return c
}

// Client is the generated client for the API at base, every answer
// checked against api.yaml; opts add to it (a request editor that sends a
// token, say).
func Client(t *testing.T, base string, opts ...api.ClientOption) *api.ClientWithResponses {
	t.Helper()
	c, err := api.NewClientWithResponses(base, append([]api.ClientOption{api.WithHTTPClient(Checked(t, base))}, opts...)...)
	require.NoError(t, err)
	return c
}

// Bearer is a client option that sends token as the Authorization header
// of every request, as a client of the deployed API does.
func Bearer(token string) api.ClientOption {
	return api.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	})
}
