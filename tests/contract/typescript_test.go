package contract

// The TypeScript client in clients/typescript: its types are generated from
// api.yaml by openapi-typescript (pinned in package-lock.json), and
// src/example.ts calls every operation through openapi-fetch. These tests
// check that the committed types are fresh and that the example still
// type-checks, so a change to api.yaml that breaks TypeScript consumers fails
// here, and they prove that such a change does fail.
//
// They need Node.js 20 or later with npm. The first run installs the pinned
// packages with `npm ci` (a few seconds); later runs reuse node_modules until
// package.json or package-lock.json change.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/go-sam-blueprint/orders/tests/repo"
)

const (
	// tsGenerateScript is the "generate" script of clients/typescript/package.json;
	// the tests generate exactly as it does, into a temporary file.
	tsGenerateScript = "openapi-typescript ../../api.yaml -o src/api.d.ts"
	// tsStampName, inside node_modules, records the hash of package.json and
	// package-lock.json that `npm ci` last installed. Deleting node_modules
	// deletes it too.
	tsStampName  = ".orders-contract-stamp"
	tsMinNode    = 20
	tsNPMTimeout = 5 * time.Minute
	tsRunTimeout = 2 * time.Minute
)

var (
	tsInstallOnce sync.Once
	tsInstallErr  error
)

// tsClientDir is clients/typescript.
func tsClientDir() string {
	return filepath.Join(repo.Root(), "clients", "typescript")
}

// tsRequireNode fails the test, saying what to install, unless node 20+,
// npm and npx are on PATH.
func tsRequireNode(t *testing.T) {
	t.Helper()
	const install = "the TypeScript client tests need Node.js %d or later with npm " +
		"(install it from https://nodejs.org/ or your package manager, e.g. `apt-get install nodejs npm`, `brew install node`)"
	for _, tool := range []string{"node", "npm", "npx"} {
		_, err := exec.LookPath(tool)
		require.NoErrorf(t, err, "%s not found on PATH: "+install, tool, tsMinNode)
	}
	out, err := exec.Command("node", "--version").Output()
	require.NoError(t, err, "node --version")
	version := strings.TrimSpace(string(out))
	m := regexp.MustCompile(`^v(\d+)\.`).FindStringSubmatch(version)
	require.NotNilf(t, m, "unexpected `node --version` output %q", version)
	major, _ := strconv.Atoi(m[1])
	require.GreaterOrEqualf(t, major, tsMinNode, "node is %s: "+install, version, tsMinNode)
}

// tsInstall runs `npm ci` in clients/typescript unless node_modules already
// holds what package.json and package-lock.json pin. It runs once per test
// binary.
func tsInstall(t *testing.T) {
	t.Helper()
	tsRequireNode(t)
	tsInstallOnce.Do(func() { tsInstallErr = tsNPMCI(tsClientDir()) })
	require.NoError(t, tsInstallErr)
}

func tsNPMCI(dir string) error {
	h := sha256.New()
	for _, name := range []string{"package.json", "package-lock.json"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", name, len(raw))
		h.Write(raw)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	stamp := filepath.Join(dir, "node_modules", tsStampName)
	if got, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(got)) == sum {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), tsNPMTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in clients/typescript: %w\n%s", err, out)
	}
	return os.WriteFile(stamp, []byte(sum+"\n"), 0o644)
}

// tsRun runs a locally installed npm package binary (npx without installing
// anything) in clients/typescript and returns its combined output.
func tsRun(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), tsRunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npx", append([]string{"--no", "--"}, args...)...)
	cmd.Dir = tsClientDir()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// tsGenerate generates the TypeScript types of the spec at spec into out,
// as `npm run generate` does.
func tsGenerate(t *testing.T, spec, out string) {
	t.Helper()
	msg, err := tsRun(t, "openapi-typescript", spec, "-o", out)
	require.NoErrorf(t, err, "openapi-typescript %s:\n%s", spec, msg)
}

// tsTypecheck runs tsc on the TypeScript project in dir.
func tsTypecheck(t *testing.T, dir string) (string, error) {
	t.Helper()
	return tsRun(t, "tsc", "--noEmit", "--pretty", "false", "-p", dir)
}

func TestTypeScriptClient(t *testing.T) {
	t.Parallel()
	tsInstall(t)
	dir := tsClientDir()

	t.Run("the generate script is the one the test runs", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
		require.NoError(t, err)
		var pkg struct {
			Scripts map[string]string `json:"scripts"`
		}
		require.NoError(t, json.Unmarshal(raw, &pkg))
		assert.Equal(t, tsGenerateScript, pkg.Scripts["generate"],
			"clients/typescript/package.json changed how the types are generated: update tsGenerateScript and tsGenerate here to match")
	})

	t.Run("the committed types are fresh", func(t *testing.T) {
		t.Parallel()
		fresh := filepath.Join(t.TempDir(), "api.d.ts")
		tsGenerate(t, filepath.Join(repo.Root(), "api.yaml"), fresh)
		want, err := os.ReadFile(fresh)
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(dir, "src", "api.d.ts"))
		require.NoError(t, err, "clients/typescript/src/api.d.ts is missing: run make client-ts")
		if line, w, g, same := tsFirstDifference(want, got); !same {
			require.Failf(t, "clients/typescript/src/api.d.ts is stale: run make client-ts",
				"it differs from what api.yaml generates from line %d:\n  generated: %q\n  committed: %q", line, w, g)
		}
	})

	t.Run("the example type-checks", func(t *testing.T) {
		t.Parallel()
		out, err := tsTypecheck(t, dir)
		require.NoErrorf(t, err, "tsc --noEmit -p clients/typescript: the API no longer fits its TypeScript consumers "+
			"(if the change is meant, update clients/typescript/src/example.ts and call it out as breaking):\n%s", out)
	})
}

func TestTypeScriptCatchesABreakingChange(t *testing.T) {
	t.Parallel()
	tsInstall(t)
	spec, err := os.ReadFile(filepath.Join(repo.Root(), "api.yaml"))
	require.NoError(t, err)

	cases := []struct {
		name     string
		breakIt  func(t *testing.T, order *yaml.Node)
		property string
	}{
		{
			name: "Order.name renamed to customer",
			breakIt: func(t *testing.T, order *yaml.Node) {
				t.Helper()
				tsRenameProperty(t, order, "name", "customer")
			},
			property: "name",
		},
		{
			name: "Order.premium removed",
			breakIt: func(t *testing.T, order *yaml.Node) {
				t.Helper()
				tsRemoveProperty(t, order, "premium")
			},
			property: "premium",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var doc yaml.Node
			require.NoError(t, yaml.Unmarshal(spec, &doc))
			tc.breakIt(t, tsMapPath(t, &doc, "components", "schemas", "Order"))
			broken, err := yaml.Marshal(&doc)
			require.NoError(t, err)

			// A copy of the client project, with the broken spec's types.
			tmp := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(tmp, "api.yaml"), broken, 0o644))
			require.NoError(t, os.Mkdir(filepath.Join(tmp, "src"), 0o755))
			for _, name := range []string{"tsconfig.json", filepath.Join("src", "example.ts")} {
				raw, err := os.ReadFile(filepath.Join(tsClientDir(), name))
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join(tmp, name), raw, 0o644))
			}
			require.NoError(t, os.Symlink(filepath.Join(tsClientDir(), "node_modules"), filepath.Join(tmp, "node_modules")))
			tsGenerate(t, filepath.Join(tmp, "api.yaml"), filepath.Join(tmp, "src", "api.d.ts"))

			out, err := tsTypecheck(t, tmp)
			require.Errorf(t, err, "tsc accepted the example against a spec where %s; the check cannot catch breaking changes:\n%s", tc.name, out)
			var exitErr *exec.ExitError
			require.ErrorAs(t, err, &exitErr, "tsc did not run:\n%s", out)

			// Every error is about the broken property, so the failure comes
			// from the change, not from the copied project's setup.
			errs := regexp.MustCompile(`(?m)^.*error TS\d+:.*$`).FindAllString(out, -1)
			require.NotEmptyf(t, errs, "tsc failed without a type error:\n%s", out)
			for _, e := range errs {
				assert.Containsf(t, e, "src/example.ts", "error outside the example:\n%s", out)
			}
			assert.Containsf(t, out, "'"+tc.property+"'", "tsc did not name the property %q:\n%s", tc.property, out)
		})
	}
}

// tsFirstDifference compares two texts line by line, ignoring CRLF versus
// LF, and returns the first line (1-based) where they differ.
func tsFirstDifference(want, got []byte) (line int, w, g string, same bool) {
	norm := func(b []byte) []string {
		return strings.Split(string(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))), "\n")
	}
	wl, gl := norm(want), norm(got)
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var a, b string
		if i < len(wl) {
			a = wl[i]
		}
		if i < len(gl) {
			b = gl[i]
		}
		if a != b || (i >= len(wl)) != (i >= len(gl)) {
			return i + 1, a, b, false
		}
	}
	return 0, "", "", true
}

// tsMapPath follows keys down from a YAML document and returns the mapping
// node it reaches.
func tsMapPath(t *testing.T, doc *yaml.Node, keys ...string) *yaml.Node {
	t.Helper()
	n := doc
	if n.Kind == yaml.DocumentNode {
		n = n.Content[0]
	}
	for _, k := range keys {
		v := tsMapValue(n, k)
		require.NotNilf(t, v, "api.yaml has no %q under %v", k, keys)
		n = v
	}
	require.Equal(t, yaml.MappingNode, n.Kind, "%v is not a mapping", keys)
	return n
}

func tsMapValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// tsRenameProperty renames a property of an object schema, in its
// properties and in its required list.
func tsRenameProperty(t *testing.T, schema *yaml.Node, from, to string) {
	t.Helper()
	props := tsMapValue(schema, "properties")
	require.NotNil(t, props, "schema without properties")
	renamed := false
	for i := 0; i+1 < len(props.Content); i += 2 {
		if props.Content[i].Value == from {
			props.Content[i].Value = to
			renamed = true
		}
	}
	require.Truef(t, renamed, "schema has no property %q", from)
	if req := tsMapValue(schema, "required"); req != nil {
		for _, r := range req.Content {
			if r.Value == from {
				r.Value = to
			}
		}
	}
}

// tsRemoveProperty removes a property of an object schema, from its
// properties and from its required list.
func tsRemoveProperty(t *testing.T, schema *yaml.Node, name string) {
	t.Helper()
	props := tsMapValue(schema, "properties")
	require.NotNil(t, props, "schema without properties")
	before := len(props.Content)
	for i := 0; i+1 < len(props.Content); i += 2 {
		if props.Content[i].Value == name {
			props.Content = append(props.Content[:i], props.Content[i+2:]...)
			break
		}
	}
	require.Lessf(t, len(props.Content), before, "schema has no property %q", name)
	if req := tsMapValue(schema, "required"); req != nil {
		kept := req.Content[:0]
		for _, r := range req.Content {
			if r.Value != name {
				kept = append(kept, r)
			}
		}
		req.Content = kept
	}
}
