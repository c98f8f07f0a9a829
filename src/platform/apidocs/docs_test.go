package apidocs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api/openapi"
	"github.com/go-sam-blueprint/orders/src/platform/apidocs"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
)

var assets = fstest.MapFS{
	"swagger-ui-bundle.js": {Data: []byte("window.SwaggerUIBundle = function () {}")},
	"swagger-ui.css":       {Data: []byte("body {}")},
	"README.md":            {Data: []byte("not served")},
}

func newDocs(t *testing.T, files fstest.MapFS) lambdahttp.Func {
	t.Helper()
	spec, err := openapi.Document()
	require.NoError(t, err)
	h, err := apidocs.New(spec, files)
	require.NoError(t, err)
	return lambdahttp.Adapt(h)
}

// get sends a request as API Gateway would; rcPath is the path the client
// used, with the stage when there is one.
func get(t *testing.T, fn lambdahttp.Func, path, rcPath string) events.APIGatewayProxyResponse {
	t.Helper()
	resp, err := fn(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod: http.MethodGet, Path: path,
		RequestContext: events.APIGatewayProxyRequestContext{Path: rcPath, Stage: "dev"},
	})
	require.NoError(t, err)
	return resp
}

func header(resp events.APIGatewayProxyResponse, name string) string {
	if v := resp.MultiValueHeaders[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// The spec served names the stage it is served from as its server, so
// "Try it out" calls this API; the docs' own routes and API Gateway's
// extensions are not part of it.
func TestSpecServedForItsStage(t *testing.T) {
	t.Parallel()
	fn := newDocs(t, assets)
	for rcPath, server := range map[string]string{
		"/dev/swagger.json": "/dev/", // execute-api URL
		"/swagger.json":     "/",     // custom domain, or make run
	} {
		resp := get(t, fn, "/swagger.json", rcPath)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "application/json", header(resp, "Content-Type"))
		var spec struct {
			Servers []struct{ URL string } `json:"servers"`
			Paths   map[string]any         `json:"paths"`
		}
		require.NoError(t, json.Unmarshal([]byte(resp.Body), &spec))
		require.Len(t, spec.Servers, 1)
		assert.Equal(t, server, spec.Servers[0].URL, rcPath)
		assert.ElementsMatch(t, []string{"/api/orders", "/api/orders/{orderId}"}, keys(spec.Paths))
		assert.NotContains(t, resp.Body, "x-amazon-apigateway")
		assert.NotContains(t, resp.Body, "Fn::Sub")
	}
}

func TestIndexAndAssets(t *testing.T) {
	t.Parallel()
	fn := newDocs(t, assets)

	page := get(t, fn, "/swagger", "/dev/swagger")
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", header(page, "Content-Type"))
	for _, ref := range []string{`src="swagger/swagger-ui-bundle.js"`, `href="swagger/swagger-ui.css"`, `url: "swagger.json"`} {
		assert.Contains(t, page.Body, ref, "relative, so any stage prefix works")
	}
	assert.NotContains(t, page.Body, "https://", "nothing comes from a CDN")

	js := get(t, fn, "/swagger/swagger-ui-bundle.js", "/dev/swagger/swagger-ui-bundle.js")
	require.Equal(t, http.StatusOK, js.StatusCode)
	assert.True(t, strings.HasPrefix(header(js, "Content-Type"), "text/javascript"), header(js, "Content-Type"))
	assert.Equal(t, "nosniff", header(js, "X-Content-Type-Options"))

	for _, missing := range []string{"/swagger/README.md", "/swagger/nope.js"} {
		assert.Equal(t, http.StatusNotFound, get(t, fn, missing, missing).StatusCode, missing)
	}
}

// Built without `make docs-assets`, the page says how to fix it.
func TestIndexWithoutAssets(t *testing.T) {
	t.Parallel()
	resp := get(t, newDocs(t, fstest.MapFS{"README.md": {Data: []byte("x")}}), "/swagger", "/swagger")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Contains(t, resp.Body, "make docs-assets")
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	_, err := apidocs.New(nil, assets)
	require.Error(t, err)
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
