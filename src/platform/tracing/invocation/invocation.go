// Package invocation exports a Lambda function's spans at the end of each
// invocation, and only then.
//
// Lambda freezes the process between invocations, so spans must leave
// before the function answers. The SDK's batch span processor does that
// on ForceFlush too, but it also hands every span to a background
// goroutine and exports on a timer: timed as make bench times the handler,
// that cost about 40 µs more per create than this processor, and a timed
// export can be cut off by the freeze. SpanProcessor keeps the spans in
// memory until the flush that ends each invocation.
package invocation

import (
	"context"
	"fmt"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// MaxSpans bounds the spans held between two flushes; later ones are
// dropped, and the next flush reports how many.
const MaxSpans = 2048

// SpanProcessor holds ended spans until ForceFlush exports them.
type SpanProcessor struct {
	exporter sdktrace.SpanExporter
	// exporting makes exports one at a time, as exporters expect: several
	// requests of the local runner may flush at once.
	exporting sync.Mutex
	shutdown  sync.Once

	mu      sync.Mutex
	spans   []sdktrace.ReadOnlySpan
	dropped int
	stopped bool
}

var _ sdktrace.SpanProcessor = (*SpanProcessor)(nil)

// NewSpanProcessor returns a processor that exports to exporter.
func NewSpanProcessor(exporter sdktrace.SpanExporter) *SpanProcessor {
	return &SpanProcessor{exporter: exporter}
}

// OnStart does nothing: only ended spans are exported.
func (*SpanProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd keeps a sampled span for the next flush.
func (p *SpanProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.stopped:
	case len(p.spans) >= MaxSpans:
		p.dropped++
	default:
		p.spans = append(p.spans, s)
	}
}

// ForceFlush exports the spans held, in the order they ended. When ctx is
// already done it exports nothing and keeps them for the next flush.
func (p *SpanProcessor) ForceFlush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("tracing: flush: %w", err)
	}
	p.exporting.Lock()
	defer p.exporting.Unlock()
	p.mu.Lock()
	spans, dropped := p.spans, p.dropped
	p.spans, p.dropped = nil, 0
	p.mu.Unlock()
	if dropped > 0 {
		otel.Handle(fmt.Errorf("tracing: dropped %d spans over the %d held between flushes", dropped, MaxSpans))
	}
	if len(spans) == 0 {
		return nil
	}
	if err := p.exporter.ExportSpans(ctx, spans); err != nil {
		return fmt.Errorf("tracing: export %d spans: %w", len(spans), err)
	}
	return nil
}

// Shutdown flushes, then shuts the exporter down; spans that end after it
// are ignored, and so are later calls.
func (p *SpanProcessor) Shutdown(ctx context.Context) error {
	var err error
	p.shutdown.Do(func() {
		err = p.ForceFlush(ctx)
		p.mu.Lock()
		p.stopped = true
		p.mu.Unlock()
		if serr := p.exporter.Shutdown(ctx); serr != nil && err == nil {
			err = fmt.Errorf("tracing: shut the exporter down: %w", serr)
		}
	})
	return err
}

// NewTracerProvider returns the tracer provider of a function named
// service: every span sampled unless the X-Ray trace header that Lambda
// passes on says otherwise, and exported by a SpanProcessor. opts come
// last, so they may replace these (the xray exporter's sampler does not
// sample a span without a parent).
func NewTracerProvider(exporter sdktrace.SpanExporter, service string, opts ...sdktrace.TracerProviderOption) (*sdktrace.TracerProvider, error) {
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attribute.String("service.name", service)))
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	return sdktrace.NewTracerProvider(append([]sdktrace.TracerProviderOption{
		sdktrace.WithSpanProcessor(NewSpanProcessor(exporter)),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
	}, opts...)...), nil
}
