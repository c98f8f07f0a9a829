package httpguard

import (
	"net/http"
	"strconv"
)

// HeadAsGet answers HEAD as the GET of the same resource, as HTTP requires
// wherever GET is allowed (RFC 9110, section 9.3.2): the GET's status and
// headers, its Content-Length, and no body. Where the resource has no GET,
// the answer is the GET's 405. (API Gateway lets HEAD through only to an
// any-method, so only the orders resources get this far: docs/edge.md.)
func HeadAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
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
