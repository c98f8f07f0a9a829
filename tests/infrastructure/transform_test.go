package infrastructure

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/tests/cfn"
)

// The offline transform expands AWS::LanguageExtensions as CloudFormation
// does before SAM runs: Fn::ForEach loops, with ${Id} in keys and Fn::Sub
// and !Ref Id; and Fn::FindInMap with a DefaultValue. A three-key lookup is
// left for CloudFormation to resolve at deploy.
func TestTransformExpandsLanguageExtensions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "template.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Mappings:
  Layers:
    eu-west-1: {Arn: eu-layer}
    us-east-1: {Arn: us-layer}
  Routes:
    A: {Route: '*/GET/a'}
Resources:
  Fn::ForEach::Topics:
    - Name
    - [A, B]
    - ${Name}Topic:
        Type: AWS::SNS::Topic
        Properties:
          DisplayName: !Sub ${Name} in ${AWS::StackName}
          TopicName: !Sub ${Name}-topic
          KmsMasterKeyId: !Ref
            Fn::Sub: ${Name}Key
          Tags:
            - Key: route
              Value: !FindInMap [Routes, !Ref Name, Route, {DefaultValue: none}]
  Here:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: !FindInMap [Layers, !Ref AWS::Region, Arn, {DefaultValue: fallback}]
      TopicName: !FindInMap [Layers, ap-east-2, Arn, {DefaultValue: fallback}]
      KmsMasterKeyId: !FindInMap [Layers, !Ref AWS::Region, Arn]
`), 0o600))
	// cfn.Transform reads the api.yaml beside a template; this one includes none.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "api.yaml"), []byte("{}"), 0o600))

	out, err := cfn.Transform(path, dir)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"ATopic", "BTopic", "Here"}, cfn.Keys(out.Resources))
	a := out.Resources["ATopic"].Properties
	assert.Equal(t, map[string]any{"Fn::Sub": "A in ${AWS::StackName}"}, a["DisplayName"])
	assert.Equal(t, "A-topic", a["TopicName"], "a Sub with nothing left to substitute is its text")
	assert.Equal(t, map[string]any{"Ref": "AKey"}, a["KmsMasterKeyId"])
	assert.Equal(t, "*/GET/a", cfn.Path(a, "Tags", 0, "Value"))
	assert.Equal(t, "none", cfn.Path(out.Resources["BTopic"].Properties, "Tags", 0, "Value"), "DefaultValue where the map has no key")

	here := out.Resources["Here"].Properties
	assert.Equal(t, "us-layer", here["DisplayName"], "the transform's region is us-east-1")
	assert.Equal(t, "fallback", here["TopicName"])
	assert.Equal(t, map[string]any{"Fn::FindInMap": []any{"Layers", map[string]any{"Ref": "AWS::Region"}, "Arn"}}, here["KmsMasterKeyId"])
}
