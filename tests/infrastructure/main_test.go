// Package infrastructure tests the wiring of template.yaml as CloudFormation
// deploys it (after the SAM transform, with api.yaml inlined): routes,
// functions, roles, tables, feature flags, WAF, alarms and outputs.
package infrastructure

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/go-sam-blueprint/orders/tests/cfn"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// tmpl is the transformed project template.
var tmpl *cfn.Template

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "infrastructure")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if tmpl, err = cfn.Transform(filepath.Join(repo.Root(), "template.yaml"), dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if functions, err = ordersFunctions(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// ordersFunctions lists the functions that api.yaml's operations, but for
// the docs', integrate.
func ordersFunctions() ([]string, error) {
	spec, err := openapi3.NewLoader().LoadFromFile(filepath.Join(repo.Root(), "api.yaml"))
	if err != nil {
		return nil, fmt.Errorf("load api.yaml: %w", err)
	}
	var out []string
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			raw, err := json.Marshal(op.Extensions["x-amazon-apigateway-integration"])
			if err != nil {
				return nil, err
			}
			if m := integrationFunction.FindSubmatch(raw); m != nil && !slices.Contains(op.Tags, "docs") && !slices.Contains(out, string(m[1])) {
				out = append(out, string(m[1]))
			}
		}
	}
	slices.Sort(out)
	return out, nil
}
