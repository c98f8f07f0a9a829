package infrastructure

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/tests/cfn"
)

// edgeAnswered reports whether API Gateway answers op itself, with a mock
// integration: a CORS preflight.
func edgeAnswered(op *openapi3.Operation) bool {
	raw, err := json.Marshal(op.Extensions["x-amazon-apigateway-integration"])
	if err != nil {
		return false
	}
	var integration struct{ Type string }
	return json.Unmarshal(raw, &integration) == nil && integration.Type == "mock"
}

// corsOrigin is what api.yaml maps the allowed-origin header to: the
// stack's CorsAllowOrigin when it has one, nothing otherwise.
var corsOrigin = map[string]any{"Fn::If": []any{
	"HasCorsOrigin", map[string]any{"Fn::Sub": "'${CorsAllowOrigin}'"}, map[string]any{"Ref": "AWS::NoValue"},
}}

// Every orders resource has a preflight that API Gateway answers itself:
// a mock integration, no authorizer (a browser's preflight carries no
// token), the stack's origin or none, and the methods its resource has.
func TestPreflightsAreTheEdges(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	paths := cfn.Path(tmpl.Resources["OrdersApi"].Properties, "Body", "paths")
	for _, template := range spec.Paths.InMatchingOrder() {
		if !strings.HasPrefix(template, "/api/") {
			continue
		}
		item := spec.Paths.Value(template)
		require.NotNil(t, item.Options, "%s has no preflight", template)
		require.True(t, edgeAnswered(item.Options), "%s: the preflight is API Gateway's own answer", template)
		assert.Nil(t, item.Options.Security, "%s: the preflight requires no token", template)
		assert.Contains(t, item.Options.Tags, "cors", "%s: tagged cors, so that no client is generated for it", template)

		params := cfn.Path(paths, template, "options", "x-amazon-apigateway-integration", "responses", "default", "responseParameters")
		assert.Equal(t, corsOrigin, cfn.Path(params, "method.response.header.Access-Control-Allow-Origin"), template)
		methods := strings.Trim(cfn.Path(params, "method.response.header.Access-Control-Allow-Methods").(string), "'")
		for method := range item.Operations() {
			assert.Contains(t, strings.Split(methods, ","), method, "%s: the preflight allows %s", template, method)
		}
		assert.Contains(t, cfn.Path(params, "method.response.header.Access-Control-Allow-Headers"), "Authorization")
	}
}

// Every gateway response names the stack's origin too: a browser reads
// API Gateway's 401, 404 or 429 only with it.
func TestGatewayResponsesAllowTheOrigin(t *testing.T) {
	t.Parallel()
	responses, ok := cfn.Path(tmpl.Resources["OrdersApi"].Properties, "Body", "x-amazon-apigateway-gateway-responses").(map[string]any)
	require.True(t, ok)
	for kind, r := range responses {
		assert.Equal(t, corsOrigin, cfn.Path(r, "responseParameters", "gatewayresponse.header.Access-Control-Allow-Origin"), kind)
	}
}
