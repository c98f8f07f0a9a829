// Package cors adds the CORS headers of an allowed origin to a function's
// answers. API Gateway answers preflight OPTIONS requests itself (the
// options operations of api.yaml) and adds the same headers to its own
// answers (its gateway responses); a proxy integration's answers are the
// function's to mark (docs/cors.md).
package cors

import (
	"net/http"
	"strings"
)

// exposed are the answer headers a browser app may read besides the
// CORS-safelisted ones: what api.yaml's answers carry.
var exposed = strings.Join([]string{"Idempotent-Replayed", "Retry-After", "WWW-Authenticate", "x-amzn-RequestId"}, ", ")

// Headers marks every answer as readable by origin, the one origin the
// stack allows (an origin: scheme, host and port). An empty origin allows
// none and adds nothing.
func Headers(origin string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if origin == "" {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", exposed)
			// One origin, the same for every request: caches may share the
			// answer, but a browser's preflight cache keys on the origin.
			h.Add("Vary", "Origin")
			next.ServeHTTP(w, r)
		})
	}
}
