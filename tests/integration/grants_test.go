package integration

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/orders/orderstest"
	"github.com/go-sam-blueprint/orders/tests/cfn"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// sentGrants are the IAM actions one DynamoDB call needs, on the tables
// (and indexes) it names: a transaction's items each need their own
// action. Table names are the template's logical ids after the test's
// prefix.
func sentGrants(target string, body []byte) []cfn.Grant {
	var in struct {
		TableName, IndexName string
		TransactItems        []map[string]struct{ TableName string }
	}
	if json.Unmarshal(body, &in) != nil {
		return nil
	}
	action := strings.TrimPrefix(target, "DynamoDB_20120810.")
	table := func(name string) string { return name[strings.LastIndex(name, "-")+1:] }
	if action == "TransactWriteItems" {
		items := map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
		var out []cfn.Grant
		for _, item := range in.TransactItems {
			for kind, v := range item {
				out = append(out, cfn.Grant{Resource: table(v.TableName), Action: "dynamodb:" + items[kind]})
			}
		}
		return out
	}
	resource := table(in.TableName)
	if in.IndexName != "" {
		resource += "/index/" + in.IndexName
	}
	return []cfn.Grant{{Resource: resource, Action: "dynamodb:" + action}}
}

// Issue 15, finding 6: each function's DynamoDB grants are exactly the
// actions its operations' code sends, found by running every path of each
// operation of api.yaml against moto_server and noting what each call
// needs. A grant nothing sends, or a call nothing grants, fails.
func TestRolesGrantWhatTheCodeSends(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	svc, err := orders.NewService(f.store)
	require.NoError(t, err)
	ctx := context.Background()
	alice, bob := orderstest.Alice, orderstest.Bob
	order := orders.NewOrder{CustomerName: "Ada", ItemCount: 1}

	// Every path of each operation: first and repeated creates, a key
	// reused, found and missing orders, another's, a first and a next page.
	paths := map[string]func(t *testing.T){
		"createOrder": func(t *testing.T) {
			t.Helper()
			_, _, err := svc.Create(ctx, alice, order, "k")
			require.NoError(t, err)
			_, _, err = svc.Create(ctx, alice, order, "k")
			require.NoError(t, err)
			_, _, err = svc.Create(ctx, alice, orders.NewOrder{CustomerName: "Bo", ItemCount: 2}, "k")
			require.ErrorIs(t, err, orders.ErrIdempotencyKeyReused)
			_, _, err = svc.Create(ctx, alice, order, "")
			require.NoError(t, err)
		},
		"getOrder": func(t *testing.T) {
			t.Helper()
			o, _, err := svc.Create(ctx, alice, orders.NewOrder{CustomerName: "Get", ItemCount: 1}, "")
			require.NoError(t, err)
			f.calls.sent() // the create's calls are createOrder's
			_, err = svc.Get(ctx, alice, o.ID)
			require.NoError(t, err)
			_, err = svc.Get(ctx, bob, o.ID)
			require.ErrorIs(t, err, orders.ErrNotFound)
			_, err = svc.Get(ctx, alice, uuid.New())
			require.ErrorIs(t, err, orders.ErrNotFound)
		},
		"deleteOrder": func(t *testing.T) {
			t.Helper()
			o, _, err := svc.Create(ctx, alice, orders.NewOrder{CustomerName: "Del", ItemCount: 1}, "")
			require.NoError(t, err)
			f.calls.sent()
			_, err = svc.Delete(ctx, bob, o.ID)
			require.ErrorIs(t, err, orders.ErrNotFound)
			_, err = svc.Delete(ctx, alice, o.ID)
			require.NoError(t, err)
			_, err = svc.Delete(ctx, alice, o.ID)
			require.ErrorIs(t, err, orders.ErrNotFound)
		},
		"listOrders": func(t *testing.T) {
			t.Helper()
			for i := range 3 {
				_, _, err := svc.Create(ctx, alice, orders.NewOrder{CustomerName: "List", ItemCount: i + 1}, "")
				require.NoError(t, err)
			}
			f.calls.sent()
			page, err := svc.List(ctx, alice, orders.PageRequest{Size: 2})
			require.NoError(t, err)
			_, err = svc.List(ctx, alice, orders.PageRequest{Size: 2, Token: page.NextToken})
			require.NoError(t, err)
		},
	}

	spec, err := openapi3.NewLoader().LoadFromFile(filepath.Join(repo.Root(), "api.yaml"))
	require.NoError(t, err)
	sentBy := map[string][]cfn.Grant{} // by operation
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			if slices.Contains(op.Tags, "docs") || slices.Contains(op.Tags, "cors") {
				continue // the docs reach no table; a preflight, no function
			}
			run, ok := paths[op.OperationID]
			require.True(t, ok, "add the paths of %s to this test: its function's DynamoDB grants are derived from them", op.OperationID)
			f.calls.sent()
			t.Run(op.OperationID, run)
			sentBy[op.OperationID] = append(sentBy[op.OperationID], f.calls.sent()...)
		}
	}

	// Each stack the template makes: the list on standard Lambda, and on
	// Managed Instances, where another function serves it (ListOrdersFunction
	// stays, idle, with the grants of the code it runs).
	all, err := cfn.Transform(filepath.Join(repo.Root(), "template.yaml"), t.TempDir())
	require.NoError(t, err)
	sent := map[string][]cfn.Grant{} // by function
	for _, params := range []map[string]string{nil, {"ListOrdersSubnetIds": "subnet-0a1b2c3d", "ListOrdersVpcId": "vpc-0123abcd", "ListOrdersRouteTableIds": "rtb-0a1b2c3d"}} {
		tmpl, err := all.Deciding(params, "ListOnManagedInstances")
		require.NoError(t, err)
		for operation, grants := range sentBy {
			fn, err := tmpl.Integrated(operation)
			require.NoError(t, err)
			sent[fn] = append(sent[fn], grants...)
		}
		rolesGrantWhatIsSent(t, tmpl, sent)
	}
}

// rolesGrantWhatIsSent holds each function's role in tmpl to the DynamoDB
// requests its code sent: no more, no less.
func rolesGrantWhatIsSent(t *testing.T, tmpl *cfn.Template, sent map[string][]cfn.Grant) {
	t.Helper()
	for _, fn := range tmpl.IDs("AWS::Lambda::Function") {
		all, err := tmpl.Grants(fn)
		require.NoError(t, err)
		var granted []string
		for _, g := range all {
			if strings.HasPrefix(g.Action, "dynamodb:") {
				granted = append(granted, g.String())
			}
		}
		var needed []string
		for _, g := range sent[fn] {
			if !slices.Contains(needed, g.String()) {
				needed = append(needed, g.String())
			}
		}
		slices.Sort(needed)
		assert.Equal(t, needed, granted, "%s: its role's DynamoDB grants, against what its code sends", fn)
		t.Logf("%s: %v", fn, needed)
	}
}
