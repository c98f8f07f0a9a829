package infrastructure

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/tests/cfn"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// hookFunction is the pre-traffic hook of the orders functions'
// deployments (src/orders/deployhook).
const hookFunction = "CodeDeployHookFunction"

// hookPrefix starts the name of every function that SAM's CodeDeploy role
// (AWSCodeDeployRoleForLambda) may invoke.
const hookPrefix = "CodeDeployHook_"

// deploymentTypes is how each environment shifts traffic to a new version.
var deploymentTypes = map[string]string{
	"dev":        "AllAtOnce",
	"staging":    "Canary10Percent5Minutes",
	"production": "Canary10Percent5Minutes",
}

// hookGrants are the hook's grants: invoke each orders function's new
// version, report on each one's deployment group.
func hookGrants() []string {
	var out []string
	for _, fn := range functions {
		out = append(out, fn+".Version:lambda:InvokeFunction", fn+"DeploymentGroup:codedeploy:PutLifecycleEventHookExecutionStatus")
	}
	return out
}

// deployment is what SAM makes of one function's AutoPublishAlias and
// DeploymentPreference.
type deployment struct {
	version, alias, group string
}

// deploymentOf finds fn's version, its alias live on that version, and the
// deployment group its alias' updates go through. A missing part fails t.
func deploymentOf(t *testing.T, c *cfn.Template, fn string) deployment {
	t.Helper()
	of := func(typ string) []string {
		var ids []string
		for _, id := range c.IDs(typ) {
			if ref, _ := cfn.Ref(c.Resources[id].Properties["FunctionName"]); ref == fn {
				ids = append(ids, id)
			}
		}
		return ids
	}
	versions, aliases := of("AWS::Lambda::Version"), of("AWS::Lambda::Alias")
	require.Len(t, versions, 1, "%s publishes a version (AutoPublishAlias)", fn)
	require.Len(t, aliases, 1, "%s has an alias", fn)
	d := deployment{version: versions[0], alias: aliases[0]}
	alias := c.Resources[d.alias]
	assert.Equal(t, liveAlias, alias.Properties["Name"], fn)
	v, attr, _ := cfn.GetAtt(alias.Properties["FunctionVersion"])
	assert.Equal(t, []string{d.version, "Version"}, []string{v, attr}, "%s's alias points at its new version", fn)

	update := cfn.Path(alias.UpdatePolicy, "CodeDeployLambdaAliasUpdate")
	require.NotNil(t, update, "%s's alias moves through CodeDeploy (DeploymentPreference)", fn)
	app, _ := cfn.Ref(cfn.Path(update, "ApplicationName"))
	require.Contains(t, c.Resources, app)
	assert.Equal(t, "AWS::CodeDeploy::Application", c.Resources[app].Type)
	assert.Equal(t, "Lambda", c.Resources[app].Properties["ComputePlatform"])
	d.group, _ = cfn.Ref(cfn.Path(update, "DeploymentGroupName"))
	require.Contains(t, c.Resources, d.group, fn)
	group := c.Resources[d.group].Properties
	assert.Equal(t, "AWS::CodeDeploy::DeploymentGroup", c.Resources[d.group].Type)
	groupApp, _ := cfn.Ref(group["ApplicationName"])
	assert.Equal(t, app, groupApp)
	assert.Equal(t, map[string]any{"DeploymentType": "BLUE_GREEN", "DeploymentOption": "WITH_TRAFFIC_CONTROL"}, group["DeploymentStyle"], fn)
	assert.Equal(t, true, cfn.Path(group, "AutoRollbackConfiguration", "Enabled"), "%s rolls back by itself", fn)
	events := cfn.List(cfn.Path(group, "AutoRollbackConfiguration", "Events"))
	assert.Subset(t, events, []any{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"}, "%s rolls back when the hook fails it or an alarm goes off", fn)
	return d
}

// configName is the deployment configuration a group uses:
// CodeDeployDefault.Lambda<name>, as SAM writes it.
func configName(t *testing.T, c *cfn.Template, group string) string {
	t.Helper()
	sub, _ := cfn.Path(c.Resources[group].Properties, "DeploymentConfigName", "Fn::Sub").([]any)
	require.Len(t, sub, 2, group)
	assert.Equal(t, "CodeDeployDefault.Lambda${ConfigName}", sub[0], group)
	name, _ := cfn.Path(sub[1], "ConfigName").(string)
	return name
}

// rollbackAlarms returns the alarms a deployment group stops on.
func rollbackAlarms(c *cfn.Template, group string) []string {
	var out []string
	for _, a := range cfn.List(cfn.Path(c.Resources[group].Properties, "AlarmConfiguration", "Alarms")) {
		if id, ok := cfn.Ref(cfn.Path(a, "Name")); ok {
			out = append(out, id)
		}
	}
	return out
}

// watches reports whether the alarm id watches metric of fn.
func watches(c *cfn.Template, id, fn, metric string) bool {
	r := c.Resources[id]
	if r == nil || r.Type != "AWS::CloudWatch::Alarm" || r.Properties["Namespace"] != "AWS/Lambda" || r.Properties["MetricName"] != metric {
		return false
	}
	for _, d := range cfn.List(r.Properties["Dimensions"]) {
		if ref, _ := cfn.Ref(cfn.Path(d, "Value")); cfn.Path(d, "Name") == "FunctionName" && ref == fn {
			return true
		}
	}
	return false
}

// environments transforms the template as each environment's deploy does.
func environments(t *testing.T) map[string]*cfn.Template {
	t.Helper()
	out := map[string]*cfn.Template{"dev": tmpl} // the defaults: dev
	dir := t.TempDir()
	for _, env := range []string{"staging", "production"} {
		c, err := cfn.TransformWith(filepath.Join(repo.Root(), "template.yaml"), dir, map[string]string{"Environment": env})
		require.NoError(t, err, env)
		out[env] = c
	}
	return out
}

// Every function deploys gradually in every environment: a version, the
// alias live on it, and a CodeDeploy deployment group that shifts the
// alias' traffic as the environment says and rolls back on the function's
// own errors and latency alarms. Each orders function's deployment first
// runs the pre-traffic hook; the docs function has no events to be
// checked with.
func TestGradualDeployments(t *testing.T) {
	t.Parallel()
	for env, c := range environments(t) {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			for _, fn := range append(slices.Clone(functions), "DocsFunction") {
				d := deploymentOf(t, c, fn)
				assert.Equal(t, deploymentTypes[env], configName(t, c, d.group), "%s in %s (the EnvironmentSettings mapping)", fn, env)

				alarms := rollbackAlarms(c, d.group)
				assert.Len(t, alarms, 2, "%s: its errors and latency alarms", fn)
				assert.True(t, slices.ContainsFunc(alarms, func(a string) bool { return watches(c, a, fn, "Errors") }), "%s rolls back on its errors alarm: %v", fn, alarms)
				assert.True(t, slices.ContainsFunc(alarms, func(a string) bool { return watches(c, a, fn, "Duration") }), "%s rolls back on its latency alarm: %v", fn, alarms)
				assert.Equal(t, true, cfn.Path(c.Resources[d.group].Properties, "AlarmConfiguration", "Enabled"), fn)

				hook, _ := cfn.Ref(cfn.Path(c.Resources[d.alias].UpdatePolicy, "CodeDeployLambdaAliasUpdate", "BeforeAllowTrafficHook"))
				if fn == "DocsFunction" {
					assert.Empty(t, hook, "the docs have no sample events")
					continue
				}
				assert.Equal(t, hookFunction, hook, "%s's new version is checked before it takes traffic (README \"Add an endpoint\", step 7)", fn)
			}
		})
	}
}

// The rollback alarms are the functions' own, declared once, in
// Fn::ForEach::PerFunction. CodeDeploy will not start a deployment while
// one is in ALARM: a minute without errors puts each back to OK, so one
// past error never holds a deploy for long.
func TestRollbackAlarmsClearWithinMinutes(t *testing.T) {
	t.Parallel()
	for _, fn := range append(slices.Clone(functions), "DocsFunction") {
		for _, id := range rollbackAlarms(tmpl, deploymentOf(t, tmpl, fn).group) {
			p := tmpl.Resources[id].Properties
			assert.EqualValues(t, 60, p["Period"], id)
			assert.EqualValues(t, 1, p["EvaluationPeriods"], id)
			assert.Nil(t, p["DatapointsToAlarm"], id)
			assert.Equal(t, "notBreaching", p["TreatMissingData"], "%s: a minute without invocations is OK", id)
			assert.Equal(t, fn, strings.TrimSuffix(strings.TrimSuffix(id, "ErrorsAlarm"), "DurationAlarm")+"Function", "%s: one of the alarms of Fn::ForEach::PerFunction", id)
		}
	}
}

// The hook is a function SAM's CodeDeploy role may invoke, that knows the
// version of each orders function being deployed and may invoke exactly
// those (TestRolesAreLeastPrivilege has its grants), and that is no
// deployment of its own.
func TestPreTrafficHook(t *testing.T) {
	t.Parallel()
	hook := tmpl.Resources[hookFunction]
	require.NotNil(t, hook)
	name, ok := tmpl.Sub(hook.Properties["FunctionName"])
	require.True(t, ok)
	assert.Equal(t, hookPrefix+"${AWS::StackName}", name)
	assert.Equal(t, "makefile", cfn.Path(hook.Metadata, "BuildMethod"))

	vars, _ := cfn.Path(hook.Properties, "Environment", "Variables").(map[string]any)
	var tested []string
	for name, v := range vars {
		id, ok := cfn.Ref(v)
		if !ok || tmpl.Resources[id] == nil || tmpl.Resources[id].Type != "AWS::Lambda::Version" {
			continue
		}
		fn, _ := cfn.Ref(tmpl.Resources[id].Properties["FunctionName"])
		tested = append(tested, fn)
		assert.Equal(t, strings.ToUpper(snake(strings.TrimSuffix(fn, "Function")))+"_VERSION", name, "deployhook.Functions reads it")
		assert.Equal(t, deploymentOf(t, tmpl, fn).version, id, "%s: the version being deployed", name)
	}
	assert.ElementsMatch(t, functions, tested, "the hook tests the new version of each orders function (README \"Add an endpoint\", step 7)")

	for _, id := range tmpl.IDs("AWS::CodeDeploy::DeploymentGroup") {
		assert.NotEqual(t, hookFunction+"DeploymentGroup", id, "the hook is no gradual deployment of its own")
	}
	for _, id := range tmpl.IDs("AWS::Lambda::Alias") {
		if fn, _ := cfn.Ref(tmpl.Resources[id].Properties["FunctionName"]); fn == hookFunction {
			assert.Nil(t, tmpl.Resources[id].UpdatePolicy, "the hook's alias moves at once")
		}
	}
	for _, id := range tmpl.IDs("AWS::Lambda::Permission") {
		alias, _ := cfn.Ref(tmpl.Resources[id].Properties["FunctionName"])
		fn, _ := aliased(alias)
		assert.NotEqual(t, hookFunction, fn, "%s: nothing but CodeDeploy calls the hook", id)
	}
	group, _ := cfn.Ref(cfn.Path(hook.Properties, "LoggingConfig", "LogGroup"))
	assert.Equal(t, "AWS::Logs::LogGroup", typeOf(group))
	assert.True(t, alarmed(hookFunction, "Errors"), "a hook that fails to run leaves the deployment waiting: its errors alarm says so")
}

// Lambda names are at most 64 characters of letters, digits, - and _: the
// hook's, CodeDeployHook_{stack}, leaves 49 for the stack's name
// (docs/deployment.md, "Stack names").
func TestHookNameFitsEveryStack(t *testing.T) {
	t.Parallel()
	valid := regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	name := func(stack string) string { return hookPrefix + stack }
	assert.Regexp(t, valid, name(strings.Repeat("o", 49)))
	assert.NotRegexp(t, valid, name(strings.Repeat("o", 50)), "too long")
	stacks := []string{"orders-pr-99999"} // pr.yml's stacks
	for _, c := range loadSamconfig(t) {
		stack, _ := c["global"]["parameters"]["stack_name"].(string)
		stacks = append(stacks, stack)
	}
	for _, stack := range stacks {
		assert.Regexp(t, valid, name(stack), "stack %q", stack)
	}
}
