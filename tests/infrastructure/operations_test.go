package infrastructure

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/tests/cfn"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// operation is one operation of api.yaml, and where the README's "add an
// endpoint" recipe puts its parts.
type operation struct {
	method, path string
	op           *openapi3.Operation
	function     string // the logical id its integration names
}

func (o operation) String() string {
	return fmt.Sprintf("%s %s (%s)", o.method, o.path, o.op.OperationID)
}

// step names what the recipe's step n says to do, for a failure message.
func (o operation) step(n int, what string) string {
	return fmt.Sprintf("%s: README \"Add an endpoint\", step %d: %s", o, n, what)
}

func operations(t *testing.T, c *cfn.Template) []operation {
	t.Helper()
	spec := loadSpec(t)
	var out []operation
	for _, path := range spec.Paths.InMatchingOrder() {
		for method, op := range spec.Paths.Value(path).Operations() {
			if edgeAnswered(op) {
				continue // API Gateway's own answer: no function, no parts
			}
			o := operation{method: method, path: path, op: op}
			// The function the deployed API calls: api.yaml's uri as the
			// template resolves it (the list's depends on the stack).
			integration := cfn.Path(c.Resources["OrdersApi"].Properties, "Body", "paths", path, strings.ToLower(method), "x-amazon-apigateway-integration")
			if _, alias, err := c.Invoked(integration); err == nil {
				o.function, _ = aliasedIn(c, alias)
			}
			out = append(out, o)
		}
	}
	require.NotEmpty(t, out)
	return out
}

// Every operation of api.yaml has each part the "add an endpoint" recipe
// lists: a function, its log group, a permission for its route, its
// alarms and a sample event. A forgotten step fails here, named.
func TestEveryOperationHasItsParts(t *testing.T) {
	t.Parallel()
	// Each stack the template makes: the list's function depends on it.
	for name, c := range map[string]*cfn.Template{"standard": tmpl, "managed": managed} {
		for _, o := range operations(t, c) {
			hasItsParts(t, name, c, o)
		}
	}
}

// hasItsParts checks o's parts in c, in a subtest named for the stack.
func hasItsParts(t *testing.T, name string, c *cfn.Template, o operation) {
	t.Helper()
	t.Run(name+" "+o.String(), func(t *testing.T) {
		t.Parallel()
		require.NotEmpty(t, o.function, o.step(1, "give the operation an x-amazon-apigateway-integration whose uri names ${<Name>Function.Alias}"))
		fn, ok := c.Resources[o.function]
		require.True(t, ok && fn.Type == "AWS::Lambda::Function", o.step(7, "add "+o.function+" to template.yaml"))

		group, _ := cfn.Ref(cfn.Path(fn.Properties, "LoggingConfig", "LogGroup"))
		assert.Equal(t, "AWS::Logs::LogGroup", typeOfIn(c, group), o.step(7, "give "+o.function+" its LoggingConfig.LogGroup and its name in Fn::ForEach::PerFunction"))

		assert.True(t, permittedIn(t, c, o), o.step(7, "add "+strings.TrimSuffix(o.function, "Function")+" to Fn::ForEach::PerFunction and its route ("+o.method+" "+o.path+") to FunctionRoutes"))

		for _, metric := range []string{"Errors", "Duration", "Throttles"} {
			assert.True(t, alarmedIn(c, o.function, metric), o.step(7, "add "+strings.TrimSuffix(o.function, "Function")+" to Fn::ForEach::PerFunction: no "+metric+" alarm"))
		}

		if slices.Contains(o.op.Tags, "docs") {
			return // The docs function serves files; it has no sample events.
		}
		file := filepath.Join(repo.Root(), "events", snake(o.op.OperationID)+".json")
		raw, err := os.ReadFile(file)
		require.NoError(t, err, o.step(8, "add events/"+snake(o.op.OperationID)+".json"))
		var event struct {
			HTTPMethod string `json:"httpMethod"`
			Resource   string `json:"resource"`
		}
		require.NoError(t, json.Unmarshal(raw, &event), file)
		assert.Equal(t, []string{o.method, o.path}, []string{event.HTTPMethod, event.Resource},
			o.step(8, "the sample event names the operation's method and resource"))
	})
}

func typeOf(id string) string { return typeOfIn(tmpl, id) }

func typeOfIn(c *cfn.Template, id string) string {
	if r, ok := c.Resources[id]; ok {
		return r.Type
	}
	return ""
}

// permitted reports whether a Lambda permission lets API Gateway invoke
// o's function for o's method and path.
func permitted(t *testing.T, o operation) bool {
	t.Helper()
	return permittedIn(t, tmpl, o)
}

// permittedIn is permitted, in template c.
func permittedIn(t *testing.T, c *cfn.Template, o operation) bool {
	t.Helper()
	// A request's execute-api ARN tail: {stage}/{method}/{path}, a path
	// parameter standing for any segment.
	route := "stage/" + o.method + regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(o.path, "x")
	for _, id := range c.IDs("AWS::Lambda::Permission") {
		p := c.Resources[id].Properties
		alias, _ := cfn.Ref(p["FunctionName"])
		if fn, _ := aliasedIn(c, alias); fn != o.function {
			continue
		}
		arn, ok := c.Sub(p["SourceArn"])
		if !ok {
			continue
		}
		_, tail, found := strings.Cut(arn, "${OrdersApi}/")
		if found && glob(tail).MatchString(route) {
			return true
		}
	}
	return false
}

// glob turns an execute-api ARN pattern, whose * matches anything, / too,
// into a regular expression.
func glob(pattern string) *regexp.Regexp {
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
}

// alarmed reports whether an alarm watches metric of function.
func alarmed(function, metric string) bool { return alarmedIn(tmpl, function, metric) }

// alarmedIn is alarmed, in template c.
func alarmedIn(c *cfn.Template, function, metric string) bool {
	for _, id := range c.IDs("AWS::CloudWatch::Alarm") {
		p := c.Resources[id].Properties
		if p["Namespace"] != "AWS/Lambda" || p["MetricName"] != metric {
			continue
		}
		for _, d := range cfn.List(p["Dimensions"]) {
			if fn, _ := cfn.Ref(cfn.Path(d, "Value")); cfn.Path(d, "Name") == "FunctionName" && fn == function {
				return true
			}
		}
	}
	return false
}

// snake writes an operationId as an events file names it: createOrder,
// create_order.
func snake(id string) string {
	var b strings.Builder
	for i, r := range id {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// The checks above can fail: an operation whose function lost its log
// group, permission, alarms and event is caught at each step.
func TestOperationChecksCatchMissingParts(t *testing.T) {
	t.Parallel()
	// An operation no recipe suggests, so that following a recipe never
	// breaks this test.
	o := operation{method: "TRACE", path: "/api/orders/{orderId}", op: &openapi3.Operation{OperationID: "traceOrderHistory"}, function: "CreateOrderFunction"}
	assert.False(t, permitted(t, o), "CreateOrderFunction may not be invoked for TRACE /api/orders/{orderId}")
	assert.False(t, alarmed("TraceOrderHistoryFunction", "Errors"))
	_, err := os.Stat(filepath.Join(repo.Root(), "events", snake("traceOrderHistory")+".json"))
	assert.True(t, os.IsNotExist(err))
	assert.Equal(t, "trace_order_history", snake("traceOrderHistory"))
	assert.True(t, glob("*/GET/swagger*").MatchString("stage/GET/swagger/swagger-ui.css"))
	assert.False(t, glob("*/DELETE/api/orders/*").MatchString("stage/GET/api/orders/x"))
}

// `sam build` runs make build-<LogicalId> for each function, and make
// build builds them all: both know exactly the template's functions.
func TestMakefileBuildsEveryFunction(t *testing.T) {
	t.Parallel()
	// The functions of every stack: the list on Managed Instances too.
	ids := slices.Compact(slices.Sorted(slices.Values(append(tmpl.IDs("AWS::Lambda::Function"), managed.IDs("AWS::Lambda::Function")...))))
	out, err := exec.Command("make", "-n", "-C", repo.Root(), "build").CombinedOutput()
	require.NoError(t, err, "%s", out)
	built := regexp.MustCompile(`-o bin/(\w+)/bootstrap`).FindAllStringSubmatch(string(out), -1)
	var names []string
	for _, m := range built {
		names = append(names, m[1])
	}
	assert.ElementsMatch(t, ids, names, "make build builds the template's functions (the Makefile reads them from template.yaml)")

	for _, id := range ids {
		out, err := exec.Command("make", "-n", "-C", repo.Root(), "build-"+id, "ARTIFACTS_DIR=/tmp/artifacts").CombinedOutput()
		require.NoError(t, err, "%s", out)
		cmd := string(out)
		main := "./src/cmd/orders"
		switch id {
		case "DocsFunction":
			main = "./src/cmd/docs"
		case hookFunction:
			main = "./src/cmd/hook"
		}
		for _, want := range []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64", "-tags lambda.norpc", "-trimpath", `-ldflags "-s -w"`, "-o /tmp/artifacts/bootstrap", main} {
			assert.Contains(t, cmd, want, id)
		}
	}
}
