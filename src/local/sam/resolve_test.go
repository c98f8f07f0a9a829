package sam_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/sam"
)

const resolveTemplate = `
Parameters:
  Environment: {Type: String, Default: dev}
  CorsAllowOrigin: {Type: String, Default: ''}
  Subnets: {Type: CommaDelimitedList, Default: ''}
Conditions:
  IsProduction: !Equals [!Ref Environment, production]
  HasCors: !Not [!Equals [!Ref CorsAllowOrigin, '']]
  Both: !And [!Condition HasCors, !Condition IsProduction]
  Either: {"Fn::Or": [{"Condition": "HasCors"}, {"Fn::Equals": [{"Ref": "Environment"}, "staging"]}]}
  Loop: !Condition Loop
  HasSubnets: !Not [!Equals [!Join ['', !Ref Subnets], '']]
  Joined: {"Fn::Equals": [{"Fn::Join": ["-", [{"Ref": "Environment"}, "x"]]}, "production-x"]}
Resources: {}
`

// Parameters, conditions and the intrinsics of api.yaml's extensions
// resolve as CloudFormation would, for the values a local run is given.
func TestResolve(t *testing.T) {
	t.Parallel()
	header := map[string]any{"Fn::If": []any{"HasCors", map[string]any{"Fn::Sub": "'${CorsAllowOrigin}'"}, map[string]any{"Ref": "AWS::NoValue"}}}
	params := map[string]any{"gatewayresponse.header.Access-Control-Allow-Origin": header, "gatewayresponse.header.X": "'x'"}
	uri := map[string]any{"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/functions/${CreateOrderFunction.Alias}/invocations"}

	without := load(t, resolveTemplate)
	got, err := without.Resolve(params)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"gatewayresponse.header.X": "'x'"}, got, "no origin: the header goes")
	got, err = without.Resolve(uri)
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:apigateway:us-east-1:lambda:path/functions/${CreateOrderFunction.Alias}/invocations", got, "resources stay for the stand-ins")

	with := load(t, resolveTemplate)
	overrides, err := sam.ParseParameterOverrides(`CorsAllowOrigin="http://localhost:5173" Environment=production Subnets=subnet-1,subnet-2`)
	require.NoError(t, err)
	require.NoError(t, with.SetParameters(overrides))
	got, err = with.Resolve(params)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"gatewayresponse.header.Access-Control-Allow-Origin": "'http://localhost:5173'", "gatewayresponse.header.X": "'x'"}, got)

	for name, want := range map[string]bool{"IsProduction": true, "HasCors": true, "Both": true, "Either": true, "HasSubnets": true, "Joined": true} {
		holds, err := with.Condition(name)
		require.NoError(t, err, name)
		assert.Equal(t, want, holds, name)
	}
	for _, name := range []string{"Either", "HasSubnets", "Joined"} {
		holds, err := without.Condition(name)
		require.NoError(t, err, name)
		assert.False(t, holds, name)
	}
	_, err = without.Condition("Loop")
	require.ErrorContains(t, err, "refers to itself")
	_, err = without.Condition("Nothing")
	require.Error(t, err)
	require.Error(t, without.SetParameters(map[string]string{"Nope": "x"}), "a parameter the template lacks")
	_, err = sam.ParseParameterOverrides("CorsAllowOrigin")
	require.Error(t, err, "not Name=value")
}

// The project's own template resolves: every condition evaluates with its
// defaults, as make run needs.
func TestTheTemplatesConditionsEvaluate(t *testing.T) {
	t.Parallel()
	tmpl, err := sam.Load(filepath.Join("..", "..", "..", "template.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, tmpl.Conditions)
	for name := range tmpl.Conditions {
		_, err := tmpl.Condition(name)
		assert.NoError(t, err, name)
	}
}
