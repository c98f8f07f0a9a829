package orderstest_test

import (
	"testing"

	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/orders/orderstest"
)

// The fake answers as every Store must (tests/integration holds the
// DynamoDB store to the same suite).
func TestStoreConformance(t *testing.T) {
	t.Parallel()
	orderstest.Conformance(t, func(*testing.T) orders.Store { return orderstest.NewStore() })
}
