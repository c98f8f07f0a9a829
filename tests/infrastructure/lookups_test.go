package infrastructure

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/go-sam-blueprint/orders/tests/repo"
)

// regionLookupsWithoutDefault lists the Fn::FindInMap lookups of a
// template whose key is the region and which have no DefaultValue.
// CloudFormation resolves a lookup even in the branch of an Fn::If that is
// not taken, so such a lookup fails the deploy in every region its mapping
// lacks, whatever the parameters say (docs/deployment.md).
func regionLookupsWithoutDefault(t *testing.T, text string) []string {
	t.Helper()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(text), &doc))
	var out []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		var args *yaml.Node
		switch {
		case n.Tag == "!FindInMap":
			args = n
		case n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Fn::FindInMap":
			args = n.Content[1]
		}
		if args != nil && args.Kind == yaml.SequenceNode && len(args.Content) == 3 && byRegion(args.Content[1]) {
			out = append(out, args.Content[0].Value)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	return out
}

// byRegion reports whether a lookup key is the stack's region.
func byRegion(key *yaml.Node) bool {
	if key.Tag == "!Ref" {
		return key.Value == "AWS::Region"
	}
	return key.Kind == yaml.MappingNode && len(key.Content) == 2 && key.Content[0].Value == "Ref" && key.Content[1].Value == "AWS::Region"
}

func TestRegionLookupsHaveDefaults(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(repo.Root(), "template.yaml"))
	require.NoError(t, err)
	assert.Empty(t, regionLookupsWithoutDefault(t, string(raw)), "give each lookup by region a DefaultValue (AWS::LanguageExtensions)")

	bad := `
Resources:
  Fn:
    Properties:
      Layers:
        - !If [HasArn, !Ref Arn, !FindInMap [Layers, !Ref AWS::Region, Arn]]
      Other:
        Fn::FindInMap: [Zones, {Ref: AWS::Region}, Name]
      Fine: !FindInMap [Layers, !Ref AWS::Region, Arn, {DefaultValue: none}]
`
	assert.Equal(t, []string{"Layers", "Zones"}, regionLookupsWithoutDefault(t, strings.TrimSpace(bad)))
}
