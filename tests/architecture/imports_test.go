// Package architecture holds the layout to its rules: which packages may
// import which (docs/architecture.md). Folder names say what each package
// is; this suite makes the direction of dependencies a check, not a hope.
//
// Go's internal/ directories would fence some of this too, but the design
// card keeps the cross-package suites in tests/, outside src/, where
// internal/ would lock them out.
package architecture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/tests/repo"
)

const module = "github.com/go-sam-blueprint/orders/"

// pkg is what go list says of one package.
type pkg struct {
	ImportPath string
	Imports    []string // its own, without tests
	Deps       []string // everything it links, transitively
}

// rule forbids the packages under from to import what forbidden matches.
type rule struct {
	name      string
	from      func(path string) bool
	forbidden func(imp string) bool
	// linked checks everything the package links, not only its imports.
	linked bool
	why    string
}

func under(dirs ...string) func(string) bool {
	return func(path string) bool {
		for _, d := range dirs {
			if path == module+d || strings.HasPrefix(path, module+d+"/") {
				return true
			}
		}
		return false
	}
}

func is(paths ...string) func(string) bool {
	return func(path string) bool {
		for _, p := range paths {
			if path == module+p {
				return true
			}
		}
		return false
	}
}

func prefixed(prefixes ...string) func(string) bool {
	return func(imp string) bool {
		for _, p := range prefixes {
			if imp == p || strings.HasPrefix(imp, p+"/") {
				return true
			}
		}
		return false
	}
}

func anyOf(fs ...func(string) bool) func(string) bool {
	return func(s string) bool {
		for _, f := range fs {
			if f(s) {
				return true
			}
		}
		return false
	}
}

func allOf(fs ...func(string) bool) func(string) bool {
	return func(s string) bool {
		for _, f := range fs {
			if !f(s) {
				return false
			}
		}
		return true
	}
}

func not(f func(string) bool) func(string) bool { return func(s string) bool { return !f(s) } }

// doubles are the packages of test doubles, which tests alone import.
var doubles = under("src/orders/orderstest", "src/orders/dynamo/dynamotest")

var rules = []rule{
	{
		name: "platform", from: under("src/platform"),
		forbidden: under("src/orders", "src/app", "src/cmd", "src/local", "src/api"),
		why:       "the platform serves any service: it knows no product, no wiring and no local tool",
	},
	{
		name: "domain", from: is("src/orders"),
		forbidden: anyOf(under("src/orders", "src/api", "src/app", "src/local"), prefixed("net/http", "github.com/aws")),
		why:       "the domain knows nothing of HTTP or DynamoDB; its adapters depend on it, never the reverse",
	},
	{
		name: "http port", from: under("src/orders/httpapi"),
		forbidden: anyOf(under("src/orders/dynamo", "src/app", "src/local"), prefixed("github.com/aws/aws-sdk-go-v2")),
		why:       "the HTTP port maps api.yaml to the domain; storage is the domain's Store",
	},
	{
		name: "storage adapter", from: allOf(under("src/orders/dynamo"), not(doubles)),
		forbidden: anyOf(under("src/api", "src/orders/httpapi", "src/app", "src/local"), prefixed("net/http")),
		why:       "the DynamoDB adapter maps the domain to items; it knows nothing of the API",
	},
	{
		name: "deployment hook", from: under("src/orders/deployhook"),
		forbidden: anyOf(is("src/orders"), under("src/orders/httpapi", "src/orders/dynamo", "src/app", "src/local"), prefixed("github.com/aws/aws-sdk-go-v2/service/dynamodb")),
		why:       "the hook tests the deployed functions from outside, through Lambda, as API Gateway calls them: it never runs their code or touches their data itself",
	},
	{
		name: "local tools", from: not(anyOf(under("src/local", "src/cmd/local"), prefixed(module+"tests"))),
		forbidden: under("src/local"),
		why:       "local tooling (stand-ins for API Gateway, DynamoDB, the template) is for make run and the tests only",
	},
	{
		name: "test doubles", from: not(anyOf(doubles, prefixed(module+"tests"))),
		forbidden: anyOf(doubles, prefixed("github.com/stretchr/testify")),
		why:       "fakes and test libraries stay out of production code",
	},
	{
		name: "function binaries", from: is("src/cmd/orders", "src/cmd/docs", "src/cmd/hook"), linked: true,
		forbidden: anyOf(under("src/local"), prefixed("github.com/stretchr/testify", "github.com/aws/aws-sdk-go-v2/config")),
		why:       "what Lambda runs links no local tool, no test library, and not the SDK's config package (config.AWS says why)",
	},
	{
		name: "orders function", from: is("src/cmd/orders"), linked: true,
		forbidden: anyOf(under("src/api/openapi"), prefixed("github.com/getkin/kin-openapi", "github.com/santhosh-tekuri/jsonschema", "github.com/oapi-codegen/nethttp-middleware")),
		why:       "the orders function keeps the spec with generated types and the domain's rules, and links no OpenAPI library: its package initialization was most of the cold path (docs/performance.md)",
	},
}

// violations lists what breaks the rules, one line each.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		for _, r := range rules {
			if !r.from(p.ImportPath) {
				continue
			}
			imports := p.Imports
			if r.linked {
				imports = p.Deps
			}
			for _, imp := range imports {
				if r.forbidden(imp) && imp != p.ImportPath {
					out = append(out, fmt.Sprintf("%s imports %s: rule %q: %s",
						strings.TrimPrefix(p.ImportPath, module), strings.TrimPrefix(imp, module), r.name, r.why))
				}
			}
		}
	}
	return out
}

// list asks go list for every package under src, tests excluded.
func list(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "./src/...")
	cmd.Dir = repo.Root()
	out, err := cmd.Output()
	require.NoError(t, err)
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		require.NoError(t, dec.Decode(&p))
		pkgs = append(pkgs, p)
	}
	require.Greater(t, len(pkgs), 20, "go list found the packages")
	return pkgs
}

func TestImportsFollowTheLayout(t *testing.T) {
	t.Parallel()
	assert.Empty(t, violations(list(t)))
}

// Each rule catches what it forbids.
func TestRulesCatchViolations(t *testing.T) {
	t.Parallel()
	bad := []pkg{
		{ImportPath: module + "src/platform/metrics", Imports: []string{module + "src/orders"}},
		{ImportPath: module + "src/orders", Imports: []string{"net/http"}},
		{ImportPath: module + "src/orders/httpapi", Imports: []string{module + "src/orders/dynamo"}},
		{ImportPath: module + "src/orders/dynamo", Imports: []string{module + "src/api"}},
		{ImportPath: module + "src/app", Imports: []string{module + "src/local/gateway"}},
		{ImportPath: module + "src/orders/httpapi", Imports: []string{module + "src/orders/orderstest"}},
		{ImportPath: module + "src/cmd/orders", Deps: []string{"github.com/aws/aws-sdk-go-v2/config"}},
		{ImportPath: module + "src/orders/deployhook", Imports: []string{module + "src/app"}},
		{ImportPath: module + "src/cmd/hook", Deps: []string{"github.com/stretchr/testify/assert"}},
		{ImportPath: module + "src/cmd/orders", Deps: []string{"github.com/getkin/kin-openapi/openapi3"}},
	}
	for _, p := range bad {
		assert.Len(t, violations([]pkg{p}), 1, "%s: %v", p.ImportPath, p)
	}
	fine := []pkg{
		{ImportPath: module + "src/orders", Imports: []string{module + "src/platform/metrics"}},
		{ImportPath: module + "src/cmd/local", Imports: []string{module + "src/local/gateway"}},
		{ImportPath: module + "src/orders/deployhook", Imports: []string{module + "src/api", "github.com/aws/aws-sdk-go-v2/service/lambda"}},
		{ImportPath: module + "src/cmd/docs", Deps: []string{"github.com/getkin/kin-openapi/openapi3"}},
		{ImportPath: module + "tests/integration", Imports: []string{module + "src/local/motoserver", module + "src/orders/orderstest"}},
	}
	assert.Empty(t, violations(fine))
}
