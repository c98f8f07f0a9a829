package security_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/go-sam-blueprint/orders/tests/cfn"
	"github.com/go-sam-blueprint/orders/tests/repo"
	"github.com/go-sam-blueprint/orders/tests/security"
)

// tmpl is the project's template as CloudFormation deploys it. Tests only
// read it; a fixture breaks a Clone.
var tmpl *cfn.Template

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "security-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tmpl, err = cfn.Transform(filepath.Join(repo.Root(), "template.yaml"), dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func ruleByID(t *testing.T, id string) security.Rule {
	t.Helper()
	i := slices.IndexFunc(security.Rules, func(r security.Rule) bool { return r.ID == id })
	require.GreaterOrEqual(t, i, 0, "no rule %s", id)
	return security.Rules[i]
}

func list(findings []security.Finding) string {
	var b strings.Builder
	for _, f := range findings {
		b.WriteString("\n  " + f.String())
	}
	return b.String()
}

func TestRulesAreWellFormed(t *testing.T) {
	t.Parallel()
	require.GreaterOrEqual(t, len(security.Rules), 22)
	id := regexp.MustCompile(`^[A-Z]+\d+$`)
	seen := map[string]bool{}
	for _, r := range security.Rules {
		assert.Regexp(t, id, r.ID)
		assert.False(t, seen[r.ID], "rule id %s is used twice", r.ID)
		seen[r.ID] = true
		assert.NotEmpty(t, r.Description, "rule %s has no description", r.ID)
		assert.NotContains(t, r.Description, "\n", "rule %s: the description is one line", r.ID)
		assert.NotNil(t, r.Check, "rule %s has no check", r.ID)
	}
}

func TestTemplatePassesEveryRule(t *testing.T) {
	t.Parallel()
	for _, rule := range security.Rules {
		t.Run(rule.ID, func(t *testing.T) {
			t.Parallel()
			var open []security.Finding
			for _, f := range rule.Check(tmpl) {
				if _, ok := security.Suppressed(rule.ID, f); !ok {
					open = append(open, f)
				}
			}
			assert.Empty(t, open, "%s (%s) fails on template.yaml:%s", rule.ID, rule.Description, list(open))
		})
	}
}

// A suppression that matches nothing is stale: the template was fixed, and
// the entry must go before it hides a new problem.
func TestSuppressionsAreLive(t *testing.T) {
	t.Parallel()
	for _, s := range security.Suppressions {
		t.Run(s.RuleID+"/"+s.Resource, func(t *testing.T) {
			t.Parallel()
			assert.NotEmpty(t, s.Reason, "a suppression needs a written reason")
			matched := slices.ContainsFunc(ruleByID(t, s.RuleID).Check(tmpl), func(f security.Finding) bool {
				got, ok := security.Suppressed(s.RuleID, f)
				return ok && got == s
			})
			assert.True(t, matched, "suppression of %s on %s matches no finding: remove it from security.Suppressions", s.RuleID, s.Resource)
		})
	}
}

// AUTH1 holds api.yaml itself too, read as it is in the repository: the
// body that the transform inlines must not be the only copy checked.
func TestAPIYAMLRequiresTheAuthorizer(t *testing.T) {
	t.Parallel()
	body, _ := apiYAMLBody(t)

	c := tmpl.Clone()
	props(c, "OrdersApi")["Body"] = body
	findings := ruleByID(t, "AUTH1").Check(c)
	assert.Empty(t, findings, "api.yaml:%s", list(findings))

	paths, _ := body["paths"].(map[string]any)
	for _, p := range security.PublicPaths {
		assert.Contains(t, paths, p, "security.PublicPaths names a path api.yaml no longer has")
	}
}

// APIG10 holds api.yaml itself too: its integrations name each function's
// alias, ${Function.Alias}, which the transform resolves.
func TestAPIYAMLInvokesAliases(t *testing.T) {
	t.Parallel()
	body, asJSON := apiYAMLBody(t)

	c := tmpl.Clone()
	props(c, "OrdersApi")["Body"] = body
	findings := ruleByID(t, "APIG10").Check(c)
	assert.Empty(t, findings, "api.yaml:%s", list(findings))

	props(c, "OrdersApi")["Body"] = func() map[string]any {
		var broken map[string]any
		require.NoError(t, json.Unmarshal([]byte(strings.Replace(string(asJSON), "${ListOrdersFunction.Alias}", "${ListOrdersFunction.Arn}", 1)), &broken))
		return broken
	}()
	assert.Len(t, ruleByID(t, "APIG10").Check(c), 1, "api.yaml's form with .Arn fails")
}

// apiYAMLBody reads api.yaml as it is in the repository, as the body of
// a REST API: decoded, and as the JSON it decodes from.
func apiYAMLBody(t *testing.T) (body map[string]any, asJSON []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repo.Root(), "api.yaml"))
	require.NoError(t, err)
	var spec any
	require.NoError(t, yaml.Unmarshal(raw, &spec))
	asJSON, err = json.Marshal(stringKeys(spec))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(asJSON, &body))
	return body, asJSON
}

// stringKeys turns the map[any]any that YAML may decode into
// map[string]any, for encoding/json.
func stringKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			x[k] = stringKeys(child)
		}
		return x
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, child := range x {
			out[fmt.Sprint(k)] = stringKeys(child)
		}
		return out
	case []any:
		for i, child := range x {
			x[i] = stringKeys(child)
		}
	}
	return v
}

// badFixture breaks one thing of the template that a rule guards.
type badFixture struct {
	rule, name string
	resource   string // the resource the rule must report
	mutate     func(c *cfn.Template)
}

func TestRulesCatchTheirBadFixtures(t *testing.T) {
	t.Parallel()
	for _, f := range badFixtures() {
		t.Run(f.rule+"/"+f.name, func(t *testing.T) {
			t.Parallel()
			rule := ruleByID(t, f.rule)
			broken := tmpl.Clone()
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("the fixture no longer fits the template: %v", r)
					}
				}()
				f.mutate(broken)
			}()
			before := rule.Check(tmpl)
			var fresh []security.Finding
			for _, x := range rule.Check(broken) {
				if !slices.Contains(before, x) {
					fresh = append(fresh, x)
				}
			}
			require.NotEmpty(t, fresh, "%s reports nothing new on the broken template", f.rule)
			assert.True(t, slices.ContainsFunc(fresh, func(x security.Finding) bool { return x.Resource == f.resource }),
				"%s reports no finding on %s:%s", f.rule, f.resource, list(fresh))
		})
	}
}

func TestBadFixturesCoverEveryRule(t *testing.T) {
	t.Parallel()
	covered := map[string]int{}
	for _, f := range badFixtures() {
		covered[f.rule]++
		assert.True(t, slices.ContainsFunc(security.Rules, func(r security.Rule) bool { return r.ID == f.rule }),
			"fixture %s/%s names no rule", f.rule, f.name)
	}
	for _, r := range security.Rules {
		assert.Positive(t, covered[r.ID], "rule %s has no bad fixture: nothing shows it can fail", r.ID)
	}
}

// ------------------------------------------------------------ fixtures

// props returns a resource's properties; a missing resource panics, which
// the fixture test reports.
func props(c *cfn.Template, id string) map[string]any {
	r, ok := c.Resources[id]
	if !ok {
		panic("no resource " + id)
	}
	if r.Properties == nil {
		r.Properties = map[string]any{}
	}
	return r.Properties
}

// obj returns the object at a path.
func obj(v any, steps ...any) map[string]any {
	m, ok := cfn.Path(v, steps...).(map[string]any)
	if !ok {
		panic(fmt.Sprintf("no object at %v", steps))
	}
	return m
}

// roleStatement returns the first statement of a role's first inline policy.
func roleStatement(c *cfn.Template, role string) map[string]any {
	return obj(props(c, role), "Policies", 0, "PolicyDocument", "Statement", 0)
}

// bySid returns the statement of a policy document with the Sid.
func bySid(doc any, sid string) map[string]any {
	list, _ := cfn.Path(doc, "Statement").([]any)
	for _, s := range list {
		if cfn.Path(s, "Sid") == sid {
			return s.(map[string]any)
		}
	}
	panic("no statement " + sid)
}

// methodSettings returns the stage's /* * method setting.
func methodSettings(c *cfn.Template) map[string]any {
	m := obj(props(c, "OrdersApiStage"), "MethodSettings", 0)
	if m["ResourcePath"] != "/*" || m["HttpMethod"] != "*" {
		panic("the stage's first method setting is not /* *")
	}
	return m
}

// dropWAFRule removes a web ACL rule by name.
func dropWAFRule(c *cfn.Template, name string) {
	p := props(c, "WebAcl")
	rules := p["Rules"].([]any)
	n := len(rules)
	p["Rules"] = slices.DeleteFunc(rules, func(r any) bool { return cfn.Path(r, "Name") == name })
	if len(p["Rules"].([]any)) == n {
		panic("no WAF rule " + name)
	}
}

func wafRule(c *cfn.Template, name string) map[string]any {
	for _, r := range props(c, "WebAcl")["Rules"].([]any) {
		if cfn.Path(r, "Name") == name {
			return r.(map[string]any)
		}
	}
	panic("no WAF rule " + name)
}

func ifProd(whenTrue, whenFalse any) any {
	return map[string]any{"Fn::If": []any{security.ProductionCondition, whenTrue, whenFalse}}
}

func ref(id string) any { return map[string]any{"Ref": id} }

func arnOf(id string) any { return map[string]any{"Fn::GetAtt": []any{id, "Arn"}} }

func sub(s string) any { return map[string]any{"Fn::Sub": s} }

// operation returns an operation of the API's body.
func operation(c *cfn.Template, path, method string) map[string]any {
	return obj(props(c, "OrdersApi"), "Body", "paths", path, method)
}

// integrationURI rewrites what an operation's integration uri invokes,
// from one target to another.
func integrationURI(c *cfn.Template, path, method, from, to string) {
	integration := obj(operation(c, path, method), "x-amazon-apigateway-integration")
	uri, ok := cfn.Path(integration, "uri", "Fn::Sub").(string)
	if !ok || !strings.Contains(uri, "/functions/"+from+"/invocations") {
		panic(fmt.Sprintf("%s %s's integration invokes no %s: %v", method, path, from, integration["uri"]))
	}
	integration["uri"] = sub(strings.Replace(uri, from, to, 1))
}

// versionOf returns the logical id of a function's version.
func versionOf(c *cfn.Template, fn string) string {
	for _, id := range c.IDs("AWS::Lambda::Version") {
		if ref, _ := cfn.Ref(props(c, id)["FunctionName"]); ref == fn {
			return id
		}
	}
	panic("no version of " + fn)
}

// scopes is a security requirement list of the Cognito scheme.
func scopes(names ...any) []any {
	return []any{map[string]any{"OrdersAuth": names}}
}

// editAccessLog rewrites the stage's access log format.
func editAccessLog(c *cfn.Template, edit func(string) string) {
	setting := obj(props(c, "OrdersApiStage"), "AccessLogSetting")
	format, ok := setting["Format"].(string)
	if !ok {
		panic("the access log format is not a string")
	}
	if setting["Format"] = edit(format); setting["Format"] == format {
		panic("the edit changed nothing")
	}
}

// withoutClaim drops a claim's field from an access log format.
func withoutClaim(claim string) func(string) string {
	return func(f string) string {
		return regexp.MustCompile(`"\w+":"\$context\.authorizer\.claims\.`+claim+`",?`).ReplaceAllString(f, "")
	}
}

// withField adds a field to an access log format (a JSON object).
func withField(field string) func(string) string {
	return func(f string) string { return strings.TrimSuffix(f, "}") + "," + field + "}" }
}

func badFixtures() []badFixture {
	fixtures := []badFixture{
		// IAM1
		{"IAM1", "service wildcard action", "CreateOrderFunctionRole", func(c *cfn.Template) {
			roleStatement(c, "CreateOrderFunctionRole")["Action"] = "dynamodb:*"
		}},
		{"IAM1", "star in an action list", "GetOrderFunctionRole", func(c *cfn.Template) {
			roleStatement(c, "GetOrderFunctionRole")["Action"] = []any{"dynamodb:GetItem", "*"}
		}},
		{"IAM1", "Allow with NotAction", "ListOrdersFunctionRole", func(c *cfn.Template) {
			s := roleStatement(c, "ListOrdersFunctionRole")
			delete(s, "Action")
			s["NotAction"] = "iam:*"
		}},
		{"IAM1", "AWS::IAM::Policy with a single wildcard statement", "ExtraPolicy", func(c *cfn.Template) {
			c.Resources["ExtraPolicy"] = &cfn.Resource{Type: "AWS::IAM::Policy", Properties: map[string]any{
				"PolicyName": "extra",
				"Roles":      []any{ref("GetOrderFunctionRole")},
				"PolicyDocument": map[string]any{"Statement": map[string]any{
					"Effect": "Allow", "Action": "s3:*", "Resource": arnOf("OrdersTable"),
				}},
			}}
		}},
		// IAM2
		{"IAM2", "Resource star", "DeleteOrderFunctionRole", func(c *cfn.Template) {
			roleStatement(c, "DeleteOrderFunctionRole")["Resource"] = "*"
		}},
		{"IAM2", "star in a resource list", "CreateOrderFunctionRole", func(c *cfn.Template) {
			s := roleStatement(c, "CreateOrderFunctionRole")
			s["Resource"] = append(cfn.List(s["Resource"]), "*")
		}},
		{"IAM2", "Allow with NotResource", "GetOrderFunctionRole", func(c *cfn.Template) {
			s := roleStatement(c, "GetOrderFunctionRole")
			delete(s, "Resource")
			s["NotResource"] = arnOf("IdempotencyTable")
		}},
		{"IAM2", "AWS::IAM::ManagedPolicy on every resource", "ExtraManagedPolicy", func(c *cfn.Template) {
			c.Resources["ExtraManagedPolicy"] = &cfn.Resource{Type: "AWS::IAM::ManagedPolicy", Properties: map[string]any{
				"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
					"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
				}}},
			}}
		}},
		// IAM3
		{"IAM3", "plain ARN off the allowlist", "GetOrderFunctionRole", func(c *cfn.Template) {
			p := props(c, "GetOrderFunctionRole")
			p["ManagedPolicyArns"] = append(p["ManagedPolicyArns"].([]any), "arn:aws:iam::aws:policy/AdministratorAccess")
		}},
		{"IAM3", "Fn::Sub ARN off the allowlist", "DocsFunctionRole", func(c *cfn.Template) {
			props(c, "DocsFunctionRole")["ManagedPolicyArns"] = []any{sub("arn:${AWS::Partition}:iam::aws:policy/AmazonDynamoDBFullAccess")}
		}},
		{"IAM3", "allowlisted name under another path", "CreateOrderFunctionRole", func(c *cfn.Template) {
			props(c, "CreateOrderFunctionRole")["ManagedPolicyArns"] = []any{"arn:aws:iam::aws:policy/service-role/AWSXrayWriteOnlyAccess-v2"}
		}},
		{"IAM3", "CodeDeploy's policy on a function role", "GetOrderFunctionRole", func(c *cfn.Template) {
			props(c, "GetOrderFunctionRole")["ManagedPolicyArns"] = []any{"arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda"}
		}},
		{"IAM3", "another service may assume CodeDeploy's role too", "CodeDeployServiceRole", func(c *cfn.Template) {
			obj(props(c, "CodeDeployServiceRole"), "AssumeRolePolicyDocument", "Statement", 0, "Principal")["Service"] = []any{"codedeploy.amazonaws.com", "lambda.amazonaws.com"}
		}},
		{"IAM3", "customer managed policy", "ListOrdersFunctionRole", func(c *cfn.Template) {
			p := props(c, "ListOrdersFunctionRole")
			p["ManagedPolicyArns"] = append(p["ManagedPolicyArns"].([]any), ref("SomePolicy"))
		}},
		// IAM4
		{"IAM4", "anyone may assume a function role", "CreateOrderFunctionRole", func(c *cfn.Template) {
			obj(props(c, "CreateOrderFunctionRole"), "AssumeRolePolicyDocument", "Statement", 0)["Principal"] = map[string]any{"AWS": "*"}
		}},
		{"IAM4", "an account may assume a function role too", "DocsFunctionRole", func(c *cfn.Template) {
			obj(props(c, "DocsFunctionRole"), "AssumeRolePolicyDocument", "Statement", 0)["Principal"] = map[string]any{
				"Service": "lambda.amazonaws.com", "AWS": "arn:aws:iam::123456789012:root",
			}
		}},
		// IAM5
		{"IAM5", "two functions share a role", "GetOrderFunction", func(c *cfn.Template) {
			props(c, "GetOrderFunction")["Role"] = arnOf("ListOrdersFunctionRole")
		}},
		{"IAM5", "role from outside the template", "DeleteOrderFunction", func(c *cfn.Template) {
			props(c, "DeleteOrderFunction")["Role"] = "arn:aws:iam::123456789012:role/shared"
		}},
		// POL1
		{"POL1", "topic policy allows everyone", "AlarmTopicPolicy", func(c *cfn.Template) {
			doc := props(c, "AlarmTopicPolicy")["PolicyDocument"].(map[string]any)
			doc["Statement"] = append(doc["Statement"].([]any), map[string]any{
				"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "sns:Subscribe", "Resource": ref("AlarmTopic"),
			})
		}},
		{"POL1", "key policy allows everyone without a condition", "AlarmKey", func(c *cfn.Template) {
			s := bySid(props(c, "AlarmKey")["KeyPolicy"], "CloudWatchPublishesEncrypted")
			s["Principal"] = map[string]any{"AWS": []any{"*"}}
			delete(s, "Condition")
		}},
		// L1
		{"L1", "no SourceArn", "GetOrderPermission", func(c *cfn.Template) {
			delete(props(c, "GetOrderPermission"), "SourceArn")
		}},
		{"L1", "Principal star", "CreateOrderPermission", func(c *cfn.Template) {
			props(c, "CreateOrderPermission")["Principal"] = "*"
		}},
		{"L1", "account principal", "ListOrdersPermission", func(c *cfn.Template) {
			props(c, "ListOrdersPermission")["Principal"] = "123456789012"
		}},
		// L2
		{"L2", "tracing PassThrough", "CreateOrderFunction", func(c *cfn.Template) {
			obj(props(c, "CreateOrderFunction"), "TracingConfig")["Mode"] = "PassThrough"
		}},
		{"L2", "no TracingConfig", "GetOrderFunction", func(c *cfn.Template) {
			delete(props(c, "GetOrderFunction"), "TracingConfig")
		}},
		{"L2", "spans go nowhere", "ListOrdersFunction", func(c *cfn.Template) {
			obj(props(c, "ListOrdersFunction"), "Environment", "Variables")["TRACING_EXPORTER"] = "none"
		}},
		// L3
		{"L3", "text logs", "DeleteOrderFunction", func(c *cfn.Template) {
			obj(props(c, "DeleteOrderFunction"), "LoggingConfig")["LogFormat"] = "Text"
		}},
		// L4
		{"L4", "log group by name", "ListOrdersFunction", func(c *cfn.Template) {
			obj(props(c, "ListOrdersFunction"), "LoggingConfig")["LogGroup"] = "/aws/lambda/list-orders"
		}},
		{"L4", "Ref to something else", "CreateOrderFunction", func(c *cfn.Template) {
			obj(props(c, "CreateOrderFunction"), "LoggingConfig")["LogGroup"] = ref("OrdersTable")
		}},
		{"L4", "default log group", "GetOrderFunction", func(c *cfn.Template) {
			delete(obj(props(c, "GetOrderFunction"), "LoggingConfig"), "LogGroup")
		}},
		// L5
		{"L5", "deprecated go1.x", "CreateOrderFunction", func(c *cfn.Template) {
			props(c, "CreateOrderFunction")["Runtime"] = "go1.x"
		}},
		{"L5", "provided.al2", "DeleteOrderFunction", func(c *cfn.Template) {
			props(c, "DeleteOrderFunction")["Runtime"] = "provided.al2"
		}},
		// L6
		{"L6", "x86_64", "ListOrdersFunction", func(c *cfn.Template) {
			props(c, "ListOrdersFunction")["Architectures"] = []any{"x86_64"}
		}},
		{"L6", "default architecture", "GetOrderFunction", func(c *cfn.Template) {
			delete(props(c, "GetOrderFunction"), "Architectures")
		}},
		// L7
		{"L7", "public function URL", "CreateOrderFunctionUrl", func(c *cfn.Template) {
			c.Resources["CreateOrderFunctionUrl"] = &cfn.Resource{Type: "AWS::Lambda::Url", Properties: map[string]any{
				"TargetFunctionArn": arnOf("CreateOrderFunction"), "AuthType": "NONE",
			}}
		}},
		// DDB1
		{"DDB1", "no PITR", "OrdersTable", func(c *cfn.Template) {
			delete(props(c, "OrdersTable"), "PointInTimeRecoverySpecification")
		}},
		{"DDB1", "PITR disabled", "IdempotencyTable", func(c *cfn.Template) {
			obj(props(c, "IdempotencyTable"), "PointInTimeRecoverySpecification")["PointInTimeRecoveryEnabled"] = false
		}},
		// DDB2
		{"DDB2", "no SSESpecification", "OrdersTable", func(c *cfn.Template) {
			delete(props(c, "OrdersTable"), "SSESpecification")
		}},
		{"DDB2", "SSE disabled", "IdempotencyTable", func(c *cfn.Template) {
			obj(props(c, "IdempotencyTable"), "SSESpecification")["SSEEnabled"] = false
		}},
		// DDB3
		{"DDB3", "provisioned", "OrdersTable", func(c *cfn.Template) {
			props(c, "OrdersTable")["BillingMode"] = "PROVISIONED"
		}},
		{"DDB3", "default billing (provisioned)", "IdempotencyTable", func(c *cfn.Template) {
			delete(props(c, "IdempotencyTable"), "BillingMode")
		}},
		// DDB4
		{"DDB4", "deletion protection off", "OrdersTable", func(c *cfn.Template) {
			props(c, "OrdersTable")["DeletionProtectionEnabled"] = false
		}},
		{"DDB4", "deletion protection only outside production", "IdempotencyTable", func(c *cfn.Template) {
			props(c, "IdempotencyTable")["DeletionProtectionEnabled"] = ifProd(false, true)
		}},
		{"DDB4", "no deletion protection", "OrdersTable", func(c *cfn.Template) {
			delete(props(c, "OrdersTable"), "DeletionProtectionEnabled")
		}},
		// DDB5
		{"DDB5", "DeletionPolicy Delete", "OrdersTable", func(c *cfn.Template) {
			c.Resources["OrdersTable"].DeletionPolicy = "Delete"
		}},
		{"DDB5", "no DeletionPolicy", "IdempotencyTable", func(c *cfn.Template) {
			c.Resources["IdempotencyTable"].DeletionPolicy = nil
		}},
		{"DDB5", "UpdateReplacePolicy Delete in production", "OrdersTable", func(c *cfn.Template) {
			c.Resources["OrdersTable"].UpdateReplacePolicy = ifProd("Delete", "Retain")
		}},
		{"DDB5", "Retain on another condition", "IdempotencyTable", func(c *cfn.Template) {
			c.Resources["IdempotencyTable"].DeletionPolicy = map[string]any{"Fn::If": []any{"HasAlarmEmail", "Retain", "Delete"}}
		}},
		// LOG1
		{"LOG1", "no retention", "ApiAccessLogGroup", func(c *cfn.Template) {
			delete(props(c, "ApiAccessLogGroup"), "RetentionInDays")
		}},
		{"LOG1", "new log group without retention", "ExtraLogGroup", func(c *cfn.Template) {
			c.Resources["ExtraLogGroup"] = &cfn.Resource{Type: "AWS::Logs::LogGroup", Properties: map[string]any{"LogGroupName": "extra"}}
		}},
		// LOG2
		{"LOG2", "a function's logs go with the stack", "CreateOrderLogGroup", func(c *cfn.Template) {
			c.Resources["CreateOrderLogGroup"].DeletionPolicy = nil
		}},
		{"LOG2", "replaced access logs are deleted", "ApiAccessLogGroup", func(c *cfn.Template) {
			c.Resources["ApiAccessLogGroup"].UpdateReplacePolicy = "Delete"
		}},
		// CW1
		{"CW1", "no AlarmActions", "Api5xxAlarm", func(c *cfn.Template) {
			delete(props(c, "Api5xxAlarm"), "AlarmActions")
		}},
		{"CW1", "empty AlarmActions", "OrdersTableThrottlesAlarm", func(c *cfn.Template) {
			props(c, "OrdersTableThrottlesAlarm")["AlarmActions"] = []any{}
		}},
		// APIG1
		{"APIG1", "no access logs", "OrdersApiStage", func(c *cfn.Template) {
			delete(props(c, "OrdersApiStage"), "AccessLogSetting")
		}},
		{"APIG1", "access log without a format", "OrdersApiStage", func(c *cfn.Template) {
			delete(obj(props(c, "OrdersApiStage"), "AccessLogSetting"), "Format")
		}},
		// APIG2
		{"APIG2", "a request validator for every operation", "OrdersApi", func(c *cfn.Template) {
			body := obj(props(c, "OrdersApi"), "Body")
			body["x-amazon-apigateway-request-validators"] = map[string]any{"all": map[string]any{"validateRequestBody": true, "validateRequestParameters": true}}
			body["x-amazon-apigateway-request-validator"] = "all"
		}},
		{"APIG2", "an operation opts into a validator", "OrdersApi", func(c *cfn.Template) {
			obj(props(c, "OrdersApi"), "Body", "paths", "/api/orders", "post")["x-amazon-apigateway-request-validator"] = "params-only"
		}},
		{"APIG2", "a gateway response quotes the validation error", "OrdersApi", func(c *cfn.Template) {
			obj(props(c, "OrdersApi"), "Body", "x-amazon-apigateway-gateway-responses", "BAD_REQUEST_BODY", "responseTemplates")["application/json"] = `{"detail":"$context.error.validationErrorString"}`
		}},
		// APIG8
		{"APIG8", "the stack sets the account's logging role", "ApiGatewayAccount", func(c *cfn.Template) {
			c.Resources["ApiGatewayAccount"] = &cfn.Resource{Type: "AWS::ApiGateway::Account", Properties: map[string]any{
				"CloudWatchRoleArn": map[string]any{"Fn::GetAtt": []any{"ApiGatewayLoggingRole", "Arn"}},
			}}
		}},
		// APIG3
		{"APIG3", "tracing off", "OrdersApiStage", func(c *cfn.Template) {
			props(c, "OrdersApiStage")["TracingEnabled"] = false
		}},
		{"APIG3", "no tracing", "OrdersApiStage", func(c *cfn.Template) {
			delete(props(c, "OrdersApiStage"), "TracingEnabled")
		}},
		// APIG4
		{"APIG4", "no rate limit", "OrdersApiStage", func(c *cfn.Template) {
			delete(methodSettings(c), "ThrottlingRateLimit")
		}},
		{"APIG4", "no burst in dev", "OrdersApiStage", func(c *cfn.Template) {
			methodSettings(c)["ThrottlingBurstLimit"] = ifProd(1000.0, 0.0)
		}},
		{"APIG4", "no method settings", "OrdersApiStage", func(c *cfn.Template) {
			delete(props(c, "OrdersApiStage"), "MethodSettings")
		}},
		// APIG5
		{"APIG5", "data trace on", "OrdersApiStage", func(c *cfn.Template) {
			methodSettings(c)["DataTraceEnabled"] = true
		}},
		{"APIG5", "execution logging off", "OrdersApiStage", func(c *cfn.Template) {
			methodSettings(c)["LoggingLevel"] = "OFF"
		}},
		{"APIG5", "no execution logging level", "OrdersApiStage", func(c *cfn.Template) {
			delete(methodSettings(c), "LoggingLevel")
		}},
		{"APIG5", "data trace on one method", "OrdersApiStage", func(c *cfn.Template) {
			p := props(c, "OrdersApiStage")
			p["MethodSettings"] = append(p["MethodSettings"].([]any), map[string]any{
				"ResourcePath": "/~1api~1orders", "HttpMethod": "POST", "DataTraceEnabled": "true", "LoggingLevel": "INFO",
			})
		}},
		// APIG6
		{"APIG6", "metrics off", "OrdersApiStage", func(c *cfn.Template) {
			methodSettings(c)["MetricsEnabled"] = false
		}},
		// APIG7
		{"APIG7", "a deployment with a stage of its own", "ExtraDeployment", func(c *cfn.Template) {
			c.Resources["ExtraDeployment"] = &cfn.Resource{Type: "AWS::ApiGateway::Deployment", Properties: map[string]any{
				"RestApiId": ref("OrdersApi"), "StageName": "v1",
			}}
		}},
		// WAF1
		{"WAF1", "no association", "OrdersApiStage", func(c *cfn.Template) {
			delete(c.Resources, "WebAclAssociation")
		}},
		{"WAF1", "association names another stage", "OrdersApiStage", func(c *cfn.Template) {
			props(c, "WebAclAssociation")["ResourceArn"] = sub("arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${OrdersApi}/stages/other")
		}},
		{"WAF1", "a second stage without the WAF", "ExtraStage", func(c *cfn.Template) {
			c.Resources["ExtraStage"] = &cfn.Resource{Type: "AWS::ApiGateway::Stage", Properties: map[string]any{
				"RestApiId": ref("OrdersApi"), "StageName": "v2", "DeploymentId": ref("OrdersApiStage"),
			}}
		}},
		// WAF2
		{"WAF2", "no logging configuration", "WebAcl", func(c *cfn.Template) {
			delete(c.Resources, "WafLogging")
		}},
		{"WAF2", "logging of another ACL", "WebAcl", func(c *cfn.Template) {
			props(c, "WafLogging")["ResourceArn"] = arnOf("OtherAcl")
		}},
		{"WAF2", "logging without a destination", "WebAcl", func(c *cfn.Template) {
			props(c, "WafLogging")["LogDestinationConfigs"] = []any{}
		}},
		// WAF3 (one fixture per managed group below)
		{"WAF3", "managed group in count mode", "WebAcl", func(c *cfn.Template) {
			wafRule(c, "AWSManagedRulesCommonRuleSet")["OverrideAction"] = map[string]any{"Count": map[string]any{}}
		}},
		{"WAF3", "no rate-based rule", "WebAcl", func(c *cfn.Template) {
			dropWAFRule(c, "RateLimitPerIp")
		}},
		{"WAF3", "rate-based rule only counts", "WebAcl", func(c *cfn.Template) {
			wafRule(c, "RateLimitPerIp")["Action"] = map[string]any{"Count": map[string]any{}}
		}},
		// WAF4
		{"WAF4", "web ACL in every environment", "WebAcl", func(c *cfn.Template) {
			c.Resources["WebAcl"].Condition = ""
		}},
		{"WAF4", "logging on another condition", "WafLogging", func(c *cfn.Template) {
			c.Resources["WafLogging"].Condition = "HasAlarmEmail"
		}},
		// KMS1
		{"KMS1", "rotation off", "AlarmKey", func(c *cfn.Template) {
			props(c, "AlarmKey")["EnableKeyRotation"] = false
		}},
		{"KMS1", "no rotation", "AlarmKey", func(c *cfn.Template) {
			delete(props(c, "AlarmKey"), "EnableKeyRotation")
		}},
		// SNS1
		{"SNS1", "unencrypted topic", "AlarmTopic", func(c *cfn.Template) {
			delete(props(c, "AlarmTopic"), "KmsMasterKeyId")
		}},
		// SNS2
		{"SNS2", "no TLS-only statement", "AlarmTopic", func(c *cfn.Template) {
			doc := props(c, "AlarmTopicPolicy")["PolicyDocument"].(map[string]any)
			doc["Statement"] = slices.DeleteFunc(doc["Statement"].([]any), func(s any) bool { return cfn.Path(s, "Sid") == "TlsOnly" })
		}},
		{"SNS2", "denies TLS instead of plain HTTP", "AlarmTopic", func(c *cfn.Template) {
			obj(bySid(props(c, "AlarmTopicPolicy")["PolicyDocument"], "TlsOnly"), "Condition", "Bool")["aws:SecureTransport"] = "true"
		}},
		{"SNS2", "denies only one account", "AlarmTopic", func(c *cfn.Template) {
			bySid(props(c, "AlarmTopicPolicy")["PolicyDocument"], "TlsOnly")["Principal"] = map[string]any{"AWS": "arn:aws:iam::123456789012:root"}
		}},
		{"SNS2", "no topic policy", "AlarmTopic", func(c *cfn.Template) {
			delete(c.Resources, "AlarmTopicPolicy")
		}},
		{"SNS2", "policy on another topic", "AlarmTopic", func(c *cfn.Template) {
			props(c, "AlarmTopicPolicy")["Topics"] = []any{ref("OtherTopic")}
		}},
		// IAM6
		{"IAM6", "list scans the table", "ListOrdersFunctionRole", func(c *cfn.Template) {
			roleStatement(c, "ListOrdersFunctionRole")["Action"] = "dynamodb:Scan"
		}},
		{"IAM6", "a wildcard that covers Scan", "GetOrderFunctionRole", func(c *cfn.Template) {
			roleStatement(c, "GetOrderFunctionRole")["Action"] = []any{"dynamodb:GetItem", "dynamodb:S*"}
		}},
		{"IAM6", "another case in an AWS::IAM::Policy", "ScanPolicy", func(c *cfn.Template) {
			c.Resources["ScanPolicy"] = &cfn.Resource{Type: "AWS::IAM::Policy", Properties: map[string]any{
				"PolicyName": "scan",
				"Roles":      []any{ref("ListOrdersFunctionRole")},
				"PolicyDocument": map[string]any{"Statement": map[string]any{
					"Effect": "Allow", "Action": "DynamoDB:scan", "Resource": arnOf("OrdersTable"),
				}},
			}}
		}},
		{"IAM6", "Allow with NotAction", "DeleteOrderFunctionRole", func(c *cfn.Template) {
			s := roleStatement(c, "DeleteOrderFunctionRole")
			delete(s, "Action")
			s["NotAction"] = "dynamodb:DeleteTable"
		}},
		// APIG9
		{"APIG9", "the caller's sub is not logged", "OrdersApiStage", func(c *cfn.Template) {
			editAccessLog(c, withoutClaim("sub"))
		}},
		{"APIG9", "the calling client is not logged", "OrdersApiStage", func(c *cfn.Template) {
			editAccessLog(c, withoutClaim("client_id"))
		}},
		{"APIG9", "the Authorization header is logged", "OrdersApiStage", func(c *cfn.Template) {
			editAccessLog(c, withField(`"auth":"$method.request.header.Authorization"`))
		}},
		{"APIG9", "every parameter is logged", "OrdersApiStage", func(c *cfn.Template) {
			editAccessLog(c, withField(`"params":"$input.params()"`))
		}},
		{"APIG9", "the token is logged, formally", "OrdersApiStage", func(c *cfn.Template) {
			editAccessLog(c, withField(`"token":"${context.authorizer.token}"`))
		}},
		// APIG11
		{"APIG11", "a domain that takes TLS 1.0", "ApiDomain", func(c *cfn.Template) {
			props(c, "ApiDomain")["SecurityPolicy"] = "TLS_1_0"
		}},
		{"APIG11", "an edge-optimized domain", "ApiDomain", func(c *cfn.Template) {
			obj(props(c, "ApiDomain"), "EndpointConfiguration")["Types"] = []any{"EDGE"}
		}},
		// APIG10
		{"APIG10", "an operation invokes the unqualified function", "OrdersApi", func(c *cfn.Template) {
			integrationURI(c, "/api/orders", "post", "${CreateOrderFunctionAliaslive}", "${CreateOrderFunction.Arn}")
		}},
		{"APIG10", "a catch-all method invokes the unqualified function", "OrdersApi", func(c *cfn.Template) {
			integrationURI(c, "/api/orders/{orderId}", "x-amazon-apigateway-any-method", "${GetOrderFunctionAliaslive}", "${GetOrderFunction.Arn}")
		}},
		{"APIG10", "the docs invoke a written-out function ARN", "OrdersApi", func(c *cfn.Template) {
			integrationURI(c, "/swagger", "get", "${DocsFunctionAliaslive}", "arn:aws:lambda:us-east-1:123456789012:function:docs")
		}},
		{"APIG10", "an operation invokes a version", "OrdersApi", func(c *cfn.Template) {
			integrationURI(c, "/api/orders/{orderId}", "delete", "${DeleteOrderFunctionAliaslive}", "${"+versionOf(c, "DeleteOrderFunction")+"}")
		}},
		// AUTH1
		{"AUTH1", "an orders operation without security", "OrdersApi", func(c *cfn.Template) {
			op := operation(c, "/api/orders", "post")
			if op["security"] == nil {
				panic("POST /api/orders has no security to remove")
			}
			delete(op, "security")
		}},
		{"AUTH1", "an empty scope list", "OrdersApi", func(c *cfn.Template) {
			operation(c, "/api/orders/{orderId}", "get")["security"] = scopes()
		}},
		{"AUTH1", "a catch-all method without security", "OrdersApi", func(c *cfn.Template) {
			delete(operation(c, "/api/orders/{orderId}", "x-amazon-apigateway-any-method"), "security")
		}},
		{"AUTH1", "an anonymous alternative", "OrdersApi", func(c *cfn.Template) {
			operation(c, "/api/orders", "get")["security"] = append(scopes("orders/read"), map[string]any{})
		}},
		{"AUTH1", "a new path without security", "OrdersApi", func(c *cfn.Template) {
			obj(props(c, "OrdersApi"), "Body", "paths")["/api/orders/{orderId}/items"] = map[string]any{"get": map[string]any{}}
		}},
		{"AUTH1", "document-level security", "OrdersApi", func(c *cfn.Template) {
			obj(props(c, "OrdersApi"), "Body")["security"] = scopes("orders/read")
		}},
		{"AUTH1", "an OPTIONS that reaches a function, without security", "OrdersApi", func(c *cfn.Template) {
			obj(operation(c, "/api/orders", "options"), "x-amazon-apigateway-integration")["type"] = "aws_proxy"
		}},
		{"AUTH1", "a preflight that requires a token", "OrdersApi", func(c *cfn.Template) {
			operation(c, "/api/orders/{orderId}", "options")["security"] = scopes("orders/read")
		}},
		{"AUTH1", "the docs require a token", "OrdersApi", func(c *cfn.Template) {
			operation(c, "/swagger", "get")["security"] = scopes("orders/read")
		}},
		{"AUTH1", "the scheme is not Cognito's", "OrdersApi", func(c *cfn.Template) {
			obj(props(c, "OrdersApi"), "Body", "components", "securitySchemes", "OrdersAuth")["x-amazon-apigateway-authtype"] = "custom"
		}},
		{"AUTH1", "a user pool from elsewhere", "OrdersApi", func(c *cfn.Template) {
			obj(props(c, "OrdersApi"), "Body", "components", "securitySchemes", "OrdersAuth", "x-amazon-apigateway-authorizer")["providerARNs"] = []any{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_other"}
		}},
		// WAF5
		{"WAF5", "no redaction", "WafLogging", func(c *cfn.Template) {
			delete(props(c, "WafLogging"), "RedactedFields")
		}},
		{"WAF5", "another header redacted", "WafLogging", func(c *cfn.Template) {
			props(c, "WafLogging")["RedactedFields"] = []any{map[string]any{"SingleHeader": map[string]any{"Name": "cookie"}}}
		}},
		// COG1
		{"COG1", "a machine client without a secret", "MachineClient", func(c *cfn.Template) {
			props(c, "MachineClient")["GenerateSecret"] = false
		}},
		{"COG1", "secret left to the default", "TestClient", func(c *cfn.Template) {
			delete(props(c, "TestClient"), "GenerateSecret")
		}},
		// COG2
		{"COG2", "the web client allows the implicit grant", "WebClient", func(c *cfn.Template) {
			props(c, "WebClient")["AllowedOAuthFlows"] = []any{"code", "implicit"}
		}},
		{"COG2", "a new implicit client", "ImplicitClient", func(c *cfn.Template) {
			c.Resources["ImplicitClient"] = &cfn.Resource{Type: "AWS::Cognito::UserPoolClient", Properties: map[string]any{
				"UserPoolId": ref("UserPool"), "AllowedOAuthFlows": "implicit",
			}}
		}},
		// COG3
		{"COG3", "a secret output", "MachineClientSecret", func(c *cfn.Template) {
			c.Outputs["MachineClientSecret"] = map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{"MachineClient", "ClientSecret"}}}
		}},
		{"COG3", "a secret inside an Fn::Sub", "TestClientCredentials", func(c *cfn.Template) {
			c.Outputs["TestClientCredentials"] = map[string]any{"Value": sub("${TestClient}:${TestClient.ClientSecret}")}
		}},
		{"COG3", "a secret in an export, dotted GetAtt", "Credentials", func(c *cfn.Template) {
			c.Outputs["Credentials"] = map[string]any{
				"Value":  ref("MachineClient"),
				"Export": map[string]any{"Name": map[string]any{"Fn::Join": []any{"-", []any{"x", map[string]any{"Fn::GetAtt": "MachineClient.ClientSecret"}}}}},
			}
		}},
		// COG4
		{"COG4", "self sign-up", "UserPool", func(c *cfn.Template) {
			obj(props(c, "UserPool"), "AdminCreateUserConfig")["AllowAdminCreateUserOnly"] = false
		}},
		{"COG4", "sign-up left to the default", "UserPool", func(c *cfn.Template) {
			delete(props(c, "UserPool"), "AdminCreateUserConfig")
		}},
		{"COG4", "short passwords", "UserPool", func(c *cfn.Template) {
			obj(props(c, "UserPool"), "Policies", "PasswordPolicy")["MinimumLength"] = 8.0
		}},
		{"COG4", "no symbols", "UserPool", func(c *cfn.Template) {
			delete(obj(props(c, "UserPool"), "Policies", "PasswordPolicy"), "RequireSymbols")
		}},
		// COG5
		{"COG5", "no deletion protection", "UserPool", func(c *cfn.Template) {
			props(c, "UserPool")["DeletionProtection"] = "INACTIVE"
		}},
		{"COG5", "deletion protection only outside production", "UserPool", func(c *cfn.Template) {
			props(c, "UserPool")["DeletionProtection"] = ifProd("INACTIVE", "ACTIVE")
		}},
		{"COG5", "users deleted with the stack", "UserPool", func(c *cfn.Template) {
			c.Resources["UserPool"].DeletionPolicy = "Delete"
		}},
	}
	for _, g := range security.RequiredManagedRuleGroups {
		fixtures = append(fixtures, badFixture{"WAF3", "without " + g, "WebAcl", func(c *cfn.Template) {
			dropWAFRule(c, g)
		}})
	}
	return fixtures
}
