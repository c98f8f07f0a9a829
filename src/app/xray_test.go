package app_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/go-sam-blueprint/orders/src/local/xraydaemon"
	"github.com/go-sam-blueprint/orders/src/orders/dynamo/dynamotest"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
)

const (
	xrayRoot   = "1-5759e988-bd862e3fe1be46a994272793"
	xrayParent = "53995c3f42cd8ad8"
)

// lambdaContext is an invocation's context as aws-lambda-go gives it,
// with the trace header Lambda's runtime API sent.
func lambdaContext(sampled string) context.Context {
	//nolint:staticcheck,revive // aws-lambda-go stores the header under this string key.
	return context.WithValue(context.Background(), "x-amzn-trace-id", "Root="+xrayRoot+";Parent="+xrayParent+";Sampled="+sampled)
}

// byName indexes an invocation's documents by name.
func byName(t *testing.T, docs []xraydaemon.Document) map[string]xraydaemon.Document {
	t.Helper()
	m := map[string]xraydaemon.Document{}
	for i := range docs {
		_, dup := m[docs[i].Name]
		require.False(t, dup, "two documents named %q", docs[i].Name)
		m[docs[i].Name] = docs[i]
	}
	return m
}

// A create through the function as deployed with TRACING_EXPORTER=xray
// sends the X-Ray daemon valid subsegments on Lambda's trace: the
// handler's under Lambda's Parent, orders.Create under it, and the
// DynamoDB transaction under that; nothing when Lambda did not sample the
// request.
func TestCreateSendsXRaySubsegments(t *testing.T) {
	// Not parallel: the function sets the global tracer provider. Go runs
	// it before any parallel test resumes, and it leaves a no-op provider
	// (the global one delegates, once and for good, to the first set).
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })
	daemon, err := xraydaemon.Start(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, daemon.Stop()) })
	db := dynamotest.NewTransport()
	fn, err := newFunctionIn(map[string]string{
		"APPCONFIG_AGENT_URL": closedAgent, "TRACING_EXPORTER": "xray", "AWS_XRAY_DAEMON_ADDRESS": daemon.Addr(),
	}, db.Client(), io.Discard)
	require.NoError(t, err)

	t.Run("sampled", func(t *testing.T) {
		docs := invokeTraced(t, fn, daemon, "1", http.StatusOK, 3)
		require.NoError(t, xraydaemon.CheckTrace(docs, xrayParent))
		named := byName(t, docs)
		handler, create, call := named["## POST /api/orders"], named["orders.Create"], named["DynamoDB"]

		assert.Equal(t, xrayParent, handler.ParentID, "the handler under Lambda's function segment")
		assert.Equal(t, map[string]any{"ColdStart": true, "Service": "orders-test"}, handler.Annotations)
		assert.Equal(t, handler.ID, create.ParentID)
		assert.Equal(t, create.ID, call.ParentID)
		for _, d := range docs {
			assert.Equal(t, xrayRoot, d.TraceID, d.Name)
			assert.False(t, d.Fault || d.Error || d.Throttle, d.Name)
			assert.LessOrEqual(t, handler.StartTime, d.StartTime, d.Name)
			assert.GreaterOrEqual(t, handler.EndTime, d.EndTime, d.Name)
		}
		assert.Equal(t, "aws", call.Namespace)
		assert.Equal(t, "TransactWriteItems", call.AWS["operation"])
		assert.Equal(t, "eu-west-1", call.AWS["region"])
		assert.Equal(t, []any{"orders", "idempotency"}, call.AWS["table_names"])
		require.NotNil(t, call.HTTP)
		assert.Equal(t, http.StatusOK, call.HTTP.Response.Status)
	})

	t.Run("not sampled", func(t *testing.T) {
		before := len(daemon.Documents())
		resp, err := fn(lambdaContext("0"), event(t, "create_order.json"))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
		assert.Len(t, daemon.Documents(), before, "Sampled=0: nothing sent")
		assert.Empty(t, daemon.Problems())
	})

	t.Run("DynamoDB failing", func(t *testing.T) {
		db.Set("TransactWriteItems", dynamotest.Answer{
			Status: http.StatusInternalServerError,
			Body:   `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`,
		})
		t.Cleanup(func() { db.Set("TransactWriteItems", dynamotest.Answer{Status: http.StatusOK, Body: `{}`}) })
		docs := invokeTraced(t, fn, daemon, "1", http.StatusServiceUnavailable, 3)
		require.NoError(t, xraydaemon.CheckTrace(docs, xrayParent))
		named := byName(t, docs)
		call, create := named["DynamoDB"], named["orders.Create"]
		assert.True(t, call.Fault)
		assert.EqualValues(t, 2, call.AWS["retries"], "3 attempts")
		assert.Equal(t, http.StatusInternalServerError, call.HTTP.Response.Status)
		require.NotNil(t, call.Cause)
		assert.Equal(t, "InternalServerError", call.Cause.Exceptions[0].Type)
		assert.True(t, create.Fault)
		handler := named["## POST /api/orders"]
		assert.Equal(t, false, handler.Annotations["ColdStart"])
		assert.True(t, handler.Fault, "answered 503")
		assert.Equal(t, http.StatusServiceUnavailable, handler.HTTP.Response.Status)
	})

	// The caller's mistake is an error of the request, never a fault of
	// the service: the service map's fault rate stays the service's own.
	t.Run("unknown order", func(t *testing.T) {
		db.Set("GetItem", dynamotest.Answer{Status: http.StatusOK, Body: `{}`})
		docs := invokeEventTraced(t, fn, daemon, "get_order.json", "1", http.StatusNotFound, 3)
		require.NoError(t, xraydaemon.CheckTrace(docs, xrayParent))
		named := byName(t, docs)
		handler, get, call := named["## GET /api/orders/:orderId"], named["orders.Get"], named["DynamoDB"]
		assert.True(t, handler.Error, "answered 404")
		assert.Equal(t, http.StatusNotFound, handler.HTTP.Response.Status)
		assert.True(t, get.Error, "the use case found nothing")
		require.NotNil(t, get.Cause)
		for _, d := range []xraydaemon.Document{handler, get, call} {
			assert.False(t, d.Fault, d.Name)
		}
	})
}

// invokeTraced sends a create under Lambda's trace header and returns the
// n documents it sent the daemon.
func invokeTraced(t *testing.T, fn lambdahttp.Func, daemon *xraydaemon.Daemon, sampled string, status, n int) []xraydaemon.Document {
	t.Helper()
	return invokeEventTraced(t, fn, daemon, "create_order.json", sampled, status, n)
}

// invokeEventTraced sends the sample event under Lambda's trace header
// and returns the n documents it sent the daemon.
func invokeEventTraced(t *testing.T, fn lambdahttp.Func, daemon *xraydaemon.Daemon, name, sampled string, status, n int) []xraydaemon.Document {
	t.Helper()
	before := len(daemon.Documents())
	resp, err := fn(lambdaContext(sampled), event(t, name))
	require.NoError(t, err)
	require.Equal(t, status, resp.StatusCode, resp.Body)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, daemon.Wait(ctx, before+n))
	require.Empty(t, daemon.Problems())
	docs := daemon.Documents()
	require.Len(t, docs, before+n)
	return docs[before:]
}
