package cors_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-sam-blueprint/orders/src/platform/cors"
)

func TestHeaders(t *testing.T) {
	t.Parallel()
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	tests := []struct {
		name, origin string
		want         http.Header
	}{
		{"no origin allowed: nothing added", "", http.Header{}},
		{"one origin", "https://app.example.com", http.Header{
			"Access-Control-Allow-Origin":   {"https://app.example.com"},
			"Access-Control-Expose-Headers": {"Idempotent-Replayed, Retry-After, WWW-Authenticate, x-amzn-RequestId"},
			"Vary":                          {"Origin"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/api/orders", http.NoBody)
			req.Header.Set("Origin", "https://elsewhere.example.com")
			cors.Headers(tt.origin)(next).ServeHTTP(rec, req)
			assert.Equal(t, http.StatusTeapot, rec.Code, "the answer is the handler's")
			assert.Equal(t, tt.want, rec.Header())
		})
	}
}
