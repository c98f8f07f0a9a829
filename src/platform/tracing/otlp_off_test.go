//go:build !otlp

package tracing_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

// The default build leaves the exporter out and says how to get it.
func TestSetupOTLPNeedsTheBuildTag(t *testing.T) {
	t.Parallel()
	_, _, err := tracing.Setup(context.Background(), tracing.Options{Exporter: "otlp", Service: "orders"})
	require.ErrorContains(t, err, "make build TAGS=otlp")
}
