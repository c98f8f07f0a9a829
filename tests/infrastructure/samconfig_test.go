package infrastructure

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/tests/repo"
)

// Each environment of samconfig.toml deploys its own stack with its own
// Environment parameter, so `sam deploy --config-env staging` just works.
func TestSamconfigEnvironments(t *testing.T) {
	t.Parallel()
	// Python's standard library reads TOML; Go's does not.
	out, err := exec.Command("python3", "-c",
		"import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], 'rb'))))",
		filepath.Join(repo.Root(), "samconfig.toml")).Output()
	require.NoError(t, err)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(out, &raw))
	conf := map[string]map[string]map[string]map[string]any{}
	for _, env := range []string{"dev", "staging", "production"} {
		var c map[string]map[string]map[string]any
		require.NoError(t, json.Unmarshal(raw[env], &c), "samconfig.toml has [%s]", env)
		conf[env] = c
	}

	stacks := map[string]bool{}
	for _, env := range []string{"dev", "staging", "production"} {
		c, ok := conf[env]
		require.True(t, ok, "samconfig.toml has [%s]", env)
		stack, _ := c["global"]["parameters"]["stack_name"].(string)
		assert.NotEmpty(t, stack, env)
		assert.False(t, stacks[stack], "%s has a stack of its own", env)
		stacks[stack] = true
		deploy := c["deploy"]["parameters"]
		assert.Contains(t, deploy["parameter_overrides"], "Environment="+env)
		caps, _ := deploy["capabilities"].(string)
		assert.ElementsMatch(t, []string{"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}, strings.Fields(caps), env)
		assert.Equal(t, true, deploy["resolve_s3"], env)
	}
	assert.Equal(t, true, conf["production"]["deploy"]["parameters"]["confirm_changeset"], "production asks before it changes")
	assert.Equal(t, true, conf["dev"]["sync"]["parameters"]["watch"], "sam sync --watch works for dev")
}
