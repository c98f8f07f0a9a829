package infrastructure

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders/dynamo"
	"github.com/go-sam-blueprint/orders/tests/cfn"
)

// The owner index the store queries is the one the template defines:
// its name, and its keys, the attributes the store writes.
func TestOwnerIndexMatchesTheStore(t *testing.T) {
	t.Parallel()
	p := tmpl.Resources["OrdersTable"].Properties
	indexes, _ := p["GlobalSecondaryIndexes"].([]any)
	i := slices.IndexFunc(indexes, func(g any) bool { return cfn.Path(g, "IndexName") == dynamo.OwnerIndex })
	require.GreaterOrEqual(t, i, 0, "OrdersTable has no index %s (dynamo.OwnerIndex)", dynamo.OwnerIndex)
	index := indexes[i]
	assert.Equal(t, []any{
		map[string]any{"AttributeName": "owner", "KeyType": "HASH"},
		map[string]any{"AttributeName": "created_at", "KeyType": "RANGE"},
	}, cfn.Path(index, "KeySchema"))
	assert.Equal(t, "ALL", cfn.Path(index, "Projection", "ProjectionType"), "a listed order is read whole from the index")

	types := map[string]any{}
	for _, a := range cfn.List(p["AttributeDefinitions"]) {
		types[fmt.Sprint(cfn.Path(a, "AttributeName"))] = cfn.Path(a, "AttributeType")
	}
	assert.Equal(t, map[string]any{"id": "S", "owner": "S", "created_at": "S"}, types,
		"each key attribute defined once, as a string; no attribute that no key uses")
}

// The API's authorizer is the stack's user pool, whose resource server
// has exactly the scopes api.yaml's operations ask for, and whose clients
// ask for no other.
func TestUserPoolServesTheAPIsScopes(t *testing.T) {
	t.Parallel()
	body := cfn.Path(tmpl.Resources["OrdersApi"].Properties, "Body")
	scheme := cfn.Path(body, "components", "securitySchemes", "OrdersAuth", "x-amazon-apigateway-authorizer")
	pool, attr, ok := cfn.GetAtt(cfn.Path(scheme, "providerARNs", 0))
	require.True(t, ok, "providerARNs names a user pool of the template")
	assert.Equal(t, []string{"UserPool", "Arn"}, []string{pool, attr})
	assert.Equal(t, "AWS::Cognito::UserPool", typeOf(pool))

	rs := tmpl.Resources["OrdersResourceServer"]
	require.NotNil(t, rs)
	assert.Equal(t, "AWS::Cognito::UserPoolResourceServer", rs.Type)
	identifier, _ := rs.Properties["Identifier"].(string)
	var defined []string
	for _, s := range cfn.List(rs.Properties["Scopes"]) {
		defined = append(defined, identifier+"/"+fmt.Sprint(cfn.Path(s, "ScopeName")))
		assert.NotEmpty(t, cfn.Path(s, "ScopeDescription"))
	}
	assert.ElementsMatch(t, []string{"orders/read", "orders/write"}, defined)

	var asked []string
	paths, _ := cfn.Path(body, "paths").(map[string]any)
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		for _, op := range ops {
			for _, req := range cfn.List(cfn.Path(op, "security")) {
				for _, s := range cfn.List(cfn.Path(req, "OrdersAuth")) {
					if name := fmt.Sprint(s); !slices.Contains(asked, name) {
						asked = append(asked, name)
					}
				}
			}
		}
	}
	assert.ElementsMatch(t, defined, asked, "api.yaml asks for exactly the resource server's scopes")

	for _, id := range tmpl.IDs("AWS::Cognito::UserPoolClient") {
		c := tmpl.Resources[id]
		poolID, _ := cfn.Ref(c.Properties["UserPoolId"])
		assert.Equal(t, "UserPool", poolID, id)
		assert.Contains(t, cfn.List(c.DependsOn), any("OrdersResourceServer"), "%s: its scopes must exist before it", id)
		for _, s := range cfn.List(c.Properties["AllowedOAuthScopes"]) {
			assert.True(t, slices.Contains(defined, fmt.Sprint(s)) || s == "openid", "%s asks for scope %v, which nothing defines", id, s)
		}
	}
}

func TestUserPoolClients(t *testing.T) {
	t.Parallel()
	assert.ElementsMatch(t, []string{"MachineClient", "WebClient", "TestClient"}, tmpl.IDs("AWS::Cognito::UserPoolClient"))
	machine := func(id string) {
		p := tmpl.Resources[id].Properties
		assert.Equal(t, []any{"client_credentials"}, p["AllowedOAuthFlows"], id)
		assert.Equal(t, true, p["GenerateSecret"], id)
		assert.Equal(t, true, p["AllowedOAuthFlowsUserPoolClient"], id)
		assert.Equal(t, []any{"orders/read", "orders/write"}, p["AllowedOAuthScopes"], id)
		assert.EqualValues(t, 60, p["AccessTokenValidity"], id)
		assert.Equal(t, "minutes", cfn.Path(p, "TokenValidityUnits", "AccessToken"), id)
	}
	machine("MachineClient")
	machine("TestClient")

	// The end-to-end suite's second caller exists everywhere but production.
	test := tmpl.Resources["TestClient"]
	assert.Equal(t, "IsNotProduction", test.Condition)
	assert.Equal(t, map[string]any{"Fn::Not": []any{map[string]any{"Condition": "IsProduction"}}}, tmpl.Conditions["IsNotProduction"])

	web := tmpl.Resources["WebClient"].Properties
	assert.Equal(t, []any{"code"}, web["AllowedOAuthFlows"], "code grant (with PKCE, which the app sends); never implicit")
	assert.Equal(t, false, web["GenerateSecret"], "a browser keeps no secret")
	assert.Equal(t, []any{"COGNITO"}, web["SupportedIdentityProviders"])
	assert.ElementsMatch(t, []any{"openid", "orders/read", "orders/write"}, web["AllowedOAuthScopes"])
	for _, prop := range []string{"CallbackURLs", "LogoutURLs"} {
		param, ok := cfn.Ref(web[prop])
		require.True(t, ok, prop)
		assert.Equal(t, "WebAppUrls", param, prop)
	}
	def, _ := cfn.Path(tmpl.Parameters, "WebAppUrls", "Default").(string)
	for u := range strings.SplitSeq(def, ",") {
		assert.Regexp(t, `^(https://|http://localhost[:/])`, u, "Cognito takes plain HTTP for localhost only")
	}
}

func TestUserPoolIsKeptInProduction(t *testing.T) {
	t.Parallel()
	pool := tmpl.Resources["UserPool"]
	for name, v := range map[string]any{"DeletionPolicy": pool.DeletionPolicy, "UpdateReplacePolicy": pool.UpdateReplacePolicy} {
		cond, yes, no, ok := cfn.If(v)
		require.True(t, ok, name)
		assert.Equal(t, []any{"IsProduction", "Retain", "Delete"}, []any{cond, yes, no}, name)
	}
	cond, yes, no, ok := cfn.If(pool.Properties["DeletionProtection"])
	require.True(t, ok)
	assert.Equal(t, []any{"IsProduction", "ACTIVE", "INACTIVE"}, []any{cond, yes, no})
	assert.Equal(t, true, cfn.Path(pool.Properties, "AdminCreateUserConfig", "AllowAdminCreateUserOnly"))
	assert.Equal(t, []any{"email"}, pool.Properties["UsernameAttributes"])
}

// domainPrefix is Cognito's pattern for a prefix domain (CreateUserPoolDomain).
var domainPrefix = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)

// account is an AWS account id: twelve digits.
const account = "123456789012"

// domainOf renders the template's domain for a stack.
func domainOf(t *testing.T, stack string) string {
	t.Helper()
	text, ok := tmpl.Sub(tmpl.Resources["UserPoolDomain"].Properties["Domain"])
	require.True(t, ok, "the domain is an Fn::Sub")
	return strings.NewReplacer("${AWS::StackName}", stack, "${AWS::AccountId}", account).Replace(text)
}

// validDomain says why Cognito would refuse a prefix domain, or "".
func validDomain(d string) string {
	if !domainPrefix.MatchString(d) {
		return "it does not match " + domainPrefix.String() + " (lowercase, at most 63 characters)"
	}
	for _, word := range []string{"aws", "amazon", "cognito"} {
		if strings.Contains(d, word) {
			return "it contains the reserved word " + word
		}
	}
	return ""
}

// Cognito refuses a prefix domain with upper case letters, over 63
// characters or with a reserved word: every stack of samconfig.toml
// gets one it accepts.
func TestUserPoolDomainFitsEveryStack(t *testing.T) {
	t.Parallel()
	assert.NotEmpty(t, validDomain(domainOf(t, "Orders-Dev")), "upper case")
	assert.NotEmpty(t, validDomain(domainOf(t, "aws-orders")), "reserved word")
	assert.NotEmpty(t, validDomain(domainOf(t, strings.Repeat("o", 51))), "too long")
	for env, c := range loadSamconfig(t) {
		stack, _ := c["global"]["parameters"]["stack_name"].(string)
		d := domainOf(t, stack)
		assert.Empty(t, validDomain(d), "[%s] stack_name %q gives the domain %q", env, stack, d)
	}
}

func TestAuthOutputs(t *testing.T) {
	t.Parallel()
	for name, ref := range map[string]string{"UserPoolId": "UserPool", "MachineClientId": "MachineClient", "WebClientId": "WebClient", "TestClientId": "TestClient"} {
		got, _ := cfn.Ref(cfn.Path(tmpl.Outputs, name, "Value"))
		assert.Equal(t, ref, got, name)
	}
	assert.Equal(t, "IsNotProduction", cfn.Path(tmpl.Outputs, "TestClientId", "Condition"), "no test client in production")
	url, ok := tmpl.Sub(cfn.Path(tmpl.Outputs, "TokenUrl", "Value"))
	require.True(t, ok)
	assert.Equal(t, "https://${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com/oauth2/token", url)
	for name, out := range tmpl.Outputs {
		assert.NotContains(t, fmt.Sprint(out), "ClientSecret", "%s: a secret is never an output", name)
	}
}
