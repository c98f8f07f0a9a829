package lambdahttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
	"github.com/go-sam-blueprint/orders/src/platform/logging"
	"github.com/go-sam-blueprint/orders/src/platform/metrics"
	"github.com/go-sam-blueprint/orders/src/platform/problem"
)

// newFunc wraps h as a deployed function does, its metrics written to out.
func newFunc(t *testing.T, h http.Handler, out io.Writer) lambdahttp.Func {
	t.Helper()
	emitter, err := metrics.NewEmitter(out, "Orders", "orders")
	require.NoError(t, err)
	return lambdahttp.Lambda(h, lambdahttp.Telemetry{Log: logging.New(io.Discard, slog.LevelInfo), Metrics: emitter})
}

// An event that is no HTTP request is bad input: 400, not a function error
// that API Gateway would turn into a 502.
func TestUnreadableEvents(t *testing.T) {
	t.Parallel()
	reached := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("the handler saw an unreadable event") })
	tests := map[string]events.APIGatewayProxyRequest{
		"bad base64 body": {HTTPMethod: http.MethodPost, Path: "/api/orders", Body: "%%%", IsBase64Encoded: true},
		"bad method":      {HTTPMethod: "GE T", Path: "/api/orders"},
		"bad path escape": {HTTPMethod: http.MethodGet, Path: "/api/orders/%zz"},
	}
	for name, event := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			event.RequestContext.RequestID = "req-1"
			resp, err := newFunc(t, reached, io.Discard)(context.Background(), event)
			require.NoError(t, err)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, resp.Body)
			assert.Equal(t, []string{problem.ContentType}, resp.MultiValueHeaders["Content-Type"])
			var p problem.Problem
			require.NoError(t, json.Unmarshal([]byte(resp.Body), &p))
			assert.Equal(t, "req-1", p.Instance, "the request id to quote")
		})
	}
}

// The first invocation of a process counts a cold start, and each
// invocation writes its metrics in one EMF line at its end, with the
// correlation id.
func TestColdStartAndMetrics(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		metrics.Count(r.Context(), "Served")
		w.WriteHeader(http.StatusNoContent)
	})
	fn := newFunc(t, h, &out)
	for i := range 2 {
		resp, err := fn(context.Background(), events.APIGatewayProxyRequest{
			HTTPMethod: http.MethodGet, Path: "/", RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-" + string(rune('a'+i))},
		})
		require.NoError(t, err)
		require.Equal(t, http.StatusNoContent, resp.StatusCode)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2, "one EMF line per invocation")
	var first, second map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	assert.EqualValues(t, 1, first[lambdahttp.MetricColdStart])
	assert.NotContains(t, second, lambdahttp.MetricColdStart)
	assert.EqualValues(t, 1, second["Served"])
	assert.Equal(t, "req-a", first["correlation_id"])
	assert.Equal(t, "req-b", second["correlation_id"])
}

// The handler's deadline comes before Lambda's, by a tenth of the time
// left and at most half a second, so that it can still answer.
func TestHandlerDeadlineLeavesTimeToAnswer(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ left, reserveAtLeast, reserveAtMost time.Duration }{
		"10 s left: 500 ms kept": {10 * time.Second, 499 * time.Millisecond, 500 * time.Millisecond},
		"1 s left: a tenth kept": {time.Second, 90 * time.Millisecond, 100 * time.Millisecond},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			lambdaDeadline := time.Now().Add(tt.left)
			var handlerDeadline time.Time
			h := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { handlerDeadline, _ = r.Context().Deadline() })
			ctx, cancel := context.WithDeadline(context.Background(), lambdaDeadline)
			defer cancel()
			_, err := newFunc(t, h, io.Discard)(ctx, events.APIGatewayProxyRequest{HTTPMethod: http.MethodGet, Path: "/"})
			require.NoError(t, err)
			reserve := lambdaDeadline.Sub(handlerDeadline)
			assert.GreaterOrEqual(t, reserve, tt.reserveAtLeast)
			assert.LessOrEqual(t, reserve, tt.reserveAtMost)
		})
	}
}

// The invocation's span is the handler's subsegment in X-Ray: a server
// span named after the route, parented on Lambda's trace header, with
// ColdStart and Service as annotations, as Powertools records them, and
// the status of the answer, which makes X-Ray mark a 4xx an error and a
// 5xx a fault.
func TestInvocationSpan(t *testing.T) {
	// Not parallel: it sets the global tracer provider, and leaves a no-op
	// one (the global provider delegates, once and for good, to the first
	// provider set).
	rec := tracetest.NewSpanRecorder()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })

	emitter, err := metrics.NewEmitter(io.Discard, "Orders", "orders")
	require.NoError(t, err)
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	tests := []struct {
		service string
		want    map[string]any
	}{
		{"orders", map[string]any{"xray.annotation.ColdStart": true, "xray.annotation.Service": "orders", "http.response.status_code": int64(204)}},
		{"", map[string]any{"xray.annotation.ColdStart": true, "http.response.status_code": int64(204)}},
	}
	for _, tt := range tests {
		fn := lambdahttp.Lambda(h, lambdahttp.Telemetry{Log: logging.New(io.Discard, slog.LevelInfo), Metrics: emitter, Service: tt.service})
		//nolint:staticcheck,revive // aws-lambda-go stores the header under this string key.
		ctx := context.WithValue(context.Background(), "x-amzn-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
		for range 2 {
			_, err := fn(ctx, events.APIGatewayProxyRequest{HTTPMethod: http.MethodGet, Path: "/api/orders/1", Resource: "/api/orders/{orderId}"})
			require.NoError(t, err)
		}
		ended := rec.Ended()
		require.Len(t, ended, 2)
		for i, span := range ended {
			assert.Equal(t, "GET /api/orders/{orderId}", span.Name())
			assert.Equal(t, trace.SpanKindServer, span.SpanKind())
			assert.Equal(t, "53995c3f42cd8ad8", span.Parent().SpanID().String())
			got := map[string]any{}
			for _, kv := range span.Attributes() {
				got[string(kv.Key)] = kv.Value.AsInterface()
			}
			want := maps.Clone(tt.want)
			want["xray.annotation.ColdStart"] = i == 0
			assert.Equal(t, want, got, "invocation %d", i)
		}
		rec.Reset()
	}
}
