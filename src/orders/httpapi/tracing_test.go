package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// An invocation's spans hang off the X-Ray trace that API Gateway started:
// the invocation's span, and under it the use case's.
func TestInvocationSpansJoinTheXRayTrace(t *testing.T) {
	// Not parallel: it swaps the global tracer provider.
	recorder := tracetest.NewSpanRecorder()
	previous := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder)))
	t.Cleanup(func() { otel.SetTracerProvider(previous) })

	f := newFixture(t, slog.LevelInfo)
	event := loadEvent(t, "get_order.json") // X-Amzn-Trace-Id: Root=1-6745c0de-0123456789abcdef01234567
	event.Headers["X-Amzn-Trace-Id"] = "Root=1-6745c0de-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
	resp, err := lambdaFunc(t, f.h)(context.Background(), event)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range recorder.Ended() {
		if s.SpanContext().TraceID().String() == "6745c0de0123456789abcdef01234567" {
			byName[s.Name()] = s
		}
	}
	root, ok := byName["GET /api/orders/{orderId}"]
	require.True(t, ok, "the invocation's span is on the X-Ray trace: %v", byName)
	assert.Equal(t, "53995c3f42cd8ad8", root.Parent().SpanID().String(), "parented on API Gateway's segment")
	assert.True(t, root.SpanContext().IsSampled())
	get, ok := byName["orders.Get"]
	require.True(t, ok)
	assert.Equal(t, root.SpanContext().SpanID(), get.Parent().SpanID())
}
