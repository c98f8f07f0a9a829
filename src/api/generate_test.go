package api_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

const spec = "../../api.yaml"

// The generated code is committed; this fails when it no longer matches
// api.yaml or the generator's configuration.
func TestGeneratedCodeIsFresh(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("oapi-codegen.yaml")
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal(raw, &cfg))
	committed := cfg["output"].(string)
	fresh := filepath.Join(t.TempDir(), "fresh.gen.go")
	cfg["output"] = fresh
	raw, err = yaml.Marshal(cfg)
	require.NoError(t, err)
	cfgPath := filepath.Join(t.TempDir(), "oapi-codegen.yaml")
	require.NoError(t, os.WriteFile(cfgPath, raw, 0o600))

	// Read here, not only by the generator, so that go test's cache keys on it.
	_, err = os.ReadFile(spec)
	require.NoError(t, err)
	out, err := exec.Command("go", "tool", "oapi-codegen", "-config", cfgPath, spec).CombinedOutput()
	require.NoError(t, err, "oapi-codegen: %s", out)

	want, err := os.ReadFile(fresh)
	require.NoError(t, err)
	got, err := os.ReadFile(committed)
	require.NoError(t, err)
	require.True(t, bytes.Equal(want, got), "src/api/%s is stale: run `make generate` and commit the result", committed)
}

// requests.json and requests.gen.go are what internal/requestspec makes of
// api.yaml now.
func TestRequestSpecIsFresh(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Read here too, so that go test's cache keys on them, the generator's
	// own code included.
	generator, err := filepath.Glob("internal/requestspec/*.go")
	require.NoError(t, err)
	for _, in := range append([]string{spec, "oapi-codegen.yaml"}, generator...) {
		_, err := os.ReadFile(in)
		require.NoError(t, err)
	}
	out, err := exec.Command("go", "run", "./internal/requestspec", spec, "oapi-codegen.yaml",
		filepath.Join(dir, "requests.json"), filepath.Join(dir, "requests.gen.go")).CombinedOutput()
	require.NoError(t, err, "requestspec: %s", out)
	for _, name := range []string{"requests.json", "requests.gen.go"} {
		want, err := os.ReadFile(filepath.Join(dir, name)) //nolint:gosec // The test's own directory.
		require.NoError(t, err)
		got, err := os.ReadFile(name) //nolint:gosec // The committed file.
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, got), "src/api/%s is stale: run `make generate` and commit the result", name)
	}
}

// lazySpec is how inline.tmpl differs from oapi-codegen's template of the
// embedded spec, as pairs of oapi-codegen's text and ours: the spec is
// decoded when first asked for, not when the program starts.
var lazySpec = [][2]string{
	{`var rawSpec = decodeSpecCached()

// a naive cache of the decoded OpenAPI spec
func decodeSpecCached() func() ([]byte, error) {
	data, err := decodeSpec()
	return func() ([]byte, error) {
		return data, err
	}
}`, `// rawSpec decodes the spec once, when it is first asked for: not at
// start-up, in a program that never asks.
var rawSpec = sync.OnceValues(decodeSpec)`},
	{"The result is cached at package init time, so repeated calls", "They are decoded at the first call and kept, so repeated calls"},
}

// inline.tmpl is the template of the oapi-codegen that go.mod names, but
// for lazySpec: when oapi-codegen changes its own, this fails until ours
// is its new one with the same change.
func TestInlineTemplateIsOapiCodegens(t *testing.T) {
	t.Parallel()
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/oapi-codegen/oapi-codegen/v2").Output()
	require.NoError(t, err)
	upstream, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(dir)), "pkg", "codegen", "templates", "inline.tmpl"))
	require.NoError(t, err)
	raw, err := os.ReadFile("inline.tmpl")
	require.NoError(t, err)
	ours := string(raw)
	for _, change := range lazySpec {
		require.Equal(t, 1, strings.Count(ours, change[1]), "inline.tmpl carries the change once: %q", change[1])
		ours = strings.Replace(ours, change[1], change[0], 1)
	}
	require.Equal(t, string(upstream), ours, "inline.tmpl is oapi-codegen's, but for the spec decoded when first asked for")
}
