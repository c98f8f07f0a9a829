package cfn

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Grant is one action that a function's role allows on one resource, the
// resource named by the template's logical ids: "OrdersTable",
// "OrdersTable/index/ByOwner", "flags-profile" (the feature flags'
// AppConfig profile), "CreateOrderFunction.Version" (the version of a
// function being deployed) or "CreateOrderFunctionDeploymentGroup" (a
// CodeDeploy deployment group of the stack's application).
type Grant struct {
	Resource, Action string
}

func (g Grant) String() string { return g.Resource + ":" + g.Action }

// indexARN is an Fn::Sub naming one index of a table of the template.
var indexARN = regexp.MustCompile(`^\$\{(\w+)\.Arn\}/index/([\w.-]+)$`)

// Grants returns what the role of the function fn allows, sorted. Every
// statement must allow (the roles deny nothing) and name its resources as
// Grant does.
func (t *Template) Grants(fn string) ([]Grant, error) {
	r, ok := t.Resources[fn]
	if !ok {
		return nil, fmt.Errorf("no function %s", fn)
	}
	role, _, ok := GetAtt(r.Properties["Role"])
	if !ok || t.Resources[role] == nil {
		return nil, fmt.Errorf("%s: its Role is no role of the template", fn)
	}
	var grants []Grant
	policies, _ := t.Resources[role].Properties["Policies"].([]any)
	for _, policy := range policies {
		for _, s := range Statements(Path(policy, "PolicyDocument")) {
			if s.Effect != "Allow" {
				return nil, fmt.Errorf("%s: a statement with effect %s", role, s.Effect)
			}
			for _, res := range s.Resources {
				name, err := t.grantResource(res)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", role, err)
				}
				for _, action := range s.Actions {
					grants = append(grants, Grant{name, action})
				}
			}
		}
	}
	slices.SortFunc(grants, func(a, b Grant) int { return strings.Compare(a.String(), b.String()) })
	return grants, nil
}

// deploymentGroupARN is an Fn::Sub naming one deployment group of the
// stack's CodeDeploy application.
var deploymentGroupARN = regexp.MustCompile(`^arn:\$\{AWS::Partition\}:codedeploy:\$\{AWS::Region\}:\$\{AWS::AccountId\}:deploymentgroup:\$\{ServerlessDeploymentApplication\}/\$\{(\w+)\}$`)

func (t *Template) grantResource(res any) (string, error) {
	if id, attr, ok := GetAtt(res); ok && attr == "Arn" {
		return id, nil
	}
	if id, ok := Ref(res); ok && t.Resources[id] != nil && t.Resources[id].Type == "AWS::Lambda::Version" {
		if fn, ok := Ref(t.Resources[id].Properties["FunctionName"]); ok {
			return fn + ".Version", nil
		}
	}
	sub, _ := Path(res, "Fn::Sub").(string)
	if m := indexARN.FindStringSubmatch(sub); m != nil {
		return m[1] + "/index/" + m[2], nil
	}
	if m := deploymentGroupARN.FindStringSubmatch(sub); len(m) == 2 {
		if r := t.Resources[m[1]]; r != nil && r.Type == "AWS::CodeDeploy::DeploymentGroup" {
			return m[1], nil
		}
	}
	if strings.Contains(sub, ":appconfig:") && strings.Contains(sub, "/configuration/${FeatureFlagsProfile.ConfigurationProfileId}") {
		return "flags-profile", nil
	}
	return "", fmt.Errorf("a resource Grant cannot name: %v", res)
}
