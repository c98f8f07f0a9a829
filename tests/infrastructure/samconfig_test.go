package infrastructure

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/sam"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// samconfig is samconfig.toml: environment → command → section → option.
type samconfig map[string]map[string]map[string]map[string]any

func loadSamconfig(t *testing.T) samconfig {
	t.Helper()
	// Python's standard library reads TOML; Go's does not.
	out, err := exec.Command("python3", "-c",
		"import json, sys, tomllib; d = tomllib.load(open(sys.argv[1], 'rb')); d.pop('version'); print(json.dumps(d))",
		filepath.Join(repo.Root(), "samconfig.toml")).Output()
	require.NoError(t, err)
	var conf samconfig
	require.NoError(t, json.Unmarshal(out, &conf))
	return conf
}

// Each environment of samconfig.toml deploys its own stack, in a region it
// names, with its own Environment parameter; [default], what sam reads
// without --config-env, is dev exactly.
func TestSamconfigEnvironments(t *testing.T) {
	t.Parallel()
	conf := loadSamconfig(t)
	assert.Equal(t, conf["dev"], conf["default"], "[default] is dev's settings, every one of them")

	stacks := map[string]bool{}
	for _, env := range []string{"dev", "staging", "production"} {
		c, ok := conf[env]
		require.True(t, ok, "samconfig.toml has [%s]", env)
		global := c["global"]["parameters"]
		stack, _ := global["stack_name"].(string)
		assert.NotEmpty(t, stack, env)
		assert.False(t, stacks[stack], "%s has a stack of its own", env)
		stacks[stack] = true
		assert.NotEmpty(t, global["region"], "%s names its region", env)

		deploy := c["deploy"]["parameters"]
		assert.Contains(t, deploy["parameter_overrides"], "Environment="+env)
		caps, _ := deploy["capabilities"].(string)
		assert.ElementsMatch(t, []string{"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}, strings.Fields(caps), env)
		assert.Equal(t, true, deploy["resolve_s3"], env)
		assert.Equal(t, true, c["build"]["parameters"]["build_in_source"], "%s: sam build copies no tree per function", env)
	}
	assert.Equal(t, true, conf["production"]["deploy"]["parameters"]["confirm_changeset"], "production asks before it changes")
	sync := conf["dev"]["sync"]["parameters"]
	assert.Equal(t, true, sync["watch"], "sam sync --watch works for dev")
	assert.Equal(t, conf["dev"]["deploy"]["parameters"]["parameter_overrides"], sync["parameter_overrides"], "sync deploys what deploy deploys")
}

// watchExcluded are the folders whose files are no function's code: a save
// there must not re-sync any function under sam sync --watch.
var watchExcluded = []string{"/.git/", "/bin/", "/docs/", "/tests/", "/clients/", "/events/", "/tools/", "/.github/", "/.aws-sam/"}

// CodeUri is the module root, so without exclusions every save re-syncs
// every function: each function excludes the folders that are not code.
func TestSyncWatchesCodeOnly(t *testing.T) {
	t.Parallel()
	excludes, _ := loadSamconfig(t)["dev"]["sync"]["parameters"]["watch_exclude"].([]any)
	for _, fn := range tmpl.IDs("AWS::Lambda::Function") {
		for _, dir := range watchExcluded {
			if fn == hookFunction && dir == "/events/" {
				// The hook embeds the sample events: they are its code.
				assert.NotContains(t, excludes, fn+"="+dir, "the hook's code includes events/")
				continue
			}
			assert.Contains(t, excludes, fn+"="+dir, "samconfig.toml [dev.sync.parameters] watch_exclude: %s=%s (README \"Add an endpoint\", step 7)", fn, dir)
		}
	}
}

// sam local sets only the variables the template declares, and cannot
// resolve the template's GetAtts: events/env.json gives every function
// every variable it declares, pointing at DynamoDB Local.
func TestLocalEnvVarsCoverEveryFunction(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(repo.Root(), "events", "env.json"))
	require.NoError(t, err)
	var env map[string]map[string]string
	require.NoError(t, json.Unmarshal(raw, &env))
	shared := env["Parameters"]
	require.NotEmpty(t, shared, "env.json gives its variables to every function (Parameters)")

	source, err := sam.Load(filepath.Join(repo.Root(), "template.yaml"))
	require.NoError(t, err)
	declared, err := source.Declared()
	require.NoError(t, err)
	for fn, vars := range declared {
		for _, name := range vars {
			_, inShared := shared[name]
			_, inOwn := env[fn][name]
			assert.True(t, inShared || inOwn, "events/env.json sets %s for %s", name, fn)
		}
	}
	for name := range shared {
		assert.True(t, slices.ContainsFunc(slices.Collect(maps.Values(declared)), func(vars []string) bool { return slices.Contains(vars, name) }),
			"events/env.json sets %s, which no function declares (sam local would drop it)", name)
	}
	assert.Equal(t, "http://dynamodb:8000", shared["AWS_ENDPOINT_URL_DYNAMODB"], "DynamoDB Local's alias on the orders-local network")
}

// The sam local commands the docs show name a function of the template and
// an event that exists: sam local invoke needs the function's logical id.
func TestDocumentedSamLocalCommands(t *testing.T) {
	t.Parallel()
	// A command line of a console block: "$ sam local invoke Function -e event".
	invoke := regexp.MustCompile(`(?m)^\$ sam local invoke(?: +([A-Za-z0-9]+))?(?: +-e +(\S+))?`)
	found := 0
	for _, page := range []string{"README.md", "docs/local-development.md", "docs/deployment.md", "docs/getting-started.md"} {
		raw, err := os.ReadFile(filepath.Join(repo.Root(), page))
		require.NoError(t, err)
		for _, m := range invoke.FindAllStringSubmatch(string(raw), -1) {
			found++
			fn := strings.Trim(m[1], "`")
			require.NotEmpty(t, fn, "%s: %q names no function", page, m[0])
			assert.Contains(t, tmpl.IDs("AWS::Lambda::Function"), fn, "%s: %q", page, m[0])
			if m[2] != "" {
				_, err := os.Stat(filepath.Join(repo.Root(), strings.Trim(m[2], "`")))
				require.NoError(t, err, "%s: %q names an event that does not exist", page, m[0])
			}
		}
	}
	assert.NotZero(t, found, "the docs show sam local invoke")
}
