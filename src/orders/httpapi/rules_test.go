package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api/openapi"
	"github.com/go-sam-blueprint/orders/src/orders"
)

// api.yaml states the domain's rules for the edge and for clients; the
// domain keeps them itself. The two must say the same.
func TestSpecStatesTheDomainsRules(t *testing.T) {
	t.Parallel()
	spec, err := openapi.Document()
	require.NoError(t, err)
	create := spec.Components.Schemas["CreateOrderRequest"].Value
	name := create.Properties["customer_name"].Value
	assert.EqualValues(t, orders.MinNameLength, name.MinLength, "customer_name minLength")
	assert.InDelta(t, orders.MaxNameLength, deref(t, name.MaxLength), 0, "customer_name maxLength")
	count := create.Properties["order_item_count"].Value
	assert.InDelta(t, orders.MinItemCount, deref(t, count.Min), 0, "order_item_count minimum")
	assert.InDelta(t, orders.MaxItemCount, deref(t, count.Max), 0, "order_item_count maximum")

	var limit *openapi3.Parameter
	for _, p := range spec.Paths.Find("/api/orders").Get.Parameters {
		if p.Value.Name == "limit" {
			limit = p.Value
		}
	}
	require.NotNil(t, limit, "listOrders has a limit")
	assert.InDelta(t, 1, deref(t, limit.Schema.Value.Min), 0, "limit minimum")
	assert.InDelta(t, orders.MaxPageSize, deref(t, limit.Schema.Value.Max), 0, "limit maximum")
	assert.EqualValues(t, orders.DefaultPageSize, limit.Schema.Value.Default, "limit default")

	for _, tt := range []struct {
		path, method, name string
		max                int
	}{
		{"/api/orders", http.MethodGet, "next_token", orders.MaxPageTokenLength},
		{"/api/orders", http.MethodPost, "Idempotency-Key", orders.MaxIdempotencyKeyLength},
	} {
		p := spec.Paths.Find(tt.path).GetOperation(tt.method).Parameters.GetByInAndName(map[string]string{"next_token": "query", "Idempotency-Key": "header"}[tt.name], tt.name)
		require.NotNil(t, p, tt.name)
		assert.EqualValues(t, 1, p.Schema.Value.MinLength, "%s minLength", tt.name)
		assert.InDelta(t, tt.max, deref(t, p.Schema.Value.MaxLength), 0, "%s maxLength", tt.name)
	}
}

func deref[T any](t *testing.T, p *T) T {
	t.Helper()
	require.NotNil(t, p, "the spec states the bound")
	return *p
}

// The function decodes every operation's body strictly into its generated
// type (the domain keeps the rest of the schema's rules): a member that the
// schema does not have is refused, whichever operation it is sent to. An
// operation added with a body, and left out of httpapi's list, fails here.
func TestEveryBodyIsDecodedStrictly(t *testing.T) {
	t.Parallel()
	h, _ := newHandler(t)
	for _, o := range operations(t) {
		path, method, op := o.path, o.method, o.op
		if op.RequestBody == nil {
			continue
		}
		rec := serve(h, method, concrete(path), "application/json", `{"not_in_the_spec":1}`)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "%s %s: %s", method, path, rec.Body)
		assert.Equal(t, map[string]string{"#/not_in_the_spec": "is not a member of this object"}, pointers(decodeProblem(t, rec)), "%s %s", method, path)
	}
}

// A parameter that does not bind to its type is named with what it must
// be, for every such parameter in the spec.
func TestEveryTypedParameterSaysWhatItMustBe(t *testing.T) {
	t.Parallel()
	h, _ := newHandler(t)
	for _, o := range operations(t) {
		path, method, op := o.path, o.method, o.op
		for _, ref := range op.Parameters {
			p := ref.Value
			if p.Schema.Value.Type.Is(openapi3.TypeString) && p.Schema.Value.Format == "" {
				continue
			}
			target := concrete(path)
			switch p.In {
			case openapi3.ParameterInPath:
				target = strings.Replace(path, "{"+p.Name+"}", "not-a-"+p.Name, 1)
			case openapi3.ParameterInQuery:
				target += "?" + p.Name + "=not-a-" + p.Name
			default:
				t.Fatalf("%s %s: a %s parameter of type %v: teach this test to send it", method, path, p.In, p.Schema.Value.Type)
			}
			rec := serve(h, method, target, "", "")
			require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "%s %s: %s", method, target, rec.Body)
			detail := pointers(decodeProblem(t, rec))[p.Name]
			assert.True(t, strings.HasPrefix(detail, "must be "), "%s %s: %s says what it must be, not %q", method, path, p.Name, detail)
		}
	}
}

// operation is one of the spec's operations, with its path's parameters.
type operation struct {
	path, method string
	op           *openapi3.Operation
}

// operations are the spec's operations that the orders function serves:
// under /api/orders, CORS preflights left to API Gateway.
func operations(t *testing.T) []operation {
	t.Helper()
	spec, err := openapi.Document()
	require.NoError(t, err)
	var out []operation
	for path, item := range spec.Paths.Map() {
		if !strings.HasPrefix(path, "/api/orders") {
			continue
		}
		for method, op := range item.Operations() {
			if method == http.MethodOptions {
				continue
			}
			op.Parameters = append(slices.Clone(item.Parameters), op.Parameters...)
			out = append(out, operation{path, method, op})
		}
	}
	require.NotEmpty(t, out)
	return out
}

// concrete fills a path template's parameters with an order id.
func concrete(path string) string {
	return strings.ReplaceAll(path, "{orderId}", knownID)
}
