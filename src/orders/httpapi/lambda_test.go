package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/orders/orderstest"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
	"github.com/go-sam-blueprint/orders/src/platform/logging"
	"github.com/go-sam-blueprint/orders/src/platform/metrics"
)

// The sample events in events/ are what `sam local invoke -e` sends; each
// must work through the real handler.
func TestSampleEvents(t *testing.T) {
	t.Parallel()
	type sampleEvent struct {
		file   string
		status int
		body   string
	}
	tests := []sampleEvent{
		{"create_order.json", http.StatusOK, ""},
		{"get_order.json", http.StatusOK, `{"id":"` + knownID + `","name":"Grace","item_count":2,"created_at":"2026-11-26T12:00:00Z","premium":false}`},
		{"delete_order.json", http.StatusOK, `{"order_id":"` + knownID + `"}`},
		{"list_orders.json", http.StatusOK, ""},
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "events", "*_*.json"))
	require.NoError(t, err)
	for _, file := range files {
		assert.True(t, slices.ContainsFunc(tests, func(tt sampleEvent) bool { return tt.file == filepath.Base(file) }),
			"add a row for events/%s: what does its function answer? (README \"Add an endpoint\", step 8)", filepath.Base(file))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			event := loadEvent(t, tt.file)
			h, _ := newHandler(t)

			resp, err := lambdaFunc(t, h)(context.Background(), event)
			require.NoError(t, err)
			require.Equal(t, tt.status, resp.StatusCode, resp.Body)
			assert.Equal(t, []string{"application/json"}, resp.MultiValueHeaders["Content-Type"])
			if tt.body != "" {
				assert.JSONEq(t, tt.body, resp.Body)
			}
		})
	}
}

func TestLambdaProblemsCarryTheRequestID(t *testing.T) {
	t.Parallel()
	h, _ := newHandler(t)
	resp, err := lambdaFunc(t, h)(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod:     http.MethodGet,
		Path:           "/api/orders/00000000-0000-0000-0000-000000000000",
		Resource:       "/api/orders/{orderId}",
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-1", Authorizer: authorizerOf(orderstest.Alice)},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	var p api.Problem
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &p))
	require.NotNil(t, p.Instance)
	assert.Equal(t, "req-1", *p.Instance)
}

// lambdaFunc wraps h as the deployed function does, with metrics thrown away.
func lambdaFunc(t *testing.T, h http.Handler) lambdahttp.Func {
	t.Helper()
	emitter, err := metrics.NewEmitter(io.Discard, "Orders", "orders")
	require.NoError(t, err)
	return lambdahttp.Lambda(h, lambdahttp.Telemetry{Log: logging.New(io.Discard, slog.LevelInfo), Metrics: emitter})
}

func loadEvent(tb testing.TB, file string) events.APIGatewayProxyRequest {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", file))
	require.NoError(tb, err)
	var event events.APIGatewayProxyRequest
	require.NoError(tb, json.Unmarshal(raw, &event))
	return event
}

// Every invocation logs with its correlation and trace ids and says whether
// it was a cold start; it writes its metrics as one EMF line, with
// ColdStart on the first invocation only.
func TestInvocationTelemetry(t *testing.T) {
	t.Parallel()
	f := newFixture(t, slog.LevelInfo)
	var out bytes.Buffer
	emitter, err := metrics.NewEmitter(&out, "Orders", "orders")
	require.NoError(t, err)
	fn := lambdahttp.Lambda(f.h, lambdahttp.Telemetry{Log: logging.New(io.Discard, slog.LevelInfo), Metrics: emitter})

	event := loadEvent(t, "create_order.json")
	for range 2 {
		resp, err := fn(context.Background(), event)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	}

	emf := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, emf, 2, "one EMF line per invocation")
	var first, second map[string]any
	require.NoError(t, json.Unmarshal([]byte(emf[0]), &first))
	require.NoError(t, json.Unmarshal([]byte(emf[1]), &second))
	assert.EqualValues(t, 1, first["ColdStart"])
	assert.EqualValues(t, 1, first["OrderCreated"])
	assert.NotContains(t, second, "ColdStart")
	assert.EqualValues(t, 1, second["IdempotentReplay"], "the same body again is a replay")
	assert.Equal(t, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", first["correlation_id"])

	var logLines []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(f.log.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		logLines = append(logLines, m)
	}
	require.Len(t, logLines, 2, "one line per request at INFO")
	for i, line := range logLines {
		assert.Equal(t, "request", line["message"])
		assert.Equal(t, "CreateOrder", line["operation"])
		assert.EqualValues(t, 200, line["status"])
		assert.Contains(t, line, "duration_ms")
		assert.NotEmpty(t, line["order_id"])
		assert.Equal(t, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", line["correlation_id"])
		assert.Equal(t, "1-6745c0de-0123456789abcdef01234567", line["xray_trace_id"])
		assert.Equal(t, i == 0, line["cold_start"])
		assert.NotContains(t, line, "request_body", "no bodies at INFO")
	}
}
