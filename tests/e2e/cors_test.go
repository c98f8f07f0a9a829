package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corsPage is a browser app on another origin: it creates an order with
// a token, which takes a preflight (Authorization, a JSON body), and
// writes what came of it.
const corsPage = `<!doctype html>
<html><body><pre id="out">pending</pre><script>
fetch(%q, {
  method: "POST",
  headers: {"Authorization": "Bearer %s", "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID()},
  body: JSON.stringify({customer_name: "Browser", order_item_count: 1}),
}).then(async (r) => {
  document.getElementById("out").textContent = "status " + r.status + " request-id " + (r.headers.get("x-amzn-RequestId") ? "read" : "hidden") + " " + (await r.text());
}).catch((e) => {
  document.getElementById("out").textContent = "blocked " + e;
});
</script></body></html>`

var corsOutcome = regexp.MustCompile(`<pre id="out">([^<]*)</pre>`)

// A browser app on the stack's CorsAllowOrigin calls the API: its
// preflight is API Gateway's own answer, its create the function's, and
// it may read both; on any other origin the browser refuses the answer.
// Against make run, with PARAMETER_OVERRIDES as sam deploy takes them.
func TestBrowserCallsFromTheAllowedOrigin(t *testing.T) {
	t.Parallel()
	if os.Getenv("API_URL") != "" {
		t.Skip("API_URL is set: a deployed stack's origin is its own parameter")
	}
	browser := chromium(t)
	// The page changes between rounds while the server's goroutines
	// may still be reading the last one.
	var page atomic.Pointer[string]
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = fmt.Fprint(w, *page.Load())
	}))
	t.Cleanup(app.Close)

	for _, tt := range []struct {
		name, allowed, want string
	}{
		{"the allowed origin", app.URL, `status 200 request-id read {"created_at"`},
		{"another origin", "https://elsewhere.example.com", "blocked TypeError"},
	} {
		r, err := startRunner(runnerBin, "PARAMETER_OVERRIDES=CorsAllowOrigin="+tt.allowed)
		require.NoError(t, err)
		token, err := r.Token(context.Background(), "alice")
		require.NoError(t, err)
		html := fmt.Sprintf(corsPage, r.URL+"/api/orders", token)
		page.Store(&html)
		m := corsOutcome.FindStringSubmatch(headless(t, browser, app.URL, "--dump-dom"))
		require.NotNil(t, m, tt.name)
		assert.Contains(t, m[1], tt.want, tt.name)
		require.NoError(t, r.Stop())
	}
}

// The preflight and the answers carry the stack's origin: the edge's
// preflight, the function's answers and API Gateway's own (a 401).
func TestCORSHeadersOfEachLayer(t *testing.T) {
	t.Parallel()
	if os.Getenv("API_URL") != "" {
		t.Skip("API_URL is set: a deployed stack's origin is its own parameter")
	}
	const origin = "https://app.example.com"
	r, err := startRunner(runnerBin, "PARAMETER_OVERRIDES=CorsAllowOrigin="+origin)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Stop() })
	token, err := r.Token(context.Background(), "alice")
	require.NoError(t, err)

	for _, tt := range []struct {
		name, method, authorization string
		status                      int
	}{
		{"a preflight, with no token", http.MethodOptions, "", http.StatusNoContent},
		{"the function's answer", http.MethodGet, "Bearer " + token, http.StatusOK},
		{"API Gateway's 401", http.MethodGet, "", http.StatusUnauthorized},
	} {
		req, err := http.NewRequestWithContext(context.Background(), tt.method, r.URL+"/api/orders", http.NoBody)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", http.MethodPost)
		if tt.authorization != "" {
			req.Header.Set("Authorization", tt.authorization)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, tt.status, resp.StatusCode, tt.name)
		assert.Equal(t, origin, resp.Header.Get("Access-Control-Allow-Origin"), tt.name)
	}
}
