package httpguard

import (
	"net/http"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// HeadAsGet answers HEAD wherever the spec allows GET, as HTTP requires
// (RFC 9110, section 9.3.2): the GET's status and headers, its
// Content-Length, and no body. The spec names no HEAD operations; every
// GET has one. (API Gateway lets HEAD through only to an any-method, so
// only the orders resources get this far: docs/edge.md.)
func HeadAsGet(spec *openapi3.T) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodHead || !allowsGet(spec, r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			get := r.Clone(r.Context())
			get.Method = http.MethodGet
			head := &headWriter{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(head, get)
			head.finish()
		})
	}
}

func allowsGet(spec *openapi3.T, path string) bool {
	for _, m := range allowedMethods(spec, path) {
		if m == http.MethodGet {
			return true
		}
	}
	return false
}

// headWriter keeps a GET's status and counts its body, which a HEAD
// answer must not carry, so that Content-Length is the GET's.
type headWriter struct {
	http.ResponseWriter
	status int
	length int
}

func (h *headWriter) WriteHeader(status int) { h.status = status }

func (h *headWriter) Write(p []byte) (int, error) {
	h.length += len(p)
	return len(p), nil
}

// finish answers with the GET's status and headers, and no body.
func (h *headWriter) finish() {
	h.ResponseWriter.Header().Set("Content-Length", strconv.Itoa(h.length))
	h.ResponseWriter.WriteHeader(h.status)
}
