package httpguard

import (
	"net/http"
	"path"

	"github.com/go-sam-blueprint/orders/src/platform/problem"
)

// Routes serves the requests that match one of mux's routes, and answers
// the others with a problem: 404 for a path that none has, 405 with Allow
// for a method that the path's routes lack. A path that is not in clean
// form (a trailing slash, //, a dot segment) is a 404, never the redirect
// that ServeMux would make of it. An escaped unreserved character is the
// character (RFC 3986, section 6.2.2.2): /api/ord%65rs is /api/orders.
func Routes(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		escaped := r.URL.EscapedPath()
		if escaped != "/" && path.Clean(escaped) != escaped {
			problem.Write(r.Context(), w, noSuchResource)
			return
		}
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// ServeMux's own answer says which: its 405 carries the Allow
		// header that this one passes on.
		miss := &headerOnly{header: http.Header{}}
		h.ServeHTTP(miss, r)
		if miss.status != http.StatusMethodNotAllowed {
			problem.Write(r.Context(), w, noSuchResource)
			return
		}
		w.Header().Set("Allow", miss.header.Get("Allow"))
		problem.Write(r.Context(), w, problem.Status(http.StatusMethodNotAllowed, "the resource does not support this method"))
	})
}

var noSuchResource = problem.Status(http.StatusNotFound, "no such resource")

// headerOnly keeps the status and headers of an answer, and drops its body.
type headerOnly struct {
	header http.Header
	status int
}

func (h *headerOnly) Header() http.Header         { return h.header }
func (h *headerOnly) WriteHeader(status int)      { h.status = status }
func (h *headerOnly) Write(p []byte) (int, error) { return len(p), nil }
