package e2e

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api/openapi"
	"github.com/go-sam-blueprint/orders/src/platform/apidocs"
)

// findChromium finds (or, as root with apt-get, installs) headless
// Chromium, once for every test: two apt-get runs at once fail on its lock.
var findChromium = sync.OnceValues(func() ([]byte, error) {
	return exec.Command("../../scripts/browser").Output()
})

// chromium is the path of headless Chromium.
func chromium(t *testing.T) string {
	t.Helper()
	out, err := findChromium()
	require.NoError(t, err, "the browser test needs Chromium: see scripts/browser")
	return strings.TrimSpace(string(out))
}

// headless runs Chromium on url with a fresh profile and no background
// traffic (there is no internet to reach), and returns what it printed.
func headless(t *testing.T, browser, url string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
		"--disable-component-update", "--disable-sync", "--user-data-dir=" + t.TempDir(),
		// Lets the page's scripts fetch and render the spec before the dump.
		"--virtual-time-budget=15000",
	}
	out, err := exec.CommandContext(ctx, browser, append(append(base, args...), url)...).Output()
	require.NoError(t, err)
	return string(out)
}

var summary = regexp.MustCompile(`class="opblock-summary-description">([^<]*)<`)

// rendered lists the operation summaries that the page at url shows.
func rendered(t *testing.T, browser, url string) []string {
	t.Helper()
	var out []string
	for _, m := range summary.FindAllStringSubmatch(headless(t, browser, url, "--dump-dom"), -1) {
		out = append(out, m[1])
	}
	return out
}

// The check sees a page that renders nothing: here the docs function built
// without Swagger UI's files.
func TestSwaggerUICheckCanFail(t *testing.T) {
	t.Parallel()
	spec, err := openapi.Document()
	require.NoError(t, err)
	h, err := apidocs.New(spec, fstest.MapFS{"README.md": {Data: []byte("no assets")}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	assert.Empty(t, rendered(t, chromium(t), srv.URL+"/swagger"))
}

// Swagger UI renders every operation of the API, with no internet: its
// files come from the docs function itself.
func TestSwaggerUIRendersEveryOperation(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	url := strings.TrimSuffix(baseURL, "/") + "/swagger"

	assert.ElementsMatch(t, apiSummaries(t), rendered(t, browser, url),
		"every operation of api.yaml, and not the docs' own routes")

	dir := filepath.Join("..", "output")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	shot, err := filepath.Abs(filepath.Join(dir, "swagger.png"))
	require.NoError(t, err)
	_ = os.Remove(shot)
	headless(t, browser, url, "--screenshot="+shot, "--window-size=1280,1400", "--hide-scrollbars")
	info, err := os.Stat(shot)
	require.NoError(t, err, "a screenshot under tests/output")
	assert.Greater(t, info.Size(), int64(10_000))
}

// apiSummaries are the summaries of api.yaml's operations, but for the
// docs' own and the CORS preflights, which API Gateway answers itself.
func apiSummaries(t *testing.T) []string {
	t.Helper()
	spec, err := openapi3.NewLoader().LoadFromFile(filepath.Join("..", "..", "api.yaml"))
	require.NoError(t, err)
	var out []string
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			if !slices.Contains(op.Tags, apidocs.Tag) && !slices.Contains(op.Tags, apidocs.PreflightTag) {
				out = append(out, op.Summary)
			}
		}
	}
	require.NotEmpty(t, out)
	return out
}
