// Package security is a rule pack in the spirit of cdk-nag's AwsSolutions
// pack, for the template as CloudFormation deploys it (after the SAM
// transform, see package cfn). Each Rule reads the template and reports
// one Finding per resource that breaks it; the tests hold the project's
// template to every rule and break a copy for each rule to prove it can
// fail.
package security

import (
	"fmt"
	"iter"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/go-sam-blueprint/orders/tests/cfn"
)

// ProductionCondition is the template's condition that holds in production.
const ProductionCondition = "IsProduction"

// Finding is one resource that breaks a rule.
type Finding struct {
	Resource string // logical id
	Message  string
}

func (f Finding) String() string { return f.Resource + ": " + f.Message }

// Rule is one check of the pack.
type Rule struct {
	ID          string
	Description string
	Check       func(t *cfn.Template) []Finding
}

// AllowedManagedPolicies are the AWS managed policies a role may attach, as
// the path after arn:<partition>:iam::aws:policy/. SAM attaches both to
// every function role (Tracing: Active adds the X-Ray one).
var AllowedManagedPolicies = []string{
	"service-role/AWSLambdaBasicExecutionRole",
	"AWSXrayWriteOnlyAccess",
}

// ServiceRolePolicies are AWS managed policies allowed only on a role that
// one service alone may assume, by policy: the service. SAM gives
// CodeDeploy AWSCodeDeployRoleForLambda for the gradual deployments
// (CodeDeployServiceRole): update the aliases, read the rollback alarms,
// invoke the functions named CodeDeployHook_*.
var ServiceRolePolicies = map[string]string{
	"service-role/AWSCodeDeployRoleForLambda": "codedeploy.amazonaws.com",
	// SAM gives a capacity provider's operator role this one: Lambda
	// launches and manages the Managed Instances in the stack's subnets
	// with it (the list function's, opt-in: docs/deployment.md).
	"AWSLambdaManagedEC2ResourceOperator": "lambda.amazonaws.com",
}

// AllowedRuntimes are the Lambda runtimes functions may use: the Go
// functions run as custom runtimes on Amazon Linux 2023 (go1.x and
// provided.al2 are deprecated or on their way out).
var AllowedRuntimes = []string{"provided.al2023"}

// RequiredManagedRuleGroups are the AWS managed WAF rule groups every web
// ACL must run (in block mode).
var RequiredManagedRuleGroups = []string{
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesAnonymousIpList",
	"AWSManagedRulesKnownBadInputsRuleSet",
}

// PublicPaths are the API's paths that anyone may call: the docs (Swagger
// UI and the spec). Every other path's operations need the Cognito
// authorizer and a scope.
var PublicPaths = []string{"/swagger", "/swagger.json", "/swagger/{file}"}

// MinPasswordLength is the shortest password a user pool may accept.
const MinPasswordLength = 12

// Suppression accepts a rule's findings on resources whose logical ids
// match Resource (a path.Match pattern), for a written Reason. Only for
// findings that SAM itself causes; the tests fail on a suppression that no
// longer matches anything, so a fixed template drops it.
type Suppression struct {
	RuleID, Resource, Reason string
}

// Suppressions are the accepted findings on the project's template.
var Suppressions = []Suppression{}

// Suppressed returns the suppression that accepts f under rule ruleID.
func Suppressed(ruleID string, f Finding) (Suppression, bool) {
	for _, s := range Suppressions {
		if s.RuleID != ruleID {
			continue
		}
		if ok, _ := path.Match(s.Resource, f.Resource); ok {
			return s, true
		}
	}
	return Suppression{}, false
}

// Rules is the pack.
var Rules = []Rule{
	// ---------------------------------------------------------------- IAM
	{"IAM1", "Identity policies allow no wildcard actions (\"*\", \"service:*\", or NotAction): each role may do only what its code does.", checkWildcardActions},
	{"IAM2", "Identity policies allow no Resource \"*\" (or NotResource): each permission names the resources it is for.", checkWildcardResources},
	{"IAM3", "Principals attach only allowlisted AWS managed policies (Lambda basic execution, X-Ray write; CodeDeploy's for Lambda on the role only CodeDeploy assumes, the Managed Instances operator's on a role only Lambda assumes): managed policies are broad and change under us.", checkManagedPolicies},
	{"IAM4", "Role trust policies let only AWS services assume the role: no account, user or \"*\" can take a service's permissions.", checkTrustPolicies},
	{"IAM5", "Every Lambda function has a role of its own from this template: permissions stay per operation, never pooled.", checkRolePerFunction},
	{"IAM6", "No identity policy allows dynamodb:Scan (by name or wildcard): a scan reads every caller's orders; listing queries the owner index.", checkNoScan},
	{"POL1", "Resource policies (SNS topics, KMS keys, ...) never Allow Principal \"*\" without a Condition: that would open the resource to every AWS account.", checkPublicResourcePolicies},

	// ------------------------------------------------------------- Lambda
	{"L1", "Every Lambda permission names a service principal and a SourceArn: only that service, for that source, may invoke (no confused deputy).", checkLambdaPermissions},
	{"L2", "Every Lambda function traces with X-Ray (TracingConfig Mode Active) and sends its own spans there (TRACING_EXPORTER xray): requests can be followed across services and into the handler, each use case and each DynamoDB call.", checkLambdaTracing},
	{"L3", "Every Lambda function logs JSON (LoggingConfig LogFormat JSON): logs are structured and queryable, levels filter them.", checkLambdaLogFormat},
	{"L4", "Every Lambda function logs to a log group of this template (LoggingConfig LogGroup Ref): its retention is ours, not an unbounded default group.", checkLambdaLogGroup},
	{"L5", "Every Lambda function runs an allowlisted runtime (provided.al2023): no deprecated runtimes without security patches.", checkLambdaRuntime},
	{"L6", "Every Lambda function runs on arm64 (Graviton): the architecture the code is built and tested for.", checkLambdaArchitecture},
	{"L7", "No Lambda function URL without authentication (AuthType NONE): functions are reached only through the API and its WAF.", checkLambdaURLs},

	// ----------------------------------------------------------- DynamoDB
	{"DDB1", "DynamoDB tables have point-in-time recovery: data can be restored after a bad write or delete.", checkTablePITR},
	{"DDB2", "DynamoDB tables have SSE enabled (KMS at rest): encryption keys are auditable in KMS.", checkTableSSE},
	{"DDB3", "DynamoDB tables bill on demand (PAY_PER_REQUEST): no provisioned capacity to exhaust and throttle (availability).", checkTableBilling},
	{"DDB4", "DynamoDB tables have deletion protection in production: a mistaken API call cannot drop the data.", checkTableDeletionProtection},
	{"DDB5", "DynamoDB tables have DeletionPolicy and UpdateReplacePolicy Retain in production: a stack delete or replacement keeps the data.", checkTableRetain},

	// --------------------------------------------------------- CloudWatch
	{"LOG1", "Every log group sets RetentionInDays: logs (which hold request data) are not kept forever.", checkLogRetention},
	{"LOG2", "Every log group has DeletionPolicy and UpdateReplacePolicy Retain in production: deleting or replacing the stack keeps the logs an investigation needs.", checkLogGroupRetain},
	{"CW1", "Every CloudWatch alarm has AlarmActions: an alarm nobody hears is no alarm.", checkAlarmActions},

	// -------------------------------------------------------- API Gateway
	{"APIG1", "Every API stage writes access logs (AccessLogSetting with DestinationArn and Format): who called what is recorded.", checkStageAccessLogs},
	{"APIG2", "No REST API echoes what a client sent: no request validator (its failures are answered from $context.error.validationErrorString, which quotes submitted values, and it checks less than the function, which holds every request to all of api.yaml), and no gateway response template that uses that string.", checkNoEchoingValidation},
	{"APIG3", "Every API stage traces with X-Ray (TracingEnabled true).", checkStageTracing},
	{"APIG4", "Every API stage sets throttling (ThrottlingRateLimit and ThrottlingBurstLimit for /* *): a flood cannot exhaust the functions or the account.", checkStageThrottling},
	{"APIG5", "Every API stage sets an execution LoggingLevel (ERROR or INFO) for /* * and never DataTraceEnabled: errors are logged, request and response bodies never are.", checkStageExecutionLogging},
	{"APIG6", "Every API stage enables per-method CloudWatch metrics (MetricsEnabled for /* *): abuse and errors are visible per route.", checkStageMetrics},
	{"APIG7", "No API Gateway Deployment creates a stage of its own (StageName): such a stage has none of the managed stage's WAF, throttling or logging.", checkDeploymentStages},
	{"APIG8", "The service stack sets no account-wide API Gateway setting (AWS::ApiGateway::Account): it is shared by every API of the account and region, so stacks would overwrite it, and deleting one would leave the account pointing at a deleted role.", checkNoAccountSettings},
	{"APIG9", "Every API stage's access log format records the caller ($context.authorizer.claims.sub and client_id) and never the Authorization header or the token ($method.request.header.Authorization, $input.*, $context.authorizer.token, ...).", checkAccessLogCaller},
	{"APIG10", "Every Lambda integration of a REST API body invokes an alias of a function of this template (${Function.Alias} in api.yaml, the alias SAM makes of it after the transform), never the unqualified function (${Function.Arn}) or a written-out ARN: API calls go through the gradual deployment, its pre-traffic hook and its rollback.", checkIntegrationsInvokeAliases},
	{"APIG11", "Every API Gateway custom domain is regional and takes TLS 1.2 at least (SecurityPolicy TLS_1_2): no client speaks to the API over TLS 1.0.", checkDomainTLS},
	{"AUTH1", "Every operation of a REST API body but the public docs paths (PublicPaths) and the CORS preflights (OPTIONS on a mock integration, which reaches no function) requires the body's Cognito user pool authorizer, on a user pool of this template, with at least one scope; the docs paths require none; no document-level security.", checkOperationAuth},

	// ---------------------------------------------------------------- WAF
	{"WAF1", "Every API stage has a WAFv2 WebACLAssociation whose ResourceArn names it: requests pass the WAF before the API.", checkStageWAF},
	{"WAF2", "Every WAFv2 web ACL has a LoggingConfiguration with a destination: blocked and allowed requests are recorded.", checkWAFLogging},
	{"WAF3", "Every WAFv2 web ACL runs the AWS common, IP reputation, anonymous IP and known-bad-inputs rule groups (not in count mode) and a blocking rate-based rule.", checkWAFRules},
	{"WAF4", "WAFv2 resources carry Condition IsProduction: the WAF is production's, and its cost stays out of dev stacks.", checkWAFCondition},
	{"WAF5", "Every WAFv2 logging configuration redacts the authorization header (RedactedFields SingleHeader): bearer tokens never reach the WAF logs.", checkWAFRedactsAuthorization},

	// ------------------------------------------------------------ Cognito
	{"COG1", "Every user pool client with the client_credentials grant has a secret (GenerateSecret true): Cognito issues machine tokens only against one.", checkMachineClientSecrets},
	{"COG2", "No user pool client allows the implicit grant: tokens never travel in a redirect URL; browsers use the code grant with PKCE.", checkNoImplicitGrant},
	{"COG3", "No output exposes a user pool client's secret (Fn::GetAtt ClientSecret): outputs are readable by anyone who can describe the stack.", checkNoSecretOutputs},
	{"COG4", "User pools allow no self sign-up (AdminCreateUserConfig AllowAdminCreateUserOnly true) and require passwords of at least MinPasswordLength characters with lower and upper case letters, numbers and symbols.", checkUserPoolSignUp},
	{"COG5", "User pools have deletion protection (DeletionProtection ACTIVE) and DeletionPolicy and UpdateReplacePolicy Retain in production: users cannot be restored once deleted.", checkUserPoolRetain},

	// ----------------------------------------------------------- KMS, SNS
	{"KMS1", "Symmetric KMS keys rotate (EnableKeyRotation true): a leaked key version has a bounded life.", checkKeyRotation},
	{"SNS1", "SNS topics are encrypted with KMS (KmsMasterKeyId): alarm contents are encrypted at rest.", checkTopicEncryption},
	{"SNS2", "Every SNS topic has a topic policy that Denies sns:Publish to everyone when aws:SecureTransport is \"false\": TLS only.", checkTopicTLS},
}

// -------------------------------------------------------------------- IAM

// policyDoc is one policy document and where it sits.
type policyDoc struct {
	resource, where string
	doc             any
}

// identityPolicies are the policies that grant principals of this template
// permissions: inline policies of roles, users and groups, and
// AWS::IAM::Policy and AWS::IAM::ManagedPolicy documents.
func identityPolicies(t *cfn.Template) []policyDoc {
	var docs []policyDoc
	for id, r := range resources(t, "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") {
		switch r.Type {
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			docs = append(docs, policyDoc{id, "PolicyDocument", r.Properties["PolicyDocument"]})
		default:
			list, _ := r.Properties["Policies"].([]any)
			for i, p := range list {
				name, _ := cfn.Path(p, "PolicyName").(string)
				if name == "" {
					name = fmt.Sprintf("Policies[%d]", i)
				}
				docs = append(docs, policyDoc{id, "policy " + name, cfn.Path(p, "PolicyDocument")})
			}
		}
	}
	return docs
}

// statement is one raw policy statement.
type statement map[string]any

// statements reads a document's Statement, a list or a single statement.
func statements(doc any) []statement {
	var out []statement
	switch s := cfn.Path(doc, "Statement").(type) {
	case map[string]any:
		out = append(out, s)
	case []any:
		for _, raw := range s {
			m, _ := raw.(map[string]any)
			out = append(out, m)
		}
	}
	return out
}

func (s statement) effect() string {
	e, _ := s["Effect"].(string)
	return e
}

func (s statement) label(i int) string {
	if sid, ok := s["Sid"].(string); ok && sid != "" {
		return "statement " + sid
	}
	return fmt.Sprintf("statement %d", i)
}

func (s statement) actions() []string {
	var out []string
	for _, a := range cfn.List(s["Action"]) {
		if name, ok := a.(string); ok {
			out = append(out, name)
		}
	}
	return out
}

func (s statement) hasCondition() bool {
	m, ok := s["Condition"].(map[string]any)
	return ok && len(m) > 0
}

// isWildcardAction is "*" or a whole service, "service:*".
func isWildcardAction(a string) bool {
	if a == "*" {
		return true
	}
	_, op, ok := strings.Cut(a, ":")
	return ok && op == "*"
}

func checkWildcardActions(t *cfn.Template) []Finding {
	var out []Finding
	for _, d := range identityPolicies(t) {
		for i, s := range statements(d.doc) {
			if s.effect() != "Allow" {
				continue
			}
			if s["NotAction"] != nil {
				out = append(out, Finding{d.resource, fmt.Sprintf("%s, %s: Allow with NotAction grants every other action", d.where, s.label(i))})
			}
			for _, a := range s.actions() {
				if isWildcardAction(a) {
					out = append(out, Finding{d.resource, fmt.Sprintf("%s, %s: wildcard action %q", d.where, s.label(i), a)})
				}
			}
		}
	}
	return out
}

func checkWildcardResources(t *cfn.Template) []Finding {
	var out []Finding
	for _, d := range identityPolicies(t) {
		for i, s := range statements(d.doc) {
			if s.effect() != "Allow" {
				continue
			}
			if s["NotResource"] != nil {
				out = append(out, Finding{d.resource, fmt.Sprintf("%s, %s: Allow with NotResource grants every other resource", d.where, s.label(i))})
			}
			if s["Resource"] == nil && s["NotResource"] == nil {
				out = append(out, Finding{d.resource, fmt.Sprintf("%s, %s: no Resource", d.where, s.label(i))})
			}
			for _, r := range cfn.List(s["Resource"]) {
				if r == "*" {
					out = append(out, Finding{d.resource, fmt.Sprintf("%s, %s: Resource \"*\"", d.where, s.label(i))})
				}
			}
		}
	}
	return out
}

// iamActionMatches says whether an IAM action pattern, with its * and ?
// wildcards, covers action; IAM compares actions case-insensitively.
func iamActionMatches(pattern, action string) bool {
	var b strings.Builder
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re, err := regexp.Compile("(?i)^" + b.String() + "$")
	return err == nil && re.MatchString(action)
}

// scan is the action no policy may allow.
const scan = "dynamodb:Scan"

func checkNoScan(t *cfn.Template) []Finding {
	var out []Finding
	for _, d := range identityPolicies(t) {
		for i, s := range statements(d.doc) {
			if s.effect() != "Allow" {
				continue
			}
			for _, a := range s.actions() {
				if iamActionMatches(a, scan) {
					out = append(out, Finding{d.resource, fmt.Sprintf("%s, %s: %q allows %s", d.where, s.label(i), a, scan)})
				}
			}
			if s["NotAction"] != nil {
				excluded := false
				for _, a := range cfn.List(s["NotAction"]) {
					if name, ok := a.(string); ok && iamActionMatches(name, scan) {
						excluded = true
					}
				}
				if !excluded {
					out = append(out, Finding{d.resource, fmt.Sprintf("%s, %s: Allow with NotAction allows %s", d.where, s.label(i), scan)})
				}
			}
		}
	}
	return out
}

// awsManagedPolicyPrefix matches arn:<partition>:iam::aws:policy/, the
// partition literal or ${AWS::Partition} in an Fn::Sub.
var awsManagedPolicyPrefix = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov|\$\{AWS::Partition\}):iam::aws:policy/`)

// managedPolicyName returns the path of an AWS managed policy's ARN, given
// as a string or an Fn::Sub.
func managedPolicyName(v any) (string, bool) {
	arn, ok := subString(v)
	if !ok {
		return "", false
	}
	loc := awsManagedPolicyPrefix.FindStringIndex(arn)
	if loc == nil {
		return "", false
	}
	return arn[loc[1]:], true
}

func checkManagedPolicies(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group") {
		for _, arn := range cfn.List(r.Properties["ManagedPolicyArns"]) {
			name, ok := managedPolicyName(arn)
			service, forService := ServiceRolePolicies[name]
			switch {
			case !ok:
				out = append(out, Finding{id, fmt.Sprintf("managed policy %v is not an AWS managed policy ARN this rule can read", arn)})
			case forService && !assumedOnlyBy(r, service):
				out = append(out, Finding{id, fmt.Sprintf("managed policy %q is allowed only on a role that %s alone assumes", name, service)})
			case !forService && !slices.Contains(AllowedManagedPolicies, name):
				out = append(out, Finding{id, fmt.Sprintf("managed policy %q is not allowlisted", name)})
			}
		}
	}
	return out
}

// assumedOnlyBy reports whether r is a role whose trust policy lets service
// assume it, and no one else.
func assumedOnlyBy(r *cfn.Resource, service string) bool {
	if r.Type != "AWS::IAM::Role" {
		return false
	}
	stmts := statements(r.Properties["AssumeRolePolicyDocument"])
	for _, s := range stmts {
		if s.effect() != "Allow" {
			continue
		}
		p, ok := s["Principal"].(map[string]any)
		if !ok || len(p) != 1 || !slices.Equal(cfn.List(p["Service"]), []any{service}) {
			return false
		}
	}
	return len(stmts) > 0
}

// servicePrincipal matches a service principal, such as lambda.amazonaws.com.
var servicePrincipal = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$`)

func isServicePrincipal(v any) bool {
	s, ok := v.(string)
	return ok && servicePrincipal.MatchString(s)
}

func checkTrustPolicies(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::IAM::Role") {
		stmts := statements(r.Properties["AssumeRolePolicyDocument"])
		if len(stmts) == 0 {
			out = append(out, Finding{id, "no AssumeRolePolicyDocument statements"})
		}
		for i, s := range stmts {
			if s.effect() != "Allow" {
				continue
			}
			p, ok := s["Principal"].(map[string]any)
			if !ok || len(p) == 0 {
				out = append(out, Finding{id, fmt.Sprintf("trust %s: principal %v is not a service", s.label(i), s["Principal"])})
				continue
			}
			for _, kind := range slices.Sorted(maps.Keys(p)) {
				if kind != "Service" {
					out = append(out, Finding{id, fmt.Sprintf("trust %s: %s principal %v may assume the role", s.label(i), kind, p[kind])})
					continue
				}
				for _, svc := range cfn.List(p[kind]) {
					if !isServicePrincipal(svc) {
						out = append(out, Finding{id, fmt.Sprintf("trust %s: %v is not a service principal", s.label(i), svc)})
					}
				}
			}
		}
	}
	return out
}

func checkRolePerFunction(t *cfn.Template) []Finding {
	var out []Finding
	users := map[string][]string{}
	for id, r := range resources(t, "AWS::Lambda::Function") {
		role, attr, ok := cfn.GetAtt(r.Properties["Role"])
		if !ok || attr != "Arn" || t.Resources[role] == nil || t.Resources[role].Type != "AWS::IAM::Role" {
			out = append(out, Finding{id, fmt.Sprintf("Role %v is not Fn::GetAtt [<a role of this template>, Arn]", r.Properties["Role"])})
			continue
		}
		users[role] = append(users[role], id)
	}
	for _, role := range slices.Sorted(maps.Keys(users)) {
		if fns := users[role]; len(fns) > 1 {
			for _, fn := range fns {
				out = append(out, Finding{fn, fmt.Sprintf("role %s serves %s", role, strings.Join(fns, ", "))})
			}
		}
	}
	return out
}

// resourcePolicies are, per resource type, the property that holds its
// resource policy.
var resourcePolicies = map[string]string{
	"AWS::SNS::TopicPolicy":               "PolicyDocument",
	"AWS::KMS::Key":                       "KeyPolicy",
	"AWS::SQS::QueuePolicy":               "PolicyDocument",
	"AWS::S3::BucketPolicy":               "PolicyDocument",
	"AWS::SecretsManager::ResourcePolicy": "ResourcePolicy",
	"AWS::ApiGateway::RestApi":            "Policy",
}

// isPublicPrincipal is "*", or a principal map naming "*" (as {"AWS": "*"}).
func isPublicPrincipal(p any) bool {
	if p == "*" {
		return true
	}
	m, ok := p.(map[string]any)
	if !ok {
		return false
	}
	for _, v := range m {
		if slices.Contains(cfn.List(v), any("*")) {
			return true
		}
	}
	return false
}

func checkPublicResourcePolicies(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, slices.Sorted(maps.Keys(resourcePolicies))...) {
		prop := resourcePolicies[r.Type]
		for i, s := range statements(r.Properties[prop]) {
			if s.effect() == "Allow" && isPublicPrincipal(s["Principal"]) && !s.hasCondition() {
				out = append(out, Finding{id, fmt.Sprintf("%s %s: Allow to Principal %v without a Condition", prop, s.label(i), s["Principal"])})
			}
		}
	}
	return out
}

// ----------------------------------------------------------------- Lambda

func checkLambdaPermissions(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::Lambda::Permission") {
		if !isServicePrincipal(r.Properties["Principal"]) {
			out = append(out, Finding{id, fmt.Sprintf("Principal %v is not a service principal", r.Properties["Principal"])})
		}
		if empty(r.Properties["SourceArn"]) {
			out = append(out, Finding{id, "no SourceArn: any resource of the service, in any account, may invoke"})
		}
	}
	return out
}

func checkLambdaTracing(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::Lambda::Function") {
		if mode := cfn.Path(r.Properties, "TracingConfig", "Mode"); mode != "Active" {
			out = append(out, Finding{id, fmt.Sprintf("TracingConfig Mode is %v, not Active", mode)})
		}
		if exporter := cfn.Path(r.Properties, "Environment", "Variables", "TRACING_EXPORTER"); exporter != "xray" {
			out = append(out, Finding{id, fmt.Sprintf("TRACING_EXPORTER is %v, not xray: the function's own spans go nowhere", exporter)})
		}
	}
	return out
}

func checkLambdaLogFormat(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::Lambda::Function") {
		if f := cfn.Path(r.Properties, "LoggingConfig", "LogFormat"); f != "JSON" {
			out = append(out, Finding{id, fmt.Sprintf("LoggingConfig LogFormat is %v, not JSON", f)})
		}
	}
	return out
}

func checkLambdaLogGroup(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::Lambda::Function") {
		lg := cfn.Path(r.Properties, "LoggingConfig", "LogGroup")
		ref, ok := cfn.Ref(lg)
		if !ok || t.Resources[ref] == nil || t.Resources[ref].Type != "AWS::Logs::LogGroup" {
			out = append(out, Finding{id, fmt.Sprintf("LoggingConfig LogGroup %v is not a Ref to a log group of this template", lg)})
		}
	}
	return out
}

func checkLambdaRuntime(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::Lambda::Function") {
		rt, _ := r.Properties["Runtime"].(string)
		if !slices.Contains(AllowedRuntimes, rt) {
			out = append(out, Finding{id, fmt.Sprintf("Runtime %v is not one of %v", r.Properties["Runtime"], AllowedRuntimes)})
		}
	}
	return out
}

func checkLambdaArchitecture(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::Lambda::Function") {
		if a := r.Properties["Architectures"]; !slices.Equal(cfn.List(a), []any{"arm64"}) {
			out = append(out, Finding{id, fmt.Sprintf("Architectures %v, not [arm64]", a)})
		}
	}
	return out
}

func checkLambdaURLs(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::Lambda::Url") {
		if a := r.Properties["AuthType"]; a != "AWS_IAM" {
			out = append(out, Finding{id, fmt.Sprintf("function URL with AuthType %v bypasses the API and its WAF", a)})
		}
	}
	return out
}

// --------------------------------------------------------------- DynamoDB

func checkTablePITR(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::DynamoDB::Table") {
		if !isTrue(cfn.Path(r.Properties, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled")) {
			out = append(out, Finding{id, "point-in-time recovery is off"})
		}
	}
	return out
}

func checkTableSSE(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::DynamoDB::Table") {
		if !isTrue(cfn.Path(r.Properties, "SSESpecification", "SSEEnabled")) {
			out = append(out, Finding{id, "SSESpecification SSEEnabled is not true"})
		}
	}
	return out
}

func checkTableBilling(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::DynamoDB::Table") {
		if m := r.Properties["BillingMode"]; m != "PAY_PER_REQUEST" {
			out = append(out, Finding{id, fmt.Sprintf("BillingMode %v, not PAY_PER_REQUEST", m)})
		}
	}
	return out
}

func checkTableDeletionProtection(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::DynamoDB::Table") {
		if v := r.Properties["DeletionProtectionEnabled"]; !inProduction(v, isTrue) {
			out = append(out, Finding{id, fmt.Sprintf("DeletionProtectionEnabled %v is not true in production", v)})
		}
	}
	return out
}

func checkTableRetain(t *cfn.Template) []Finding {
	return retainedInProduction(t, "AWS::DynamoDB::Table")
}

// retainedInProduction finds the resources of typ whose DeletionPolicy or
// UpdateReplacePolicy is not Retain in production.
func retainedInProduction(t *cfn.Template, typ string) []Finding {
	var out []Finding
	isRetain := func(v any) bool { return v == "Retain" }
	for id, r := range resources(t, typ) {
		if !inProduction(r.DeletionPolicy, isRetain) {
			out = append(out, Finding{id, fmt.Sprintf("DeletionPolicy %v is not Retain in production", r.DeletionPolicy)})
		}
		if !inProduction(r.UpdateReplacePolicy, isRetain) {
			out = append(out, Finding{id, fmt.Sprintf("UpdateReplacePolicy %v is not Retain in production", r.UpdateReplacePolicy)})
		}
	}
	return out
}

// ------------------------------------------------------------- CloudWatch

func checkLogRetention(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::Logs::LogGroup") {
		if empty(r.Properties["RetentionInDays"]) {
			out = append(out, Finding{id, "no RetentionInDays: logs are kept forever"})
		}
	}
	return out
}

func checkLogGroupRetain(t *cfn.Template) []Finding {
	return retainedInProduction(t, "AWS::Logs::LogGroup")
}

func checkAlarmActions(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm") {
		if len(cfn.List(r.Properties["AlarmActions"])) == 0 {
			out = append(out, Finding{id, "no AlarmActions"})
		}
	}
	return out
}

// ------------------------------------------------------------ API Gateway

func checkStageAccessLogs(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::ApiGateway::Stage") {
		s := r.Properties["AccessLogSetting"]
		if empty(cfn.Path(s, "DestinationArn")) || empty(cfn.Path(s, "Format")) {
			out = append(out, Finding{id, "no AccessLogSetting with DestinationArn and Format"})
		}
	}
	return out
}

// fullValidator says whether the named validator of an API body validates
// both the body and the parameters.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"}

func checkNoEchoingValidation(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::ApiGateway::RestApi") {
		body, ok := r.Properties["Body"].(map[string]any)
		if !ok {
			out = append(out, Finding{id, "no inline Body to read the request validators from"})
			continue
		}
		if name, set := body["x-amazon-apigateway-request-validator"]; set {
			out = append(out, Finding{id, fmt.Sprintf("request validator %v is on for every operation", name)})
		}
		paths, _ := body["paths"].(map[string]any)
		for _, p := range slices.Sorted(maps.Keys(paths)) {
			for _, m := range httpMethods {
				if name, set := cfn.Path(paths[p], m, "x-amazon-apigateway-request-validator").(string); set {
					out = append(out, Finding{id, fmt.Sprintf("%s %s: request validator %s is on", m, p, name)})
				}
			}
		}
		responses, _ := body["x-amazon-apigateway-gateway-responses"].(map[string]any)
		for _, kind := range slices.Sorted(maps.Keys(responses)) {
			templates, _ := cfn.Path(responses[kind], "responseTemplates").(map[string]any)
			for _, tmpl := range templates {
				if text, _ := tmpl.(string); strings.Contains(text, "validationErrorString") {
					out = append(out, Finding{id, kind + ": its template quotes $context.error.validationErrorString"})
				}
			}
		}
	}
	return out
}

// velocityRef matches a template variable however it is written: $x,
// $!x, ${x}, $!{x}.
const velocityRef = `\$!?\{?`

// callerClaims are the claims an access log must record, and a pattern
// for each (dot or bracket notation).
var callerClaims = map[string]*regexp.Regexp{
	"sub":       regexp.MustCompile(`(?i)` + velocityRef + `context\.authorizer\.claims(\.sub\b|\[['"]sub['"]\])`),
	"client_id": regexp.MustCompile(`(?i)` + velocityRef + `context\.authorizer\.claims(\.client_id\b|\[['"]client_id['"]\])`),
}

// tokenBearers are variables whose value can hold the Authorization
// header or the token: the header itself, and $input, which holds every
// parameter (headers too) and the body.
var tokenBearers = regexp.MustCompile(`(?i)` + velocityRef + `(method\.request\.(multivalue)?header\.authorization|request\.header\.authorization|input\.|context\.authorizer\.(token|authorizationtoken)\b)`)

func checkAccessLogCaller(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::ApiGateway::Stage") {
		format, ok := subString(cfn.Path(r.Properties, "AccessLogSetting", "Format"))
		if !ok {
			out = append(out, Finding{id, "no readable AccessLogSetting Format"})
			continue
		}
		for _, claim := range slices.Sorted(maps.Keys(callerClaims)) {
			if !callerClaims[claim].MatchString(format) {
				out = append(out, Finding{id, "the access log does not record $context.authorizer.claims." + claim + ": who called is lost"})
			}
		}
		for _, v := range tokenBearers.FindAllString(format, -1) {
			out = append(out, Finding{id, fmt.Sprintf("the access log records %s, which can hold the bearer token", v)})
		}
	}
	return out
}

// cognitoScheme says whether a security scheme of an API body is API
// Gateway's Cognito user pool authorizer on user pools of this template.
func cognitoScheme(t *cfn.Template, scheme any) (bool, string) {
	if v, _ := cfn.Path(scheme, "x-amazon-apigateway-authtype").(string); !strings.EqualFold(v, "cognito_user_pools") {
		return false, "its x-amazon-apigateway-authtype is not cognito_user_pools"
	}
	auth := cfn.Path(scheme, "x-amazon-apigateway-authorizer")
	if v, _ := cfn.Path(auth, "type").(string); !strings.EqualFold(v, "cognito_user_pools") {
		return false, "its x-amazon-apigateway-authorizer type is not cognito_user_pools"
	}
	arns := cfn.List(cfn.Path(auth, "providerARNs"))
	if len(arns) == 0 {
		return false, "its authorizer names no user pool (providerARNs)"
	}
	for _, arn := range arns {
		pool, attr, ok := cfn.GetAtt(arn)
		if !ok || attr != "Arn" || t.Resources[pool] == nil || t.Resources[pool].Type != "AWS::Cognito::UserPool" {
			return false, fmt.Sprintf("provider %v is not Fn::GetAtt [<a user pool of this template>, Arn]", arn)
		}
	}
	return true, ""
}

// corsPreflight reports whether op is a CORS preflight that API Gateway
// answers itself: OPTIONS on a mock integration, which invokes nothing.
func corsPreflight(method string, op map[string]any) bool {
	return method == "options" && cfn.Path(op, "x-amazon-apigateway-integration", "type") == "mock"
}

func checkOperationAuth(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::ApiGateway::RestApi") {
		body, ok := r.Properties["Body"].(map[string]any)
		if !ok {
			out = append(out, Finding{id, "no inline Body to read the operations' security from"})
			continue
		}
		if sec, set := body["security"]; set {
			out = append(out, Finding{id, fmt.Sprintf("document-level security %v: each operation must say its own (an operation's [] override is not read alike by every tool)", sec)})
		}
		schemes, _ := cfn.Path(body, "components", "securitySchemes").(map[string]any)
		if schemes == nil {
			schemes, _ = body["securityDefinitions"].(map[string]any)
		}
		paths, _ := body["paths"].(map[string]any)
		for _, p := range slices.Sorted(maps.Keys(paths)) {
			for _, m := range httpMethods {
				op, isOp := cfn.Path(paths[p], m).(map[string]any)
				if !isOp {
					continue
				}
				where := m + " " + p
				security := cfn.List(op["security"])
				if corsPreflight(m, op) {
					// API Gateway's own answer to a browser's preflight,
					// which carries no token: it reaches no function.
					if len(security) > 0 {
						out = append(out, Finding{id, where + ": a CORS preflight requires authorization, which a browser never sends with one"})
					}
					continue
				}
				if slices.Contains(PublicPaths, p) {
					if len(security) > 0 {
						out = append(out, Finding{id, where + ": a public docs path requires authorization"})
					}
					continue
				}
				if len(security) == 0 {
					out = append(out, Finding{id, where + ": no security: anyone may call it"})
				}
				for _, req := range security {
					reqs, _ := req.(map[string]any)
					if len(reqs) == 0 {
						out = append(out, Finding{id, where + ": an empty security requirement ({}) lets anyone call it"})
					}
					for _, name := range slices.Sorted(maps.Keys(reqs)) {
						if ok, why := cognitoScheme(t, schemes[name]); !ok {
							out = append(out, Finding{id, fmt.Sprintf("%s: security scheme %s is not the Cognito user pool authorizer: %s", where, name, why)})
						}
						if len(cfn.List(reqs[name])) == 0 {
							out = append(out, Finding{id, fmt.Sprintf("%s: %s requires no scope: API Gateway would take an ID token, and any client's", where, name)})
						}
					}
				}
			}
		}
	}
	return out
}

// lambdaIntegration finds the function an integration uri invokes, the
// part between functions/ and /invocations.
var lambdaIntegration = regexp.MustCompile(`:lambda:path/[^/]+/functions/(.+)/invocations$`)

// integrationVariable is one ${Resource} or ${Resource.Attribute} of an Fn::Sub.
var integrationVariable = regexp.MustCompile(`^\$\{(\w+)(?:\.(\w+))?\}$`)

func checkIntegrationsInvokeAliases(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::ApiGateway::RestApi") {
		paths, _ := cfn.Path(r.Properties, "Body", "paths").(map[string]any)
		for _, p := range slices.Sorted(maps.Keys(paths)) {
			for _, m := range httpMethods {
				// Each branch of an Fn::If: the list's integration depends
				// on where the stack runs it.
				for _, uri := range branches(cfn.Path(paths[p], m, "x-amazon-apigateway-integration", "uri")) {
					text, _ := subString(uri)
					match := lambdaIntegration.FindStringSubmatch(text)
					if match == nil {
						continue // not a Lambda integration
					}
					if why := notAnAlias(t, match[1]); why != "" {
						out = append(out, Finding{id, fmt.Sprintf("%s %s: %s", m, p, why)})
					}
				}
			}
		}
	}
	return out
}

// branches are the values v may take: both branches of an Fn::If, each
// its own branches, or v itself; none for nil.
func branches(v any) []any {
	if v == nil {
		return nil
	}
	if _, yes, no, ok := cfn.If(v); ok {
		return append(branches(yes), branches(no)...)
	}
	return []any{v}
}

// notAnAlias says why target, what an integration uri names between
// functions/ and /invocations, is not an alias of a function of t; "" when
// it is one.
func notAnAlias(t *cfn.Template, target string) string {
	v := integrationVariable.FindStringSubmatch(target)
	if v == nil {
		return fmt.Sprintf("invokes %s, which is no alias of this template", target)
	}
	r := t.Resources[v[1]]
	switch {
	case r == nil:
		return fmt.Sprintf("invokes %s, which is no resource of this template", target)
	case r.Type == "AWS::Lambda::Alias" && v[2] == "":
		return ""
	case (r.Type == "AWS::Lambda::Function" || r.Type == "AWS::Serverless::Function") && v[2] == "Alias":
		return "" // api.yaml's form, which SAM resolves to the alias
	case r.Type == "AWS::Lambda::Function" || r.Type == "AWS::Serverless::Function":
		return fmt.Sprintf("invokes the unqualified function %s: traffic shifting, the pre-traffic hook and rollback never apply to API calls; name ${%s.Alias}", target, v[1])
	}
	return fmt.Sprintf("invokes %s, a %s, not a function's alias", target, r.Type)
}

func checkNoAccountSettings(t *cfn.Template) []Finding {
	var out []Finding
	for id := range resources(t, "AWS::ApiGateway::Account") {
		out = append(out, Finding{id, "sets the account's API Gateway CloudWatch role: run scripts/apigateway-account once per account and region instead"})
	}
	return out
}

func checkDomainTLS(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::ApiGateway::DomainName") {
		if policy := r.Properties["SecurityPolicy"]; policy != "TLS_1_2" {
			out = append(out, Finding{id, fmt.Sprintf("SecurityPolicy is %v, not TLS_1_2", policy)})
		}
		if types := cfn.Path(r.Properties, "EndpointConfiguration", "Types"); !slices.Equal(cfn.List(types), []any{"REGIONAL"}) {
			out = append(out, Finding{id, fmt.Sprintf("EndpointConfiguration Types is %v, not [REGIONAL]: the API is regional", types)})
		}
	}
	return out
}

func checkStageTracing(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::ApiGateway::Stage") {
		if !isTrue(r.Properties["TracingEnabled"]) {
			out = append(out, Finding{id, "TracingEnabled is not true"})
		}
	}
	return out
}

// catchAll returns a stage's method setting for every resource and method.
func catchAll(r *cfn.Resource) map[string]any {
	for _, s := range cfn.List(r.Properties["MethodSettings"]) {
		m, ok := s.(map[string]any)
		if ok && m["ResourcePath"] == "/*" && m["HttpMethod"] == "*" {
			return m
		}
	}
	return nil
}

func checkStageThrottling(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::ApiGateway::Stage") {
		m := catchAll(r)
		for _, limit := range []string{"ThrottlingRateLimit", "ThrottlingBurstLimit"} {
			if !positive(m[limit]) {
				out = append(out, Finding{id, fmt.Sprintf("MethodSettings /* * %s is %v, not a positive limit", limit, m[limit])})
			}
		}
	}
	return out
}

func checkStageExecutionLogging(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::ApiGateway::Stage") {
		if m := catchAll(r); m["LoggingLevel"] != "ERROR" && m["LoggingLevel"] != "INFO" {
			out = append(out, Finding{id, fmt.Sprintf("MethodSettings /* * LoggingLevel is %v, not ERROR or INFO", m["LoggingLevel"])})
		}
		for _, s := range cfn.List(r.Properties["MethodSettings"]) {
			where := fmt.Sprintf("%v %v", cfn.Path(s, "ResourcePath"), cfn.Path(s, "HttpMethod"))
			if d := cfn.Path(s, "DataTraceEnabled"); d != nil && !isFalse(d) {
				out = append(out, Finding{id, fmt.Sprintf("MethodSettings %s DataTraceEnabled: request and response bodies reach the logs", where)})
			}
			if cfn.Path(s, "LoggingLevel") == "OFF" {
				out = append(out, Finding{id, fmt.Sprintf("MethodSettings %s LoggingLevel OFF", where)})
			}
		}
	}
	return out
}

func checkStageMetrics(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::ApiGateway::Stage") {
		if m := catchAll(r); !isTrue(m["MetricsEnabled"]) {
			out = append(out, Finding{id, "MethodSettings /* * MetricsEnabled is not true"})
		}
	}
	return out
}

func checkDeploymentStages(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::ApiGateway::Deployment") {
		if name := r.Properties["StageName"]; name != nil {
			out = append(out, Finding{id, fmt.Sprintf("creates stage %v of its own, outside any AWS::ApiGateway::Stage's settings and WAF", name)})
		}
	}
	return out
}

// -------------------------------------------------------------------- WAF

// stageARNSuffixes are the ways a ResourceArn's Fn::Sub may name a stage:
// /restapis/${Api}/stages/${Stage} or with the stage's name.
func stageARNSuffixes(id string, r *cfn.Resource) []string {
	api, ok := cfn.Ref(r.Properties["RestApiId"])
	if !ok {
		return nil
	}
	names := []string{"${" + id + "}"}
	if p, ok := cfn.Ref(r.Properties["StageName"]); ok {
		names = append(names, "${"+p+"}")
	} else if s, ok := r.Properties["StageName"].(string); ok {
		names = append(names, s)
	}
	var out []string
	for _, n := range names {
		out = append(out, "/restapis/${"+api+"}/stages/"+n)
	}
	return out
}

func checkStageWAF(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::ApiGateway::Stage") {
		want := stageARNSuffixes(id, r)
		found := false
		for _, a := range resources(t, "AWS::WAFv2::WebACLAssociation") {
			arn, _ := subString(a.Properties["ResourceArn"])
			if slices.ContainsFunc(want, func(s string) bool { return strings.HasSuffix(arn, s) }) && !empty(a.Properties["WebACLArn"]) {
				found = true
			}
		}
		if !found {
			out = append(out, Finding{id, "no WAFv2 WebACLAssociation names this stage"})
		}
	}
	return out
}

func checkWAFLogging(t *cfn.Template) []Finding {
	var out []Finding
	for id := range resources(t, "AWS::WAFv2::WebACL") {
		found := false
		for _, l := range resources(t, "AWS::WAFv2::LoggingConfiguration") {
			acl, attr, ok := cfn.GetAtt(l.Properties["ResourceArn"])
			if ok && acl == id && attr == "Arn" && len(cfn.List(l.Properties["LogDestinationConfigs"])) > 0 {
				found = true
			}
		}
		if !found {
			out = append(out, Finding{id, "no WAFv2 LoggingConfiguration with a destination for this web ACL"})
		}
	}
	return out
}

func checkWAFRules(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::WAFv2::WebACL") {
		groups := map[string]bool{}
		rateLimited := false
		for _, rule := range cfn.List(r.Properties["Rules"]) {
			name := cfn.Path(rule, "Name")
			if g, ok := cfn.Path(rule, "Statement", "ManagedRuleGroupStatement").(map[string]any); ok && g["VendorName"] == "AWS" {
				if cfn.Path(rule, "OverrideAction", "None") == nil {
					out = append(out, Finding{id, fmt.Sprintf("rule %v: managed rule group %v does not block (OverrideAction is not None)", name, g["Name"])})
					continue
				}
				if n, ok := g["Name"].(string); ok {
					groups[n] = true
				}
			}
			if cfn.Path(rule, "Statement", "RateBasedStatement") != nil {
				if cfn.Path(rule, "Action", "Block") == nil {
					out = append(out, Finding{id, fmt.Sprintf("rule %v: rate-based rule does not Block", name)})
					continue
				}
				rateLimited = true
			}
		}
		for _, g := range RequiredManagedRuleGroups {
			if !groups[g] {
				out = append(out, Finding{id, "does not run the AWS managed rule group " + g})
			}
		}
		if !rateLimited {
			out = append(out, Finding{id, "no blocking rate-based rule"})
		}
	}
	return out
}

func checkWAFCondition(t *cfn.Template) []Finding {
	var out []Finding
	for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
		r := t.Resources[id]
		if strings.HasPrefix(r.Type, "AWS::WAFv2::") && r.Condition != ProductionCondition {
			out = append(out, Finding{id, fmt.Sprintf("Condition is %q, not %s", r.Condition, ProductionCondition)})
		}
	}
	return out
}

// redactsAuthorization says whether a logging configuration redacts the
// authorization header (WAF reads header names case-insensitively).
func redactsAuthorization(fields any) bool {
	for _, f := range cfn.List(fields) {
		if name, ok := cfn.Path(f, "SingleHeader", "Name").(string); ok && strings.EqualFold(name, "authorization") {
			return true
		}
	}
	return false
}

func checkWAFRedactsAuthorization(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::WAFv2::LoggingConfiguration") {
		if !redactsAuthorization(r.Properties["RedactedFields"]) {
			out = append(out, Finding{id, "RedactedFields does not redact the authorization header: bearer tokens reach the logs"})
		}
	}
	return out
}

// ---------------------------------------------------------------- Cognito

// oauthFlows returns a user pool client's AllowedOAuthFlows.
func oauthFlows(r *cfn.Resource) []any {
	return cfn.List(r.Properties["AllowedOAuthFlows"])
}

func checkMachineClientSecrets(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::Cognito::UserPoolClient") {
		if slices.Contains(oauthFlows(r), any("client_credentials")) && !isTrue(r.Properties["GenerateSecret"]) {
			out = append(out, Finding{id, "allows client_credentials without a secret (GenerateSecret is not true)"})
		}
	}
	return out
}

func checkNoImplicitGrant(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::Cognito::UserPoolClient") {
		if slices.Contains(oauthFlows(r), any("implicit")) {
			out = append(out, Finding{id, "allows the implicit grant: tokens in redirect URLs, no PKCE"})
		}
	}
	return out
}

// readsClientSecret says whether v, anywhere inside, reads a user pool
// client's ClientSecret (Fn::GetAtt, either form, or ${Client.ClientSecret}
// in an Fn::Sub).
func readsClientSecret(t *cfn.Template, v any) bool {
	isClient := func(id string) bool {
		r := t.Resources[id]
		return r != nil && r.Type == "AWS::Cognito::UserPoolClient"
	}
	switch x := v.(type) {
	case map[string]any:
		if id, attr, ok := cfn.GetAtt(x); ok && attr == "ClientSecret" && isClient(id) {
			return true
		}
		if dotted, ok := x["Fn::GetAtt"].(string); ok {
			if id, attr, found := strings.Cut(dotted, "."); found && attr == "ClientSecret" && isClient(id) {
				return true
			}
		}
		if text, ok := subString(x); ok {
			for _, m := range subVariable.FindAllStringSubmatch(text, -1) {
				if m[2] == "ClientSecret" && isClient(m[1]) {
					return true
				}
			}
		}
		for _, child := range x {
			if readsClientSecret(t, child) {
				return true
			}
		}
	case []any:
		for _, child := range x {
			if readsClientSecret(t, child) {
				return true
			}
		}
	}
	return false
}

// subVariable is a ${Resource.Attribute} of an Fn::Sub.
var subVariable = regexp.MustCompile(`\$\{(\w+)\.(\w+)\}`)

func checkNoSecretOutputs(t *cfn.Template) []Finding {
	var out []Finding
	for _, name := range slices.Sorted(maps.Keys(t.Outputs)) {
		if readsClientSecret(t, t.Outputs[name]) {
			out = append(out, Finding{name, "the output holds a user pool client's secret"})
		}
	}
	return out
}

// atLeast says whether v is a number (or numeric string) of at least n.
func atLeast(v any, n float64) bool {
	switch x := v.(type) {
	case float64:
		return x >= n
	case string:
		var f float64
		_, err := fmt.Sscan(x, &f)
		return err == nil && f >= n
	}
	return false
}

func checkUserPoolSignUp(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::Cognito::UserPool") {
		if !isTrue(cfn.Path(r.Properties, "AdminCreateUserConfig", "AllowAdminCreateUserOnly")) {
			out = append(out, Finding{id, "anyone may sign up (AdminCreateUserConfig AllowAdminCreateUserOnly is not true)"})
		}
		policy := cfn.Path(r.Properties, "Policies", "PasswordPolicy")
		if v := cfn.Path(policy, "MinimumLength"); !atLeast(v, MinPasswordLength) {
			out = append(out, Finding{id, fmt.Sprintf("PasswordPolicy MinimumLength %v is under %d", v, MinPasswordLength)})
		}
		for _, req := range []string{"RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"} {
			if !isTrue(cfn.Path(policy, req)) {
				out = append(out, Finding{id, "PasswordPolicy " + req + " is not true"})
			}
		}
	}
	return out
}

func checkUserPoolRetain(t *cfn.Template) []Finding {
	out := retainedInProduction(t, "AWS::Cognito::UserPool")
	for id, r := range resources(t, "AWS::Cognito::UserPool") {
		if v := r.Properties["DeletionProtection"]; !inProduction(v, func(x any) bool { return x == "ACTIVE" }) {
			out = append(out, Finding{id, fmt.Sprintf("DeletionProtection %v is not ACTIVE in production", v)})
		}
	}
	return out
}

// --------------------------------------------------------------- KMS, SNS

func checkKeyRotation(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::KMS::Key") {
		// Only symmetric encryption keys can rotate automatically.
		if spec := r.Properties["KeySpec"]; spec != nil && spec != "SYMMETRIC_DEFAULT" {
			continue
		}
		if !isTrue(r.Properties["EnableKeyRotation"]) {
			out = append(out, Finding{id, "EnableKeyRotation is not true"})
		}
	}
	return out
}

func checkTopicEncryption(t *cfn.Template) []Finding {
	var out []Finding
	for id, r := range resources(t, "AWS::SNS::Topic") {
		if empty(r.Properties["KmsMasterKeyId"]) {
			out = append(out, Finding{id, "no KmsMasterKeyId"})
		}
	}
	return out
}

// deniesPlainPublish says whether a statement denies sns:Publish to
// everyone over plain HTTP.
func deniesPlainPublish(s statement) bool {
	if s.effect() != "Deny" || !isPublicPrincipal(s["Principal"]) {
		return false
	}
	if !slices.ContainsFunc(s.actions(), func(a string) bool { return a == "*" || a == "sns:*" || a == "sns:Publish" }) {
		return false
	}
	return isFalse(cfn.Path(s["Condition"], "Bool", "aws:SecureTransport"))
}

func checkTopicTLS(t *cfn.Template) []Finding {
	var out []Finding
	for id := range resources(t, "AWS::SNS::Topic") {
		found := false
		for _, p := range resources(t, "AWS::SNS::TopicPolicy") {
			covers := slices.ContainsFunc(cfn.List(p.Properties["Topics"]), func(v any) bool {
				ref, ok := cfn.Ref(v)
				return ok && ref == id
			})
			if covers && slices.ContainsFunc(statements(p.Properties["PolicyDocument"]), deniesPlainPublish) {
				found = true
			}
		}
		if !found {
			out = append(out, Finding{id, "no topic policy Denies sns:Publish to \"*\" when aws:SecureTransport is \"false\""})
		}
	}
	return out
}

// ---------------------------------------------------------------- helpers

// resources yields the resources of the given types, by logical id.
func resources(t *cfn.Template, types ...string) iter.Seq2[string, *cfn.Resource] {
	return func(yield func(string, *cfn.Resource) bool) {
		for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
			r := t.Resources[id]
			if r != nil && slices.Contains(types, r.Type) {
				if !yield(id, r) {
					return
				}
			}
		}
	}
}

// subString returns a string, or the template of an Fn::Sub (either form).
func subString(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	switch sub := m["Fn::Sub"].(type) {
	case string:
		return sub, true
	case []any:
		if len(sub) > 0 {
			s, ok := sub[0].(string)
			return s, ok
		}
	}
	return "", false
}

// isTrue is true, as CloudFormation reads a boolean: true or "true".
func isTrue(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return strings.EqualFold(b, "true")
	}
	return false
}

// isFalse is false or "false".
func isFalse(v any) bool {
	switch b := v.(type) {
	case bool:
		return !b
	case string:
		return strings.EqualFold(b, "false")
	}
	return false
}

// inProduction says whether v satisfies want in production: always, or as
// the production branch of Fn::If [IsProduction, ...].
func inProduction(v any, want func(any) bool) bool {
	if cond, whenTrue, _, ok := cfn.If(v); ok {
		return cond == ProductionCondition && want(whenTrue)
	}
	return want(v)
}

// positive is a limit above zero: a number, a numeric string, an Fn::If
// whose branches both are, or a Ref to a parameter (set at deploy).
func positive(v any) bool {
	switch n := v.(type) {
	case float64:
		return n > 0
	case string:
		var f float64
		_, err := fmt.Sscan(n, &f)
		return err == nil && f > 0
	}
	if _, a, b, ok := cfn.If(v); ok {
		return positive(a) && positive(b)
	}
	_, ok := cfn.Ref(v)
	return ok
}

// empty is a missing value, an empty string, list or map.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}
