package xraydaemon_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-sam-blueprint/orders/src/local/xraydaemon"
	"github.com/go-sam-blueprint/orders/src/platform/tracing/invocation"
	"github.com/go-sam-blueprint/orders/src/platform/tracing/xray"
)

func start(t *testing.T, opts ...xraydaemon.Option) *xraydaemon.Daemon {
	t.Helper()
	d, err := xraydaemon.Start(context.Background(), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, d.Stop()) })
	return d
}

func send(t *testing.T, addr string, datagrams ...[]byte) {
	t.Helper()
	conn, err := net.Dial("udp", addr)
	require.NoError(t, err)
	defer conn.Close()
	for _, d := range datagrams {
		_, err := conn.Write(d)
		require.NoError(t, err)
	}
}

const minimal = `{"type":"subsegment","trace_id":"1-5759e988-bd862e3fe1be46a994272793","parent_id":"53995c3f42cd8ad8",` +
	`"id":"70de5b6f19ff9a0a","name":"orders.Create","start_time":1795694400.1,"end_time":1795694400.2}`

// The daemon keeps valid documents in arrival order, and what failed with
// why and the datagram's start.
func TestDaemonSortsDatagrams(t *testing.T) {
	t.Parallel()
	d := start(t)
	assert.True(t, strings.HasPrefix(d.Addr(), "127.0.0.1:"), d.Addr())
	second := strings.Replace(minimal, "orders.Create", "DynamoDB", 1)
	send(t, d.Addr(), []byte(header+minimal), []byte(`{"format":"xml","version":1}`+"\n"+minimal), []byte(header+second))
	require.NoError(t, d.Wait(context.Background(), 3))

	docs := d.Documents()
	require.Len(t, docs, 2)
	assert.Equal(t, "orders.Create", docs[0].Name)
	assert.Equal(t, "DynamoDB", docs[1].Name)
	assert.JSONEq(t, second, string(docs[1].Raw))
	problems := d.Problems()
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0], `is not {"format": "json", "version": 1}`)
	assert.Contains(t, problems[0], `datagram: {"format":"xml"`)
}

// Documents returns every datagram sent before it, without a Wait.
func TestDocumentsHasEverythingSentBefore(t *testing.T) {
	t.Parallel()
	d := start(t)
	datagrams := make([][]byte, 50)
	for i := range datagrams {
		datagrams[i] = []byte(header + minimal)
	}
	send(t, d.Addr(), datagrams...)
	assert.Len(t, d.Documents(), 50)
	assert.Empty(t, d.Problems())
}

func TestWaitGivesUp(t *testing.T) {
	t.Parallel()
	d := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, d.Wait(ctx, 1), context.DeadlineExceeded)
}

// Stop reads what came before it; the context given to Start stops the
// daemon too.
func TestStop(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := xraydaemon.Start(ctx)
	require.NoError(t, err)
	send(t, d.Addr(), []byte(header+minimal))
	cancel()
	require.ErrorContains(t, d.Wait(context.Background(), 2), "stopped after")
	require.NoError(t, d.Stop())
	require.NoError(t, d.Stop(), "twice is fine")
	assert.LessOrEqual(t, len(d.Documents()), 1)

	d = start(t)
	send(t, d.Addr(), []byte(header+minimal))
	require.NoError(t, d.Stop())
	assert.Len(t, d.Documents(), 1, "read before the socket closed")
}

// syncBuffer is a buffer that logs may write to from the daemon's reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// With a logger, make run shows every problem as it arrives.
func TestDaemonLogs(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	d := start(t, xraydaemon.WithLogger(slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	send(t, d.Addr(), []byte(header+`{"type":"segment"}`), []byte(header+minimal))
	require.NoError(t, d.Wait(context.Background(), 2))
	logged := out.String()
	assert.Contains(t, logged, `level=WARN msg="X-Ray document rejected"`)
	assert.Contains(t, logged, `type is \"segment\"`)
	assert.Contains(t, logged, `level=DEBUG msg="X-Ray document" name=orders.Create id=70de5b6f19ff9a0a`)
}

// Whatever the spans, the xray exporter sends documents this daemon
// finds valid, and they hang together under Lambda's Parent.
func TestExporterDocumentsAreValid(t *testing.T) {
	t.Parallel()
	d := start(t)
	exp, err := xray.New(context.Background(), d.Addr())
	require.NoError(t, err)
	tp, err := invocation.NewTracerProvider(exp, "orders")
	require.NoError(t, err)
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	tracer := tp.Tracer("test")

	tid, err := trace.TraceIDFromHex("5759e988bd862e3fe1be46a994272793")
	require.NoError(t, err)
	parent, err := trace.SpanIDFromHex(root)
	require.NoError(t, err)
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: parent, TraceFlags: trace.FlagsSampled, Remote: true,
	}))
	ctx, handler := tracer.Start(ctx, "DELETE /api/orders/{orderId}", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.Bool("xray.annotation.ColdStart", true), attribute.String("xray.annotation.Service", "orders"),
			attribute.String("xray.annotation.bad key!", "v"), attribute.StringSlice("xray.annotation.list", []string{"a"})))
	names := []string{"orders.Delete", "{weird} <name> \\ \"quoted\" \t", strings.Repeat("long", 100), ""}
	for _, name := range names {
		_, s := tracer.Start(ctx, name, trace.WithAttributes(attribute.String("blob", strings.Repeat("x", 70000))))
		s.RecordError(errors.New("customer Ada"))
		s.SetStatus(codes.Error, "customer Ada")
		s.End()
	}
	_, call := tracer.Start(ctx, "DynamoDB.DeleteItem", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("rpc.system", "aws-api"), attribute.String("rpc.service", "DynamoDB"), attribute.String("rpc.method", "DeleteItem"),
		attribute.String("cloud.region", "eu-west-1"), attribute.StringSlice("aws.dynamodb.table_names", []string{"orders"}),
		attribute.Int("http.response.status_code", 429), attribute.Int("aws.retries", 2), attribute.Bool("xray.throttle", true),
		attribute.String("error.type", "ThrottlingException")))
	call.SetStatus(codes.Error, "throttled")
	call.End()
	handler.End()
	require.NoError(t, tp.ForceFlush(ctx))

	docs := d.Documents()
	assert.Empty(t, d.Problems())
	require.Len(t, docs, len(names)+2)
	require.NoError(t, xraydaemon.CheckTrace(docs, root))
	for _, doc := range docs {
		assert.NotContains(t, string(doc.Raw), "Ada", "an error's words are not sent")
	}
	last := docs[len(docs)-1]
	assert.Equal(t, "## DELETE /api/orders/:orderId", last.Name)
	assert.Equal(t, map[string]any{"ColdStart": true, "Service": "orders", "bad_key_": "v"}, last.Annotations)
	var _ sdktrace.SpanExporter = exp
}
