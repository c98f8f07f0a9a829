// Package infrastructure tests the wiring of template.yaml as CloudFormation
// deploys it (after the SAM transform, with api.yaml inlined): routes,
// functions, roles, tables, feature flags, WAF, alarms and outputs.
package infrastructure

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/go-sam-blueprint/orders/tests/cfn"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// tmpl is the transformed project template, with the list function on
// standard Lambda, as the parameters' defaults deploy it; managed is the
// same with the list on Lambda Managed Instances (managedParams).
var tmpl, managed *cfn.Template

// managedParams run the list function on Lambda Managed Instances.
var managedParams = map[string]string{
	"ListOrdersSubnetIds":     "subnet-0a1b2c3d,subnet-4e5f6a7b",
	"ListOrdersVpcId":         "vpc-0123abcd",
	"ListOrdersRouteTableIds": "rtb-0a1b2c3d",
}

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
	all, err := cfn.Transform(filepath.Join(repo.Root(), "template.yaml"), dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if tmpl, err = all.Deciding(nil, "ListOnManagedInstances"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if managed, err = all.Deciding(managedParams, "ListOnManagedInstances"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if functions, err = ordersFunctions(tmpl); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// ordersFunctions lists the functions that the API's operations, but for
// the docs', integrate in t: the aliases their integrations call.
func ordersFunctions(t *cfn.Template) ([]string, error) {
	paths, ok := cfn.Path(t.Resources["OrdersApi"].Properties, "Body", "paths").(map[string]any)
	if !ok {
		return nil, errors.New("the API has no body")
	}
	var out []string
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		for _, op := range ops {
			if tags := cfn.List(cfn.Path(op, "tags")); slices.Contains(tags, any("docs")) {
				continue
			}
			_, alias, err := t.Invoked(cfn.Path(op, "x-amazon-apigateway-integration"))
			if alias == "" {
				continue // no Lambda integration: a CORS preflight's mock
			}
			fn, ok := aliasedIn(t, alias)
			if err != nil || !ok {
				return nil, fmt.Errorf("%s is no live alias: %w", alias, err)
			}
			if !slices.Contains(out, fn) {
				out = append(out, fn)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}
