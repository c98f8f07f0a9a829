package infrastructure

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/go-sam-blueprint/orders/tests/cfn"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// managedOnly are the resources a stack has exactly when it runs the list
// on Lambda Managed Instances (ListOrdersSubnetIds).
var managedOnly = []string{
	"ListOrdersCapacityProvider", "ListOrdersCapacityProviderOperatorRole",
	"ListOrdersManagedFunction", "ListOrdersManagedLogGroup", "ListOrdersManagedPermission",
	"ListOrdersManagedErrorsAlarm", "ListOrdersManagedDurationAlarm", "ListOrdersManagedThrottlesAlarm",
	"ListOrdersManagedFunctionDeploymentGroup",
	"ManagedInstancesSecurityGroup", "ManagedInstancesEndpointSecurityGroup",
	"DynamoDBGatewayEndpoint", "logsInterfaceEndpoint", "xrayInterfaceEndpoint",
}

// Managed Instances are opt-in: their capacity provider, function and VPC
// endpoints exist exactly when the stack is given subnets, and the list's
// integrations call the function that runs there.
func TestListOnManagedInstancesOnlyWhenGiven(t *testing.T) {
	t.Parallel()
	for _, id := range managedOnly {
		assert.NotContains(t, tmpl.Resources, id, "without subnets")
		assert.Contains(t, managed.Resources, id, "with subnets")
	}
	for _, view := range []struct {
		name string
		c    *cfn.Template
		list string
	}{{"standard", tmpl, "ListOrdersFunction"}, {"managed", managed, "ListOrdersManagedFunction"}} {
		fn, err := view.c.Integrated("listOrders")
		require.NoError(t, err, view.name)
		assert.Equal(t, view.list, fn, "%s: API Gateway calls it", view.name)
		anyMethod := cfn.Path(view.c.Resources["OrdersApi"].Properties, "Body", "paths", "/api/orders", "x-amazon-apigateway-any-method", "x-amazon-apigateway-integration")
		_, alias, err := view.c.Invoked(anyMethod)
		require.NoError(t, err, view.name)
		target, _ := aliasedIn(view.c, alias)
		assert.Equal(t, view.list, target, "%s: and for the other methods of /api/orders", view.name)

		version := deploymentOf(t, view.c, view.list).version
		env := cfn.Path(view.c.Resources[hookFunction].Properties, "Environment", "Variables", "LIST_ORDERS_VERSION")
		ref, _ := cfn.Ref(env)
		assert.Equal(t, version, ref, "%s: the pre-traffic hook tests the list that is called", view.name)
	}
	// ListOrdersFunction stays, idle, so that leaving Managed Instances is
	// one parameter too.
	assert.Contains(t, managed.Resources, "ListOrdersFunction")
}

// The list function on Managed Instances: on the capacity provider, arm64,
// in the stack's subnets, deployed gradually like the others, reaching
// DynamoDB, CloudWatch Logs and X-Ray through VPC endpoints.
func TestListOnManagedInstances(t *testing.T) {
	t.Parallel()
	fn := managed.Resources["ListOrdersManagedFunction"].Properties
	provider, attr, ok := cfn.GetAtt(cfn.Path(fn, "CapacityProviderConfig", "LambdaManagedInstancesCapacityProviderConfig", "CapacityProviderArn"))
	require.True(t, ok)
	assert.Equal(t, []string{"ListOrdersCapacityProvider", "Arn"}, []string{provider, attr})
	assert.Equal(t, "provided.al2023", fn["Runtime"])
	assert.Equal(t, []any{"arm64"}, fn["Architectures"])
	assert.GreaterOrEqual(t, fn["MemorySize"], float64(2048), "Managed Instances give 2 GiB per vCPU at the least")
	assert.Nil(t, fn["VpcConfig"], "the capacity provider places it")

	p := managed.Resources[provider].Properties
	assert.Equal(t, "AWS::Lambda::CapacityProvider", managed.Resources[provider].Type)
	subnets, _ := cfn.Ref(cfn.Path(p, "VpcConfig", "SubnetIds"))
	assert.Equal(t, "ListOrdersSubnetIds", subnets)
	assert.Equal(t, []any{"arm64"}, cfn.Path(p, "InstanceRequirements", "Architectures"), "the architecture the bootstrap is built for")

	d := deploymentOf(t, managed, "ListOrdersManagedFunction")
	alarms := rollbackAlarms(managed, d.group)
	assert.True(t, slices.ContainsFunc(alarms, func(id string) bool { return watches(managed, id, "ListOrdersManagedFunction", "Errors") }), "rolled back on its errors")
	assert.True(t, slices.ContainsFunc(alarms, func(id string) bool { return watches(managed, id, "ListOrdersManagedFunction", "Duration") }), "and on its latency")
	hooks := cfn.Path(managed.Resources[d.alias].UpdatePolicy, "CodeDeployLambdaAliasUpdate", "BeforeAllowTrafficHook")
	hook, _ := cfn.Ref(hooks)
	assert.Equal(t, hookFunction, hook, "the pre-traffic hook checks it")
	grants, err := managed.Grants(hookFunction)
	require.NoError(t, err)
	var granted []string
	for _, g := range grants {
		granted = append(granted, g.String())
	}
	assert.Contains(t, granted, "ListOrdersManagedFunction.Version:lambda:InvokeFunction")
	assert.Contains(t, granted, "ListOrdersManagedFunctionDeploymentGroup:codedeploy:PutLifecycleEventHookExecutionStatus")
	assert.NotContains(t, granted, "ListOrdersFunction.Version:lambda:InvokeFunction", "the idle list is not the hook's to invoke")

	gateway := managed.Resources["DynamoDBGatewayEndpoint"].Properties
	assert.Equal(t, "Gateway", gateway["VpcEndpointType"])
	service, _ := managed.Sub(gateway["ServiceName"])
	assert.Equal(t, "com.amazonaws.${AWS::Region}.dynamodb", service)
	tables, _ := cfn.Ref(gateway["RouteTableIds"])
	assert.Equal(t, "ListOrdersRouteTableIds", tables)
	for _, name := range []string{"logs", "xray"} {
		e := managed.Resources[name+"InterfaceEndpoint"].Properties
		assert.Equal(t, "Interface", e["VpcEndpointType"], name)
		assert.Equal(t, true, e["PrivateDnsEnabled"], name)
		service, _ := managed.Sub(e["ServiceName"])
		assert.True(t, strings.HasSuffix(service, "."+name), name)
	}
	for _, rule := range cfn.List(managed.Resources["ManagedInstancesSecurityGroup"].Properties["SecurityGroupEgress"]) {
		assert.EqualValues(t, 443, cfn.Path(rule, "FromPort"), "HTTPS only")
		assert.EqualValues(t, 443, cfn.Path(rule, "ToPort"), "HTTPS only")
	}
}

// api.yaml's integrations and gateway responses depend on parameters
// through Fn::If, which SAM hashes unresolved into the deployment's logical
// id: a stack update that changes only a parameter would change the API
// and never redeploy it to the stage (SAM issue 914). The API deploys on
// every update instead.
func TestParameterDependentAPIAlwaysDeploys(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(repo.Root(), "template.yaml"))
	require.NoError(t, err)
	var doc struct {
		Resources map[string]any `yaml:"Resources"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	body, err := json.Marshal(cfn.Path(tmpl.Resources["OrdersApi"].Properties, "Body"))
	require.NoError(t, err)
	require.Contains(t, string(body), `"Fn::If"`, "the body depends on parameters")
	assert.Equal(t, true, cfn.Path(doc.Resources["OrdersApi"], "Properties", "AlwaysDeploy"), "OrdersApi: AlwaysDeploy")
}
