// Package xray exports OpenTelemetry spans to AWS X-Ray without the X-Ray
// SDK (in maintenance mode since February 2026) and without a collector
// layer: each ended, sampled span becomes one independent subsegment
// document, sent in one UDP datagram to the X-Ray daemon that Lambda runs
// beside every function with active tracing (AWS_XRAY_DAEMON_ADDRESS).
//
// The documents join the trace Lambda started: trace_id is the span's
// trace id in X-Ray's form, parent_id its parent span's id, so the
// invocation's span hangs off the Parent of Lambda's trace header and every
// other span off its own parent. X-Ray assembles the tree from parent_id,
// so a child may arrive before its parent, and nothing is held back to
// nest it. The format is that of the X-Ray developer guide,
// https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html
// and https://docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html.
package xray

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Header starts every datagram, as the X-Ray SDKs write it: the daemon
// drops a datagram whose first line is not this JSON.
const Header = `{"format": "json", "version": 1}` + "\n"

// MaxDatagram is the most bytes one datagram carries, header included: the
// largest UDP payload over IPv4 (65,507 bytes), which is also within the
// daemon's 64 KiB receive buffer. A larger document is trimmed, never cut.
const MaxDatagram = 65507

// The span attributes the exporter maps to X-Ray's fields. The AWS and
// HTTP ones are OpenTelemetry's semantic conventions, so an OTLP backend
// reads them too; the others are X-Ray's alone. Attributes not listed go
// to the document's metadata, in the "default" namespace.
const (
	// AnnotationPrefix marks an attribute as an X-Ray annotation, indexed
	// for filter expressions: xray.annotation.ColdStart becomes the
	// annotation ColdStart. Its value must be a bool, a number or a string.
	AnnotationPrefix = "xray.annotation."

	// KeyRPCSystem is "aws-api" on the span of an AWS SDK call: its
	// subsegment is named after the service, in the "aws" namespace.
	KeyRPCSystem attribute.Key = "rpc.system"
	// KeyRPCService is the AWS service called ("DynamoDB").
	KeyRPCService attribute.Key = "rpc.service"
	// KeyRPCMethod is the operation called ("PutItem"): aws.operation.
	KeyRPCMethod attribute.Key = "rpc.method"
	// KeyRegion is the region called: aws.region.
	KeyRegion attribute.Key = "cloud.region"
	// KeyRequestID is AWS's id of the request: aws.request_id.
	KeyRequestID attribute.Key = "aws.request_id"
	// KeyTableNames are the DynamoDB tables the call names: aws.table_name
	// for one, aws.table_names for several.
	KeyTableNames attribute.Key = "aws.dynamodb.table_names"
	// KeyRetries is how many times the SDK retried the call: aws.retries.
	KeyRetries attribute.Key = "aws.retries"
	// KeyHTTPStatus is the HTTP status of the call's answer:
	// http.response.status, and 4xx, 429 and 5xx set error, throttle and
	// fault.
	KeyHTTPStatus attribute.Key = "http.response.status_code"
	// KeyErrorType names the class of a failed span's error (an AWS error
	// code, a Go type): the type of its cause's exception.
	KeyErrorType attribute.Key = "error.type"
	// KeyThrottle marks a failed call that the service throttled, although
	// its status is not 429 (DynamoDB answers 400 ThrottlingException).
	KeyThrottle attribute.Key = "xray.throttle"
	// KeyClientError marks a failed span whose failure is the caller's (a
	// request that breaks the rules, an unknown id): an X-Ray error, not a
	// fault, so that the service map's fault rate counts only the
	// service's own failures.
	KeyClientError attribute.Key = "xray.error"
)

// Exporter sends spans to the X-Ray daemon, one datagram per span. Writing
// a UDP datagram is synchronous, so a span has left when ExportSpans
// returns, before Lambda freezes the process.
type Exporter struct {
	conn     net.Conn
	shutdown sync.Once
	closeErr error
}

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// New returns an exporter to the daemon at address (host:port). No packet
// is sent yet; a daemon that is not there shows in ExportSpans' error.
func New(ctx context.Context, address string) (*Exporter, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", address)
	if err != nil {
		return nil, fmt.Errorf("xray: daemon address %q: %w", address, err)
	}
	return &Exporter{conn: conn}, nil
}

// ExportSpans sends each sampled span as a subsegment document. It sends
// every span it can and reports those it could not; an unsampled span is
// never sent (Lambda's trace header said Sampled=0). The caller logs the
// error: a trace is never worth failing a request.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	var (
		first  error
		failed int
	)
	for i, s := range spans {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("xray: %d of %d spans not sent: %w", len(spans)-i+failed, len(spans), err)
		}
		if !s.SpanContext().IsSampled() {
			continue
		}
		if err := e.send(s); err != nil {
			failed++
			if first == nil {
				first = err
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("xray: %d of %d spans not sent: %w", failed, len(spans), first)
	}
	return nil
}

func (e *Exporter) send(s sdktrace.ReadOnlySpan) error {
	datagram, err := encode(s)
	if err != nil {
		return err
	}
	if _, err := e.conn.Write(datagram); err != nil {
		return fmt.Errorf("send span %q: %w", s.Name(), err)
	}
	return nil
}

// Shutdown closes the socket; spans exported later are not sent.
func (e *Exporter) Shutdown(context.Context) error {
	e.shutdown.Do(func() {
		if err := e.conn.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			e.closeErr = fmt.Errorf("xray: close: %w", err)
		}
	})
	return e.closeErr
}
