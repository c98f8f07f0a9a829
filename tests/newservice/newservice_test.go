// Package newservice proves `make new-service`: a service generated from
// the blueprint has its own module path, names and stacks, builds, and
// passes its unit tests.
package newservice

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/tests/repo"
)

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return string(out)
}

func read(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(raw)
}

func TestNewService(t *testing.T) {
	t.Parallel()
	dest := filepath.Join(t.TempDir(), "shipping")
	run(t, repo.Root(), "make", "--no-print-directory", "new-service", "NAME=shipping-api", "MODULE=example.com/acme/shipping", "DEST="+dest)

	assert.Contains(t, read(t, filepath.Join(dest, "go.mod")), "module example.com/acme/shipping\n")
	assert.Contains(t, read(t, filepath.Join(dest, "samconfig.toml")), `stack_name = "shipping-api-production"`)
	template := read(t, filepath.Join(dest, "template.yaml"))
	assert.Contains(t, template, "SERVICE_NAME: shipping-api")
	assert.Contains(t, template, "METRICS_NAMESPACE: ShippingApi")
	blueprint := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(read(t, filepath.Join(repo.Root(), "go.mod")), "\n", 2)[0], "module "))
	grep := exec.Command("grep", "-rIl", "--exclude-dir=.git", blueprint, dest)
	out, _ := grep.Output()
	assert.Empty(t, strings.TrimSpace(string(out)), "no file names the blueprint's module %s", blueprint)
	assert.Contains(t, run(t, dest, "git", "log", "--oneline"), "start shipping-api")

	// It builds and its unit tests pass (its make test runs the rest: the
	// same suites as here, against its own names).
	run(t, dest, "go", "vet", "./src/...")
	run(t, dest, "go", "build", "./...")
	run(t, dest, "go", "test", "./src/...")
}

func TestNewServiceRefusesBadInput(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"Payments!", "github.com/acme/payments", t.TempDir() + "/a"},
		{"payments", "not a module", t.TempDir() + "/b"},
		{"payments", "github.com/acme/payments", repo.Root()}, // exists, not empty
	} {
		cmd := exec.Command(filepath.Join(repo.Root(), "scripts", "new-service"), args...)
		out, err := cmd.CombinedOutput()
		require.Error(t, err, "%v", args)
		assert.Contains(t, string(out), "new-service:")
	}
}
