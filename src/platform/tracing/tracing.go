// Package tracing creates OpenTelemetry spans for the service's own work
// (the invocation, use cases, DynamoDB calls), parented on the X-Ray trace
// that API Gateway and Lambda's Active tracing start. OpenTelemetry's API
// is the instrumentation API; AWS's X-Ray SDKs are in maintenance mode and
// reach end of support in 2027.
//
// Setup installs where spans go. "xray" (what template.yaml deploys) sends
// each span as an X-Ray subsegment to the daemon Lambda runs beside the
// function (package xray), so X-Ray shows the handler, its use cases and
// its DynamoDB calls under Lambda's own segment, with no extra layer.
// "none" keeps OpenTelemetry's no-op tracer: a span costs a few nanoseconds
// and nothing leaves the process. "otlp" sends spans over OTLP/HTTP, in a
// bootstrap built with the otlp tag.
package tracing

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-sam-blueprint/orders/src/platform/tracing/invocation"
	"github.com/go-sam-blueprint/orders/src/platform/tracing/xray"
)

// instrumentation names this service's tracer.
const instrumentation = "github.com/go-sam-blueprint/orders"

// Start starts a span for a unit of the service's work.
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return otel.Tracer(instrumentation).Start(ctx, name, trace.WithAttributes(attrs...))
}

// StartInvocation starts the span of one invocation of the function: a
// server span, which X-Ray shows as the handler's subsegment, "## " and
// its name, as Powertools for AWS Lambda names it.
func StartInvocation(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return otel.Tracer(instrumentation).Start(ctx, name,
		trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
}

// AnnotationKey is the attribute key of the X-Ray annotation name (letters,
// digits and underscores): X-Ray indexes annotations for filter
// expressions, such as annotation.ColdStart = true.
func AnnotationKey(name string) attribute.Key {
	return attribute.Key(xray.AnnotationPrefix + name)
}

// End ends span, marking it failed when err is not nil. Besides the
// error's text (for OTLP backends), it records the error's class, which is
// all X-Ray is told: the text may carry customer data.
func End(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		span.SetAttributes(xray.KeyErrorType.String(errorType(err)))
	}
	span.End()
}

// Reject ends span as End does, for a failure that is the caller's (a
// request that breaks the rules, an unknown id): X-Ray shows it as an
// error, not as a fault of the service.
func Reject(span trace.Span, err error) {
	if err != nil {
		span.SetAttributes(xray.KeyClientError.Bool(true))
	}
	End(span, err)
}

// Answered records the HTTP status a span's request was answered with:
// X-Ray marks a 4xx an error, a 429 a throttle and a 5xx a fault.
func Answered(span trace.Span, status int) {
	span.SetAttributes(xray.KeyHTTPStatus.Int(status))
}

// errorType names the class of err: an AWS error code
// ("ConditionalCheckFailedException"), a context's end, else the Go type of
// the error at the bottom of the chain ("*orders.InvalidError").
func errorType(err error) string {
	if apiErr, ok := errors.AsType[smithy.APIError](err); ok && apiErr.ErrorCode() != "" {
		return apiErr.ErrorCode()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "context.DeadlineExceeded"
	case errors.Is(err, context.Canceled):
		return "context.Canceled"
	}
	for {
		var next error
		switch e := err.(type) { //nolint:errorlint // Walks the chain itself, to its bottom.
		case interface{ Unwrap() error }:
			next = e.Unwrap()
		case interface{ Unwrap() []error }:
			if errs := e.Unwrap(); len(errs) > 0 {
				next = errs[len(errs)-1]
			}
		}
		if next == nil {
			return fmt.Sprintf("%T", err)
		}
		err = next
	}
}

// Options says where spans go.
type Options struct {
	// Exporter is "none", "xray" or "otlp".
	Exporter string
	// Service names the function's service.
	Service string
	// DaemonAddress is the X-Ray daemon's UDP address, host:port, for
	// "xray": AWS_XRAY_DAEMON_ADDRESS in Lambda.
	DaemonAddress string
}

// Setup installs the global tracer provider for o.Exporter. It returns
// flush, to call at the end of every invocation (a frozen Lambda sends
// nothing), and shutdown. "none" installs nothing.
//
// The OTLP exporter would add about 2.5 MB to the bootstrap, so it is
// compiled in only with the otlp build tag (make build TAGS=otlp); without
// it, "otlp" fails start-up and says so.
func Setup(ctx context.Context, o Options) (flush, shutdown func(context.Context) error, err error) {
	switch o.Exporter {
	case "none":
		noop := func(context.Context) error { return nil }
		return noop, noop, nil
	case "xray":
		return setupXRay(ctx, o)
	case "otlp":
		return setupOTLP(ctx, o.Service)
	}
	return nil, nil, fmt.Errorf("tracing: unknown exporter %q", o.Exporter)
}

// setupXRay exports to the X-Ray daemon. A span with no parent from
// Lambda's trace header is not sampled: X-Ray could not place it, as only
// Lambda may write the function's segment.
func setupXRay(ctx context.Context, o Options) (flush, shutdown func(context.Context) error, err error) {
	if o.DaemonAddress == "" {
		return nil, nil, errors.New("tracing: TRACING_EXPORTER=xray needs the X-Ray daemon's address, AWS_XRAY_DAEMON_ADDRESS " +
			"(Lambda sets it for a function with Tracing: Active)")
	}
	exp, err := xray.New(ctx, o.DaemonAddress)
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: %w", err)
	}
	tp, err := invocation.NewTracerProvider(exp, o.Service,
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
	if err != nil {
		return nil, nil, err
	}
	otel.SetTracerProvider(tp)
	return tp.ForceFlush, tp.Shutdown, nil
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
