package api_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
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
