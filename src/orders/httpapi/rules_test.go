package httpapi_test

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/orders"
)

// api.yaml states the domain's rules for the edge and for clients; the
// domain keeps them itself. The two must say the same.
func TestSpecStatesTheDomainsRules(t *testing.T) {
	t.Parallel()
	spec, err := api.GetSpec()
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
}

func deref[T any](t *testing.T, p *T) T {
	t.Helper()
	require.NotNil(t, p, "the spec states the bound")
	return *p
}
