// Package apidocs serves the API's documentation: Swagger UI at /swagger and
// the spec at /swagger.json, with no request leaving for a CDN. It runs as
// a function of its own, so the orders functions carry none of its weight.
//
// The UI's files come from the pinned swagger-ui-dist npm package, copied
// into assets/ at build time (make docs-assets) and embedded here.
package apidocs

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed assets
var embedded embed.FS

// Assets are the UI's files as built into this binary.
func Assets() fs.FS {
	sub, err := fs.Sub(embedded, "assets")
	if err != nil {
		panic(fmt.Sprintf("docs: the embedded assets directory is missing: %v", err))
	}
	return sub
}

// Tags of the operations that are left out of the spec that the docs
// show: they are no part of the API's contract with its clients, and
// oapi-codegen.yaml leaves them out of the generated code too.
const (
	// Tag marks the operations that serve the docs.
	Tag = "docs"
	// PreflightTag marks the CORS preflights, which API Gateway answers.
	PreflightTag = "cors"
)

// Handler serves the docs for spec from assets.
type Handler struct {
	spec   *openapi3.T
	assets fs.FS
	mux    *http.ServeMux
	page   []byte // the UI's page; nil when the assets lack Swagger UI
}

// New returns a Handler. The spec's operations tagged docs or cors, and the
// x-amazon-apigateway extensions (how API Gateway routes requests), are
// left out of what it serves: they are no part of the API's contract.
func New(spec *openapi3.T, assets fs.FS) (*Handler, error) {
	if spec == nil || assets == nil {
		return nil, errors.New("docs: a spec and assets are needed")
	}
	h := &Handler{spec: public(spec), assets: assets, mux: http.NewServeMux()}
	if _, err := fs.Stat(assets, "swagger-ui-bundle.js"); err == nil {
		h.page = fmt.Appendf(nil, indexHTML, html.EscapeString(h.spec.Info.Title))
	}
	h.mux.HandleFunc("GET /swagger", h.index)
	h.mux.HandleFunc("GET /swagger.json", h.specJSON)
	h.mux.HandleFunc("GET /swagger/{file}", h.asset)
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.mux.ServeHTTP(w, r)
}

// index is the UI's page. Its references are relative, so that it works
// under any stage prefix (/dev/swagger) as on a custom domain.
func (h *Handler) index(w http.ResponseWriter, _ *http.Request) {
	if h.page == nil {
		http.Error(w, "The docs page was built without Swagger UI: run make docs-assets, then build again.", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(h.page)
}

const indexHTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>%s</title>
  <link rel="icon" type="image/png" href="swagger/favicon-32x32.png">
  <link rel="stylesheet" href="swagger/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="swagger/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "swagger.json", dom_id: "#swagger-ui", deepLinking: true});
  </script>
</body>
</html>
`

// specJSON serves the spec with the server URL that the request came
// through: the stage prefix that API Gateway stripped from the path, if
// any, so that "Try it out" calls this very API.
func (h *Handler) specJSON(w http.ResponseWriter, r *http.Request) {
	spec := *h.spec
	spec.Servers = openapi3.Servers{{URL: basePath(r) + "/", Description: "This API"}}
	body, err := json.Marshal(&spec)
	if err != nil {
		http.Error(w, "the spec cannot be served", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(body) //nolint:gosec // An embedded file with its own content type and nosniff; no input reaches it.
}

// basePath is what the client's URL has before the path the function
// sees: "/dev" on an execute-api URL, "" on a custom domain or locally.
func basePath(r *http.Request) string {
	gw, ok := core.GetAPIGatewayContextFromContext(r.Context())
	if !ok {
		return ""
	}
	prefix, found := strings.CutSuffix(gw.Path, r.URL.Path)
	if !found || !strings.HasPrefix(prefix, "/") {
		return ""
	}
	return prefix
}

func (h *Handler) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	body, err := fs.ReadFile(h.assets, name)
	if err != nil || name == "README.md" {
		http.NotFound(w, r)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	// The files change only with the pinned version, that is with a deploy.
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(body) //nolint:gosec // An embedded file with its own content type and nosniff; no input reaches it.
}

// public returns a copy of spec without the docs operations and the API
// Gateway extensions.
func public(spec *openapi3.T) *openapi3.T {
	raw, err := json.Marshal(spec)
	if err != nil {
		return spec
	}
	var out openapi3.T
	if err := json.Unmarshal(raw, &out); err != nil {
		return spec
	}
	stripAWS(out.Extensions)
	paths := openapi3.NewPaths()
	for p, item := range out.Paths.Map() {
		stripAWS(item.Extensions)
		keep := false
		for method, op := range item.Operations() {
			if slices.Contains(op.Tags, Tag) || slices.Contains(op.Tags, PreflightTag) {
				item.SetOperation(method, nil)
				continue
			}
			stripAWS(op.Extensions)
			keep = true
		}
		if keep {
			paths.Set(p, item)
		}
	}
	out.Paths = paths
	// The authorizer's configuration is API Gateway's; the scheme itself
	// (a token in the Authorization header) is the client's to know.
	if out.Components != nil {
		for _, scheme := range out.Components.SecuritySchemes {
			if scheme.Value != nil {
				stripAWS(scheme.Value.Extensions)
			}
		}
	}
	var tags openapi3.Tags
	for _, tag := range out.Tags {
		if tag.Name != Tag {
			tags = append(tags, tag)
		}
	}
	out.Tags = tags
	return &out
}

func stripAWS(ext map[string]any) {
	for k := range ext {
		if strings.HasPrefix(k, "x-amazon-apigateway") {
			delete(ext, k)
		}
	}
}
