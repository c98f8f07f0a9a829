package infrastructure

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/config"
	"github.com/go-sam-blueprint/orders/src/platform/flags"
	"github.com/go-sam-blueprint/orders/tests/cfn"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// functionOf is the function each operation runs on, by convention: the
// docs function serves every docs operation.
func functionOf(op *openapi3.Operation) string {
	if slices.Contains(op.Tags, "docs") {
		return "DocsFunction"
	}
	return strings.ToUpper(op.OperationID[:1]) + op.OperationID[1:] + "Function"
}

// functions are the orders functions, those that api.yaml's operations
// other than the docs' integrate; DocsFunction serves the docs.
var functions []string

// liveAlias is the alias every function publishes (AutoPublishAlias) and
// API Gateway invokes.
const liveAlias = "live"

// aliased returns the function that id, an alias of the template, points
// at: ok only for an alias named live.
func aliased(id string) (fn string, ok bool) {
	return aliasedIn(tmpl, id)
}

// aliasedIn is aliased, in template t.
func aliasedIn(t *cfn.Template, id string) (fn string, ok bool) {
	r := t.Resources[id]
	if r == nil || r.Type != "AWS::Lambda::Alias" || r.Properties["Name"] != liveAlias {
		return "", false
	}
	return cfn.Ref(r.Properties["FunctionName"])
}

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	spec, err := openapi3.NewLoader().LoadFromFile(filepath.Join(repo.Root(), "api.yaml"))
	require.NoError(t, err)
	return spec
}

// integrationTarget returns the function an integration of the
// transformed API invokes, through its alias live: a uri on the function
// itself would skip the gradual deployment.
func integrationTarget(t *testing.T, ext any) string {
	t.Helper()
	_, ok := cfn.Path(ext, "uri", "Fn::Sub").(string)
	require.True(t, ok, "integration uri is an Fn::Sub: %v", ext)
	_, alias, err := tmpl.Invoked(ext)
	require.NotEmpty(t, alias, "%v", err)
	fn, ok := aliased(alias)
	require.True(t, ok, "API Gateway invokes the function's alias %s, not %s (README \"Add an endpoint\", step 1): %v", liveAlias, alias, ext)
	return fn
}

// Every operation of api.yaml reaches its own function, through the API's
// body, which is api.yaml itself: no second list of routes.
func TestEveryOperationIntegratesItsFunction(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	body := cfn.Path(tmpl.Resources["OrdersApi"].Properties, "Body")
	paths, ok := cfn.Path(body, "paths").(map[string]any)
	require.True(t, ok, "the API's body is api.yaml")
	assert.ElementsMatch(t, spec.Paths.InMatchingOrder(), slices.Collect(maps.Keys(paths)))

	seen := map[string]bool{}
	for template, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			integration := cfn.Path(paths, template, strings.ToLower(method), "x-amazon-apigateway-integration")
			require.NotNil(t, integration, "%s %s has no integration", method, template)
			if edgeAnswered(op) {
				continue // a CORS preflight: TestPreflightsAreTheEdges
			}
			assert.Equal(t, "aws_proxy", cfn.Path(integration, "type"))
			assert.Equal(t, "POST", cfn.Path(integration, "httpMethod"))
			target := integrationTarget(t, integration)
			assert.Equal(t, functionOf(op), target, "%s %s", method, template)
			require.Contains(t, tmpl.Resources, target)
			assert.Equal(t, "AWS::Lambda::Function", tmpl.Resources[target].Type)
			seen[target] = true
		}
		if strings.HasPrefix(template, "/api/") {
			// Undeclared methods reach a function too, which answers 405.
			anyMethod := cfn.Path(paths, template, "x-amazon-apigateway-any-method", "x-amazon-apigateway-integration")
			require.NotNil(t, anyMethod, "%s has no catch-all method", template)
			integrationTarget(t, anyMethod)
		}
	}
	assert.ElementsMatch(t, append(slices.Clone(functions), "DocsFunction"), slices.Collect(maps.Keys(seen)), "each function serves an operation")
}

// API Gateway's own answers are problem documents: 422 for an invalid body,
// 404 for an unknown route instead of 403 "Missing Authentication Token".
func TestGatewayResponsesAreProblems(t *testing.T) {
	t.Parallel()
	responses := cfn.Path(tmpl.Resources["OrdersApi"].Properties, "Body", "x-amazon-apigateway-gateway-responses")
	for kind, status := range map[string]string{
		"BAD_REQUEST_BODY": "422", "MISSING_AUTHENTICATION_TOKEN": "404", "THROTTLED": "429",
		"UNSUPPORTED_MEDIA_TYPE": "415", "WAF_FILTERED": "403", "INTEGRATION_TIMEOUT": "504",
	} {
		r := cfn.Path(responses, kind)
		require.NotNil(t, r, kind)
		assert.Equal(t, status, cfn.Path(r, "statusCode"), kind)
		assert.Equal(t, "'application/problem+json'", cfn.Path(r, "responseParameters", "gatewayresponse.header.Content-Type"), kind)
		body, ok := cfn.Path(r, "responseTemplates", "application/json").(string)
		require.True(t, ok, kind)
		// A template with $context left out is JSON; it must have the Problem's required members.
		var problem map[string]any
		require.NoError(t, json.Unmarshal([]byte(regexp.MustCompile(`\$[\w.()$]+`).ReplaceAllString(body, "x")), &problem), kind)
		assert.Contains(t, problem, "type", kind)
		assert.Contains(t, problem, "title", kind)
		assert.EqualValues(t, mustAtoi(t, status), problem["status"], kind)
	}
	// API Gateway ignores a customised 413: customising it would promise
	// what the deployed API does not do (docs/edge.md).
	assert.Nil(t, cfn.Path(responses, "REQUEST_TOO_LARGE"))
}

// API Gateway may invoke each function only for its own routes.
func TestInvokePermissions(t *testing.T) {
	t.Parallel()
	permitted := map[string]string{}
	for _, id := range tmpl.IDs("AWS::Lambda::Permission") {
		p := tmpl.Resources[id].Properties
		alias, ok := cfn.Ref(p["FunctionName"])
		require.True(t, ok, id)
		fn, ok := aliased(alias)
		require.True(t, ok, "%s: API Gateway may invoke the alias it calls, %s, not %s", id, liveAlias, alias)
		assert.Equal(t, "apigateway.amazonaws.com", p["Principal"], id)
		src, ok := tmpl.Sub(p["SourceArn"])
		require.True(t, ok, "%s: SourceArn is an Fn::Sub", id)
		assert.Contains(t, src, "${OrdersApi}/", id)
		permitted[fn] = src
	}
	for _, fn := range functions {
		assert.Contains(t, permitted, fn)
	}
	assert.True(t, strings.HasSuffix(permitted["CreateOrderFunction"], "/POST/api/orders"))
	assert.True(t, strings.HasSuffix(permitted["DeleteOrderFunction"], "/DELETE/api/orders/*"))
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	assert.ElementsMatch(t, append(slices.Clone(functions), "DocsFunction", hookFunction), tmpl.IDs("AWS::Lambda::Function"))
	required := requiredEnv(reflect.TypeFor[config.Config](), "")
	require.Contains(t, required, "APPCONFIG_PROFILE", "requiredEnv reads nested prefixes")
	for _, id := range functions {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			r := tmpl.Resources[id]
			p := r.Properties
			assert.Equal(t, "provided.al2023", p["Runtime"])
			assert.Equal(t, []any{"arm64"}, p["Architectures"])
			assert.Equal(t, "bootstrap", p["Handler"])
			assert.Equal(t, "makefile", cfn.Path(r.Metadata, "BuildMethod"), "sam build runs make build-%s", id)
			assert.Equal(t, "Active", cfn.Path(p, "TracingConfig", "Mode"))
			assert.Equal(t, "JSON", cfn.Path(p, "LoggingConfig", "LogFormat"))
			assert.NotEmpty(t, cfn.Path(p, "LoggingConfig", "ApplicationLogLevel"))
			group, ok := cfn.Ref(cfn.Path(p, "LoggingConfig", "LogGroup"))
			require.True(t, ok, "an explicit log group")
			require.Contains(t, tmpl.Resources, group, "%s's log group: its name in Fn::ForEach::PerFunction (README \"Add an endpoint\", step 7)", id)
			assert.Equal(t, "AWS::Logs::LogGroup", tmpl.Resources[group].Type)
			assert.NotNil(t, tmpl.Resources[group].Properties["RetentionInDays"])
			assert.EqualValues(t, 256, p["MemorySize"])
			assert.EqualValues(t, 10, p["Timeout"])

			vars, _ := cfn.Path(p, "Environment", "Variables").(map[string]any)
			for _, name := range required {
				assert.Contains(t, vars, name, "the typed config requires it")
			}
			for name, ref := range map[string]string{"ORDERS_TABLE_NAME": "OrdersTable", "IDEMPOTENCY_TABLE_NAME": "IdempotencyTable"} {
				got, _ := cfn.Ref(vars[name])
				assert.Equal(t, ref, got, name)
			}
			// The environment must also parse: every value set is valid for
			// the config, and with the variables Lambda adds, nothing is missing.
			// (the daemon's address as Lambda gives it: docs/tracing.md).
			plain := map[string]string{
				"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET",
				"AWS_XRAY_DAEMON_ADDRESS": "169.254.79.2:2000",
			}
			for k, v := range vars {
				switch v := v.(type) {
				case string:
					plain[k] = v
				case float64:
					plain[k] = jsonNumber(v)
				default:
					plain[k] = "x" // an intrinsic function: some id at deploy time
					if ref, ok := cfn.Ref(v); ok && tmpl.Parameters[ref] != nil {
						plain[k] = fmt.Sprint(cfn.Path(tmpl.Parameters[ref], "Default")) // a parameter: its default
					}
				}
			}
			_, err := config.LoadFrom(plain)
			require.NoError(t, err)
		})
	}
}

// Each role allows exactly what its function's code calls. DynamoDB's
// actions are derived from the calls the code makes, in tests/integration
// (TestRolesGrantWhatTheCodeSends); the others are listed here.
func TestRolesAreLeastPrivilege(t *testing.T) {
	t.Parallel()
	want := map[string][]string{
		"CreateOrderFunction": {"flags-profile:appconfig:GetLatestConfiguration", "flags-profile:appconfig:StartConfigurationSession"},
		"GetOrderFunction":    nil,
		"DeleteOrderFunction": nil,
		"ListOrdersFunction":  nil,
		"DocsFunction":        nil,
		// The versions it tests, and its verdict on their deployments.
		hookFunction: hookGrants(),
	}
	for _, fn := range tmpl.IDs("AWS::Lambda::Function") {
		require.Contains(t, want, fn, "add a row for %s: the actions other than DynamoDB's its code calls (README \"Add an endpoint\", step 10)", fn)
	}
	for fn, grants := range want {
		all, err := tmpl.Grants(fn)
		require.NoError(t, err)
		var got []string
		for _, g := range all {
			if !strings.HasPrefix(g.Action, "dynamodb:") {
				got = append(got, g.String())
			}
		}
		slices.Sort(grants)
		assert.Equal(t, grants, got, fn)
	}
}

// Only the function that reads flags carries the AppConfig Agent, arm64.
func TestAppConfigAgentLayer(t *testing.T) {
	t.Parallel()
	for _, fn := range append(slices.Clone(functions), "DocsFunction") {
		layers, _ := tmpl.Resources[fn].Properties["Layers"].([]any)
		if fn != "CreateOrderFunction" {
			assert.Empty(t, layers, fn)
			continue
		}
		require.Len(t, layers, 1)
		cond, _, fallback, ok := cfn.If(layers[0])
		require.True(t, ok)
		assert.Equal(t, "HasExtensionLayerArn", cond)
		// The offline transform runs for us-east-1, as a deploy there would.
		assert.Equal(t, cfn.Path(tmpl.Mappings, "AppConfigExtensionArm64", "us-east-1", "Arn"), fallback)
	}
	regions, _ := tmpl.Mappings["AppConfigExtensionArm64"].(map[string]any)
	require.NotEmpty(t, regions)
	for region, v := range regions {
		arn, _ := cfn.Path(v, "Arn").(string)
		assert.Regexp(t, `^arn:aws:lambda:`+region+`:\d{12}:layer:AWS-AppConfig-Extension-Arm64:\d+$`, arn)
	}
}

func TestTables(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"OrdersTable", "IdempotencyTable"} {
		r := tmpl.Resources[id]
		p := r.Properties
		assert.Equal(t, "PAY_PER_REQUEST", p["BillingMode"], id)
		assert.Equal(t, true, cfn.Path(p, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"), id)
		assert.Equal(t, true, cfn.Path(p, "SSESpecification", "SSEEnabled"), id)
		assert.Equal(t, "id", cfn.Path(p, "KeySchema", 0, "AttributeName"), id)
		for name, v := range map[string]any{"DeletionProtectionEnabled": p["DeletionProtectionEnabled"], "DeletionPolicy": r.DeletionPolicy, "UpdateReplacePolicy": r.UpdateReplacePolicy} {
			cond, yes, no, ok := cfn.If(v)
			require.True(t, ok, "%s %s depends on the environment", id, name)
			assert.Equal(t, "IsProduction", cond)
			if name == "DeletionProtectionEnabled" {
				assert.Equal(t, []any{true, false}, []any{yes, no})
			} else {
				assert.Equal(t, []any{"Retain", "Delete"}, []any{yes, no})
			}
		}
	}
	assert.Equal(t, "expiration", cfn.Path(tmpl.Resources["IdempotencyTable"].Properties, "TimeToLiveSpecification", "AttributeName"))
	assert.Equal(t, true, cfn.Path(tmpl.Resources["IdempotencyTable"].Properties, "TimeToLiveSpecification", "Enabled"))
}

// AppConfig deploys exactly the repository's flags file.
func TestFlagsDeployedAreTheRepositoryFile(t *testing.T) {
	t.Parallel()
	file, err := os.ReadFile(filepath.Join(repo.Root(), "src", "orders", "flags.json"))
	require.NoError(t, err)
	content, _ := tmpl.Resources["FeatureFlagsVersion"].Properties["Content"].(string)
	assert.JSONEq(t, string(file), content, "update FeatureFlagsVersion's Content in template.yaml to match src/orders/flags.json")
	_, err = flags.Parse([]byte(content))
	require.NoError(t, err)

	d := tmpl.Resources["FeatureFlagsDeployment"].Properties
	v, attr, _ := cfn.GetAtt(d["ConfigurationVersion"])
	assert.Equal(t, []string{"FeatureFlagsVersion", "VersionNumber"}, []string{v, attr})
	s, _ := cfn.Ref(d["DeploymentStrategyId"])
	assert.Equal(t, "AWS::AppConfig::DeploymentStrategy", tmpl.Resources[s].Type)
}

func TestWafOnlyInProduction(t *testing.T) {
	t.Parallel()
	for _, typ := range []string{"AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation", "AWS::WAFv2::LoggingConfiguration"} {
		ids := tmpl.IDs(typ)
		require.Len(t, ids, 1, typ)
		assert.Equal(t, "IsProduction", tmpl.Resources[ids[0]].Condition, typ)
	}
	acl := tmpl.Resources["WebAcl"].Properties
	assert.Equal(t, "REGIONAL", acl["Scope"])
	var groups []string
	rateBased := false
	rules, _ := acl["Rules"].([]any)
	for _, r := range rules {
		if name, ok := cfn.Path(r, "Statement", "ManagedRuleGroupStatement", "Name").(string); ok {
			groups = append(groups, name)
		}
		if cfn.Path(r, "Statement", "RateBasedStatement") != nil {
			rateBased = true
		}
	}
	assert.ElementsMatch(t, []string{
		"AWSManagedRulesCommonRuleSet", "AWSManagedRulesAmazonIpReputationList",
		"AWSManagedRulesAnonymousIpList", "AWSManagedRulesKnownBadInputsRuleSet",
	}, groups)
	assert.True(t, rateBased)
	arn, _ := cfn.Path(tmpl.Resources["WebAclAssociation"].Properties, "ResourceArn", "Fn::Sub").(string)
	assert.Contains(t, arn, "/restapis/${OrdersApi}/stages/${OrdersApiStage}")
	logGroup := tmpl.Resources["WafLogGroup"]
	assert.Equal(t, "IsProduction", logGroup.Condition)
	name, _ := cfn.Path(logGroup.Properties, "LogGroupName", "Fn::Sub").(string)
	assert.True(t, strings.HasPrefix(name, "aws-waf-logs-"), name)
}

func TestAlarmsNotifyTheEncryptedTopic(t *testing.T) {
	t.Parallel()
	alarms := tmpl.IDs("AWS::CloudWatch::Alarm")
	assert.GreaterOrEqual(t, len(alarms), 2+3*len(functions)+2*2, "API, per function, per table")
	for _, id := range alarms {
		actions, _ := tmpl.Resources[id].Properties["AlarmActions"].([]any)
		require.NotEmpty(t, actions, id)
		topic, _ := cfn.Ref(actions[0])
		assert.Equal(t, "AlarmTopic", topic, id)
		assert.NotEmpty(t, tmpl.Resources[id].Properties["AlarmDescription"], id)
	}
	key, _ := cfn.Ref(tmpl.Resources["AlarmTopic"].Properties["KmsMasterKeyId"])
	assert.Equal(t, "AlarmKey", key)
	assert.Equal(t, true, tmpl.Resources["AlarmKey"].Properties["EnableKeyRotation"])
	assert.Equal(t, "HasAlarmEmail", tmpl.Resources["AlarmEmailSubscription"].Condition)
}

func TestDashboardsAndOutputs(t *testing.T) {
	t.Parallel()
	assert.Len(t, tmpl.IDs("AWS::CloudWatch::Dashboard"), 2)
	for _, name := range []string{"ApiUrl", "DocsUrl", "OrdersTableName", "IdempotencyTableName", "AlarmTopicArn"} {
		assert.Contains(t, tmpl.Outputs, name)
	}
	stage := tmpl.Resources["OrdersApiStage"].Properties
	assert.Equal(t, true, stage["TracingEnabled"])
	assert.NotNil(t, stage["AccessLogSetting"])
	stageName, _ := cfn.Ref(stage["StageName"])
	assert.Equal(t, "Environment", stageName, "the stage is named after the environment")
	assert.Equal(t, []any{"dev", "staging", "production"}, cfn.Path(tmpl.Parameters, "Environment", "AllowedValues"))
}

// The offline transform is what catches a broken reference inside api.yaml,
// which cfn-lint on template.yaml alone cannot see.
func TestValidationCatchesABrokenReferenceInTheSpec(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"template.yaml", "api.yaml"} {
		raw, err := os.ReadFile(filepath.Join(repo.Root(), name))
		require.NoError(t, err)
		if name == "api.yaml" {
			raw = []byte(strings.Replace(string(raw), "${CreateOrderFunction.Alias}", "${NoSuchFunction.Alias}", 1))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), raw, 0o600))
	}
	broken, err := cfn.Transform(filepath.Join(dir, "template.yaml"), dir)
	require.NoError(t, err, "the transform itself does not check references")
	require.NotNil(t, broken)
	out, err := exec.Command("cfn-lint", filepath.Join(dir, "template.transformed.json")).CombinedOutput()
	require.Error(t, err, "cfn-lint must fail")
	assert.Contains(t, string(out), "NoSuchFunction")
}

// requiredEnv lists the variables that config.Config cannot do without.
func requiredEnv(typ reflect.Type, prefix string) []string {
	var out []string
	for f := range typ.Fields() {
		if p, ok := f.Tag.Lookup("envPrefix"); ok {
			out = append(out, requiredEnv(f.Type, prefix+p)...)
			continue
		}
		tag := f.Tag.Get("env")
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "required") {
			out = append(out, prefix+name)
		}
	}
	return out
}

func jsonNumber(n float64) string {
	raw, _ := json.Marshal(n)
	return string(raw)
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	require.NoError(t, json.Unmarshal([]byte(s), &n))
	return n
}
