package invocation_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-sam-blueprint/orders/src/platform/tracing/invocation"
)

func names(spans tracetest.SpanStubs) []string {
	out := make([]string, 0, len(spans))
	for i := range spans {
		out = append(out, spans[i].Name)
	}
	return out
}

// Spans leave at the flush that ends an invocation, all of them and in the
// order they ended, and never before.
func TestSpansLeaveAtTheFlush(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp, err := invocation.NewTracerProvider(exp, "orders")
	require.NoError(t, err)
	tracer := tp.Tracer("test")
	ctx := context.Background()

	for invocationNo := range 2 {
		ctx, root := tracer.Start(ctx, fmt.Sprintf("POST /api/orders #%d", invocationNo))
		_, child := tracer.Start(ctx, "DynamoDB.TransactWriteItems")
		child.End()
		root.End()
		assert.Empty(t, exp.GetSpans(), "nothing leaves before the flush")

		require.NoError(t, tp.ForceFlush(ctx))
		got := exp.GetSpans()
		assert.Equal(t, []string{"DynamoDB.TransactWriteItems", fmt.Sprintf("POST /api/orders #%d", invocationNo)}, names(got))
		assert.Equal(t, got[1].SpanContext.SpanID(), got[0].Parent.SpanID(), "the call is the request's child")
		assert.Equal(t, "orders", attr(got[0], "service.name"))
		exp.Reset()
	}
	require.NoError(t, tp.ForceFlush(ctx))
	assert.Empty(t, exp.GetSpans(), "a flush exports each span once")
}

func attr(s tracetest.SpanStub, key string) string {
	for _, kv := range s.Resource.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.AsString()
		}
	}
	return ""
}

// The sampling decision of the X-Ray trace header that Lambda passes on
// rules: a trace X-Ray did not sample exports nothing.
func TestParentDecidesSampling(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp, err := invocation.NewTracerProvider(exp, "orders")
	require.NoError(t, err)
	unsampled := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, Remote: true,
	})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), unsampled)
	_, span := tp.Tracer("test").Start(ctx, "POST /api/orders")
	span.End()
	require.NoError(t, tp.ForceFlush(ctx))
	assert.Empty(t, exp.GetSpans())
}

// Options given to NewTracerProvider replace its own: the xray exporter's
// sampler keeps no span without a parent, and the header's decision still
// rules the others.
func TestOptionsReplaceTheDefaults(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp, err := invocation.NewTracerProvider(exp, "orders", sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
	require.NoError(t, err)
	sampled := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled, Remote: true,
	})
	ctx := context.Background()
	_, root := tp.Tracer("test").Start(ctx, "no parent")
	root.End()
	_, child := tp.Tracer("test").Start(trace.ContextWithRemoteSpanContext(ctx, sampled), "under the header")
	child.End()
	require.NoError(t, tp.ForceFlush(ctx))
	assert.Equal(t, []string{"under the header"}, names(exp.GetSpans()))
}

// recordOnly records every span without sampling it, so that the
// processor, not the sampler, has to leave it out.
type recordOnly struct{}

func (recordOnly) ShouldSample(sdktrace.SamplingParameters) sdktrace.SamplingResult {
	return sdktrace.SamplingResult{Decision: sdktrace.RecordOnly}
}

func (recordOnly) Description() string { return "RecordOnly" }

// A span recorded but not sampled is not exported.
func TestOnlySampledSpansLeave(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(recordOnly{}),
		sdktrace.WithSpanProcessor(invocation.NewSpanProcessor(exp)))
	_, span := tp.Tracer("test").Start(context.Background(), "POST /api/orders")
	require.True(t, span.IsRecording())
	span.End()
	require.NoError(t, tp.ForceFlush(context.Background()))
	assert.Empty(t, exp.GetSpans())
}

// Past MaxSpans between two flushes, spans are dropped, and the flush
// says how many; memory stays bounded.
func TestBoundedBetweenFlushes(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp, err := invocation.NewTracerProvider(exp, "orders")
	require.NoError(t, err)
	var reported []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { reported = append(reported, err) }))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	tracer := tp.Tracer("test")
	for range invocation.MaxSpans + 3 {
		_, s := tracer.Start(context.Background(), "span")
		s.End()
	}
	require.NoError(t, tp.ForceFlush(context.Background()))
	assert.Len(t, exp.GetSpans(), invocation.MaxSpans)
	require.Len(t, reported, 1)
	assert.ErrorContains(t, reported[0], "dropped 3 spans")
}

// Spans may end on several goroutines at once (the race detector checks).
func TestConcurrentSpans(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp, err := invocation.NewTracerProvider(exp, "orders")
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				_, s := tp.Tracer("test").Start(context.Background(), "span")
				s.End()
			}
		})
	}
	wg.Wait()
	require.NoError(t, tp.ForceFlush(context.Background()))
	assert.Len(t, exp.GetSpans(), 400)
}

// failing is an exporter that fails, and counts its shutdowns.
type failing struct{ shutdowns int }

func (f *failing) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error {
	return errors.New("collector unreachable")
}

func (f *failing) Shutdown(context.Context) error {
	f.shutdowns++
	return nil
}

// An export that fails says how many spans it lost; Shutdown flushes and
// shuts the exporter down, once.
func TestExportFailureAndShutdown(t *testing.T) {
	t.Parallel()
	exp := &failing{}
	p, tp := withProcessor(exp)
	_, s := tp.Tracer("test").Start(context.Background(), "span")
	s.End()
	require.ErrorContains(t, p.Shutdown(context.Background()), "tracing: export 1 spans: collector unreachable")
	require.NoError(t, p.Shutdown(context.Background()))
	assert.Equal(t, 1, exp.shutdowns)
}

// After Shutdown, ended spans are ignored and a flush exports nothing.
func TestAfterShutdown(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	p, tp := withProcessor(exp)
	_, s := tp.Tracer("test").Start(context.Background(), "late")
	require.NoError(t, p.Shutdown(context.Background()))
	exp.Reset()
	s.End()
	require.NoError(t, p.ForceFlush(context.Background()))
	assert.Empty(t, exp.GetSpans())
}

// A flush whose context is already done exports nothing and keeps the
// spans for the next flush.
func TestFlushWithADoneContext(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	p, tp := withProcessor(exp)
	_, s := tp.Tracer("test").Start(context.Background(), "span")
	s.End()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, p.ForceFlush(ctx), context.Canceled)
	assert.Empty(t, exp.GetSpans())
	require.NoError(t, p.ForceFlush(context.Background()))
	assert.Len(t, exp.GetSpans(), 1)
}

// withProcessor is a tracer provider whose processor exports to exp.
func withProcessor(exp sdktrace.SpanExporter) (*invocation.SpanProcessor, *sdktrace.TracerProvider) {
	p := invocation.NewSpanProcessor(exp)
	return p, sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p))
}

// serial is an exporter that notices exports running at once.
type serial struct {
	inFlight, most atomic.Int32
	spans          atomic.Int32
}

func (e *serial) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	n := e.inFlight.Add(1)
	defer e.inFlight.Add(-1)
	for {
		most := e.most.Load()
		if n <= most || e.most.CompareAndSwap(most, n) {
			break
		}
	}
	time.Sleep(time.Millisecond)
	e.spans.Add(int32(len(spans))) //nolint:gosec // A handful of spans.
	return nil
}

func (*serial) Shutdown(context.Context) error { return nil }

// Flushes that overlap export one at a time, as exporters expect, and
// every span leaves once.
func TestOverlappingFlushesExportOneAtATime(t *testing.T) {
	t.Parallel()
	exp := &serial{}
	p, tp := withProcessor(exp)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, s := tp.Tracer("test").Start(context.Background(), "span")
			s.End()
			assert.NoError(t, p.ForceFlush(context.Background()))
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), exp.most.Load())
	assert.Equal(t, int32(8), exp.spans.Load())
}
