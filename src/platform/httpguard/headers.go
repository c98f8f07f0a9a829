package httpguard

import (
	"net/http"
	"strings"
)

// hsts is the Strict-Transport-Security policy of answers served over
// HTTPS: a year, subdomains included (API Gateway serves only HTTPS).
const hsts = "max-age=31536000; includeSubDomains"

// SecureHeaders sets the headers every answer carries: an API response is
// never to be sniffed as another type, nor cached; and, when it was served
// over HTTPS (API Gateway says so in X-Forwarded-Proto), browsers are to
// use nothing else for a year. Over plain HTTP (make run) there is no HSTS:
// browsers ignore it there, and it would pin localhost to HTTPS.
func SecureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		if overHTTPS(r) {
			h.Set("Strict-Transport-Security", hsts)
		}
		next.ServeHTTP(w, r)
	})
}

// overHTTPS reports whether the client's connection was HTTPS: TLS here,
// or X-Forwarded-Proto https from the proxy in front (its first value, the
// client's own hop).
func overHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}
