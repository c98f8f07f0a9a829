package tracing_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/go-sam-blueprint/orders/src/platform/tracing"
	"github.com/go-sam-blueprint/orders/src/platform/tracing/xray"
)

// The tests in this file set the global tracer provider, so none is
// parallel: Go runs them before any parallel test resumes.

// restoreNoop sets a no-op global provider when t ends. Restoring the
// original would not do: the global provider delegates, once and for
// good, to the first provider set.
func restoreNoop(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })
}

// TRACING_EXPORTER=none installs nothing: the global provider stays
// OpenTelemetry's no-op one.
func TestSetupNoneInstallsNothing(t *testing.T) {
	before := otel.GetTracerProvider()
	_, _, err := tracing.Setup(context.Background(), tracing.Options{Exporter: "none", Service: "orders"})
	require.NoError(t, err)
	assert.Equal(t, before, otel.GetTracerProvider(), "the global provider changed")
	_, span := tracing.Start(tracing.ContextWithXRay(context.Background(), "Root="+validRoot+";Parent="+validParent+";Sampled=1"), "work")
	assert.False(t, span.IsRecording())
}

// listen is a UDP socket in the daemon's place.
func listen(t *testing.T) net.PacketConn {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// receive reads n datagrams and returns their documents, decoded.
func receive(t *testing.T, conn net.PacketConn, n int) []map[string]any {
	t.Helper()
	docs := make([]map[string]any, 0, n)
	buf := make([]byte, 1<<16)
	for range n {
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
		m, _, err := conn.ReadFrom(buf)
		require.NoError(t, err)
		header, body, ok := strings.Cut(string(buf[:m]), "\n")
		require.True(t, ok)
		assert.Equal(t, strings.TrimSuffix(xray.Header, "\n"), header)
		var doc map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &doc))
		docs = append(docs, doc)
	}
	return docs
}

// nothingMore checks that no datagram is waiting.
func nothingMore(t *testing.T, conn net.PacketConn) {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	_, _, err := conn.ReadFrom(make([]byte, 1<<16))
	var netErr net.Error
	require.ErrorAs(t, err, &netErr, "a datagram was sent")
	assert.True(t, netErr.Timeout())
}

// An xray function sends an invocation's spans at the flush, one
// subsegment per sampled span, on the trace of Lambda's header; nothing for
// Sampled=0, and nothing without a header to hang it on.
func TestSetupXRay(t *testing.T) {
	restoreNoop(t)
	daemon := listen(t)
	ctx := context.Background()
	flush, shutdown, err := tracing.Setup(ctx, tracing.Options{Exporter: "xray", Service: "orders", DaemonAddress: daemon.LocalAddr().String()})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, shutdown(ctx)) })

	invoke := func(header string) {
		ctx := tracing.ContextWithXRay(ctx, header)
		ctx, root := tracing.StartInvocation(ctx, "GET /api/orders/{orderId}", tracing.AnnotationKey("ColdStart").Bool(true))
		_, call := tracing.Start(ctx, "orders.Get")
		tracing.End(call, nil)
		tracing.End(root, nil)
		require.NoError(t, flush(ctx))
	}

	invoke("Root=" + validRoot + ";Parent=" + validParent + ";Sampled=1")
	docs := receive(t, daemon, 2)
	get, handler := docs[0], docs[1]
	assert.Equal(t, "orders.Get", get["name"])
	assert.Equal(t, "## GET /api/orders/:orderId", handler["name"])
	assert.Equal(t, validParent, handler["parent_id"])
	assert.Equal(t, handler["id"], get["parent_id"])
	for _, d := range docs {
		assert.Equal(t, validRoot, d["trace_id"])
		assert.Equal(t, "subsegment", d["type"])
	}
	assert.Equal(t, map[string]any{"ColdStart": true}, handler["annotations"])

	invoke("Root=" + validRoot + ";Parent=" + validParent + ";Sampled=0")
	invoke("Root=" + validRoot + ";Sampled=1")
	invoke("")
	nothingMore(t, daemon)
}

// The invocation's span is a server span, whose subsegment X-Ray names
// "## ..."; AnnotationKey's attributes become annotations.
func TestStartInvocation(t *testing.T) {
	rec := useRecorder(t)
	_, span := tracing.StartInvocation(context.Background(), "POST /api/orders",
		tracing.AnnotationKey("ColdStart").Bool(false), tracing.AnnotationKey("Service").String("orders"))
	tracing.End(span, nil)
	got := onlyEnded(t, rec)
	assert.Equal(t, "POST /api/orders", got.Name())
	assert.Equal(t, trace.SpanKindServer, got.SpanKind())
	a := attrs(got)
	assert.False(t, a["xray.annotation.ColdStart"].AsBool())
	assert.Equal(t, "orders", a["xray.annotation.Service"].AsString())
}

type customError struct{}

func (customError) Error() string { return "custom: customer Ada" }

// pointerError is an error only as a pointer.
type pointerError struct{}

func (*pointerError) Error() string { return "pointer: customer Ada" }

// A failed span records its error's class, which is what X-Ray is told
// of it (never the error's text).
func TestEndRecordsTheErrorClass(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain", errors.New("boom"), "*errors.errorString"},
		{"wrapped", fmt.Errorf("create order: %w", customError{}), "tracing_test.customError"},
		{"wrapped twice", fmt.Errorf("a: %w", fmt.Errorf("b: %w", &pointerError{})), "*tracing_test.pointerError"},
		{"joined, last is the cause", fmt.Errorf("%w: %w", errors.New("unavailable"), customError{}), "tracing_test.customError"},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), "context.DeadlineExceeded"},
		{"canceled", fmt.Errorf("call: %w", context.Canceled), "context.Canceled"},
		{"AWS error code", fmt.Errorf("get: %w", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down"}), "ThrottlingException"},
		{"AWS error without a code", &smithy.GenericAPIError{Message: "?"}, "*smithy.GenericAPIError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := useRecorder(t)
			_, span := tracing.Start(context.Background(), "work")
			tracing.End(span, tt.err)
			assert.Equal(t, tt.want, attrs(onlyEnded(t, rec))["error.type"].AsString())
		})
	}
}
