// Package tracing creates OpenTelemetry spans for the service's own work
// (use cases, DynamoDB calls), parented on the X-Ray trace that API Gateway
// and Lambda's Active tracing start. AWS's X-Ray SDKs reach end of support
// in 2027; OpenTelemetry is the way AWS points to.
//
// Exporting is off by default: the global tracer is then OpenTelemetry's
// no-op, so a span costs a few nanoseconds and nothing leaves the process.
// Setup("otlp") sends spans over OTLP/HTTP (to the ADOT collector, or any
// collector named by OTEL_EXPORTER_OTLP_ENDPOINT), in a bootstrap built
// with the otlp tag.
package tracing

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// instrumentation names this service's tracer.
const instrumentation = "github.com/go-sam-blueprint/orders"

// Start starts a span for a unit of the service's work.
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return otel.Tracer(instrumentation).Start(ctx, name, trace.WithAttributes(attrs...))
}

// End ends span, marking it failed when err is not nil.
func End(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// Setup installs the global tracer provider for exporter ("none" or
// "otlp"). It returns flush, to call at the end of every invocation (a
// frozen Lambda sends nothing), and shutdown.
//
// The OTLP exporter and the OpenTelemetry SDK double the size of the
// bootstrap, so they are compiled in only with the otlp build tag
// (make build TAGS=otlp); without it, "otlp" fails start-up and says so.
func Setup(ctx context.Context, exporter, service string) (flush, shutdown func(context.Context) error, err error) {
	switch exporter {
	case "none":
		noop := func(context.Context) error { return nil }
		return noop, noop, nil
	case "otlp":
		return setupOTLP(ctx, service)
	}
	return nil, nil, fmt.Errorf("tracing: unknown exporter %q", exporter)
}

// AWSMiddleware adds a client span around every AWS SDK call ("DynamoDB.PutItem");
// add it to a client's APIOptions when tracing is on.
func AWSMiddleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("OTelClientSpan",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			service, operation := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
			ctx, span := otel.Tracer(instrumentation).Start(ctx, service+"."+operation,
				trace.WithSpanKind(trace.SpanKindClient),
				trace.WithAttributes(
					attribute.String("rpc.system", "aws-api"),
					attribute.String("rpc.service", service),
					attribute.String("rpc.method", operation),
				))
			out, md, err := next.HandleInitialize(ctx, in)
			End(span, err)
			return out, md, err
		}), middleware.Before)
}

// XRayHeader returns the invocation's X-Ray trace header: the one Lambda
// passes in the context (its function segment), else the one API Gateway
// put in the request headers.
func XRayHeader(ctx context.Context, headers map[string]string) string {
	//nolint:staticcheck // aws-lambda-go stores the header under this string key.
	if h, ok := ctx.Value("x-amzn-trace-id").(string); ok && h != "" {
		return h
	}
	for k, v := range headers {
		if strings.EqualFold(k, "X-Amzn-Trace-Id") {
			return v
		}
	}
	return ""
}

// XRay is a parsed X-Ray trace header:
// Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1
type XRay struct {
	// Root is the X-Ray trace id, as X-Ray shows it.
	Root    string
	Parent  string
	Sampled bool
}

// ParseXRay reads a trace header; ok is false when it has no valid root.
func ParseXRay(header string) (x XRay, ok bool) {
	for part := range strings.SplitSeq(header, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			x.Root = v
		case "Parent":
			x.Parent = v
		case "Sampled":
			x.Sampled = v == "1"
		}
	}
	_, ok = x.traceID()
	return x, ok
}

// traceID converts an X-Ray root (1-{8 hex time}-{24 hex}) to the W3C trace
// id that OpenTelemetry uses: the same 32 hex digits.
func (x XRay) traceID() (trace.TraceID, bool) {
	var id trace.TraceID
	version, rest, ok := strings.Cut(x.Root, "-")
	if !ok || version != "1" || len(rest) != 33 || rest[8] != '-' {
		return id, false
	}
	raw, err := hex.DecodeString(rest[:8] + rest[9:])
	if err != nil {
		return id, false
	}
	copy(id[:], raw)
	return id, id.IsValid()
}

// ContextWithXRay returns ctx with the trace header's span as the remote
// parent of the spans started in it; ctx as it is when the header is not
// valid.
func ContextWithXRay(ctx context.Context, header string) context.Context {
	x, ok := ParseXRay(header)
	if !ok {
		return ctx
	}
	return x.Context(ctx)
}

// Context returns ctx with x's span as the remote parent of the spans
// started in it; ctx as it is when x has no valid root or parent.
func (x XRay) Context(ctx context.Context) context.Context {
	traceID, ok := x.traceID()
	if !ok {
		return ctx
	}
	var spanID trace.SpanID
	if raw, err := hex.DecodeString(x.Parent); err == nil && len(raw) == len(spanID) {
		copy(spanID[:], raw)
	}
	if !spanID.IsValid() {
		return ctx
	}
	var flags trace.TraceFlags
	if x.Sampled {
		flags = trace.FlagsSampled
	}
	return trace.ContextWithRemoteSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: traceID, SpanID: spanID, TraceFlags: flags, Remote: true,
	}))
}
