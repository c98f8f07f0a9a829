// Package infrastructure tests the wiring of template.yaml as CloudFormation
// deploys it (after the SAM transform, with api.yaml inlined): routes,
// functions, roles, tables, feature flags, WAF, alarms and outputs.
package infrastructure

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

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
	return m.Run()
}
