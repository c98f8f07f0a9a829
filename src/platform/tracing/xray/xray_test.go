package xray_test

import (
	"context"
	"encoding/json"
	"math"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-sam-blueprint/orders/src/platform/tracing/xray"
)

const (
	traceHex  = "5759e988bd862e3fe1be46a994272793"
	xrayTrace = "1-5759e988-bd862e3fe1be46a994272793"
	parentHex = "53995c3f42cd8ad8"
	spanHex   = "0102030405060708"
)

var start = time.Date(2026, 11, 26, 12, 0, 0, 123456789, time.UTC)

// stub is a sampled span under Lambda's Parent, 7.5 ms long.
func stub(name string, mutate ...func(*tracetest.SpanStub)) sdktrace.ReadOnlySpan {
	tid, _ := trace.TraceIDFromHex(traceHex)
	sid, _ := trace.SpanIDFromHex(spanHex)
	pid, _ := trace.SpanIDFromHex(parentHex)
	s := tracetest.SpanStub{
		Name:        name,
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}),
		Parent:      trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: pid, TraceFlags: trace.FlagsSampled, Remote: true}),
		StartTime:   start,
		EndTime:     start.Add(7500 * time.Microsecond),
	}
	for _, m := range mutate {
		m(&s)
	}
	return s.Snapshot()
}

func withAttrs(kvs ...attribute.KeyValue) func(*tracetest.SpanStub) {
	return func(s *tracetest.SpanStub) { s.Attributes = append(s.Attributes, kvs...) }
}

func failedWith(description string) func(*tracetest.SpanStub) {
	return func(s *tracetest.SpanStub) { s.Status = sdktrace.Status{Code: codes.Error, Description: description} }
}

// daemon is a UDP socket in the X-Ray daemon's place, and an exporter to it.
func daemon(t *testing.T) (net.PacketConn, *xray.Exporter) {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	exp, err := xray.New(context.Background(), conn.LocalAddr().String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = exp.Shutdown(context.Background()) })
	return conn, exp
}

// read returns the next datagram's document, raw, and checks its header.
func read(t *testing.T, conn net.PacketConn) []byte {
	t.Helper()
	buf := make([]byte, 1<<17)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	n, _, err := conn.ReadFrom(buf)
	require.NoError(t, err)
	require.LessOrEqual(t, n, xray.MaxDatagram)
	body, ok := strings.CutPrefix(string(buf[:n]), `{"format": "json", "version": 1}`+"\n")
	require.True(t, ok, "the daemon's header: %q", buf[:min(n, 40)])
	return []byte(body)
}

func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(body, &doc))
	return doc
}

var exceptionID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// Each kind of span becomes the subsegment X-Ray expects of it.
func TestDocuments(t *testing.T) {
	t.Parallel()
	common := `"type":"subsegment","id":"` + spanHex + `","trace_id":"` + xrayTrace + `","parent_id":"` + parentHex +
		`","start_time":1795694400.123456,"end_time":1795694400.130956`
	tests := []struct {
		name string
		span sdktrace.ReadOnlySpan
		want string // without the cause's exception id
	}{
		{
			name: "use case",
			span: stub("orders.Create"),
			want: `{` + common + `,"name":"orders.Create"}`,
		},
		{
			name: "invocation: the handler, annotated",
			span: stub("GET /api/orders/{orderId}", func(s *tracetest.SpanStub) { s.SpanKind = trace.SpanKindServer },
				withAttrs(attribute.Bool("xray.annotation.ColdStart", true), attribute.String("xray.annotation.Service", "orders"))),
			want: `{` + common + `,"name":"## GET /api/orders/:orderId","annotations":{"ColdStart":true,"Service":"orders"}}`,
		},
		{
			name: "AWS call",
			span: stub("DynamoDB.TransactWriteItems", func(s *tracetest.SpanStub) { s.SpanKind = trace.SpanKindClient },
				withAttrs(attribute.String("rpc.system", "aws-api"), attribute.String("rpc.service", "DynamoDB"),
					attribute.String("rpc.method", "TransactWriteItems"), attribute.String("cloud.region", "eu-west-1"),
					attribute.StringSlice("aws.dynamodb.table_names", []string{"orders", "idempotency"}),
					attribute.String("aws.request_id", "REQ"), attribute.Int("aws.retries", 1),
					attribute.Int("http.response.status_code", 200))),
			want: `{` + common + `,"name":"DynamoDB","namespace":"aws","aws":{"operation":"TransactWriteItems","region":"eu-west-1",` +
				`"request_id":"REQ","retries":1,"table_names":["orders","idempotency"]},"http":{"response":{"status":200}}}`,
		},
		{
			name: "AWS call on one table",
			span: stub("DynamoDB.GetItem", withAttrs(attribute.String("rpc.system", "aws-api"), attribute.String("rpc.service", "DynamoDB"),
				attribute.String("rpc.method", "GetItem"), attribute.StringSlice("aws.dynamodb.table_names", []string{"orders"}))),
			want: `{` + common + `,"name":"DynamoDB","namespace":"aws","aws":{"operation":"GetItem","table_name":"orders"}}`,
		},
		{
			name: "AWS call rejected: a client error",
			span: stub("DynamoDB.GetItem", failedWith("ResourceNotFoundException: table orders of customer Ada"),
				withAttrs(attribute.String("rpc.system", "aws-api"), attribute.String("rpc.service", "DynamoDB"),
					attribute.String("rpc.method", "GetItem"), attribute.Int("http.response.status_code", 400),
					attribute.String("error.type", "ResourceNotFoundException"))),
			want: `{` + common + `,"name":"DynamoDB","namespace":"aws","error":true,"cause":{"exceptions":[{"type":"ResourceNotFoundException",` +
				`"message":"DynamoDB GetItem failed with HTTP 400"}]},"aws":{"operation":"GetItem"},"http":{"response":{"status":400}}}`,
		},
		{
			name: "AWS call throttled: 400 and the throttle mark",
			span: stub("DynamoDB.PutItem", failedWith("ThrottlingException"),
				withAttrs(attribute.String("rpc.system", "aws-api"), attribute.String("rpc.service", "DynamoDB"),
					attribute.String("rpc.method", "PutItem"), attribute.Int("http.response.status_code", 400),
					attribute.String("error.type", "ThrottlingException"), attribute.Bool("xray.throttle", true))),
			want: `{` + common + `,"name":"DynamoDB","namespace":"aws","error":true,"throttle":true,"cause":{"exceptions":[{"type":"ThrottlingException",` +
				`"message":"DynamoDB PutItem failed with HTTP 400"}]},"aws":{"operation":"PutItem"},"http":{"response":{"status":400}}}`,
		},
		{
			name: "429",
			span: stub("call", failedWith("too many"), withAttrs(attribute.Int("http.response.status_code", 429))),
			want: `{` + common + `,"name":"call","error":true,"throttle":true,"cause":{"exceptions":[{"type":"error",` +
				`"message":"call failed with HTTP 429"}]},"http":{"response":{"status":429}}}`,
		},
		{
			name: "AWS call failed: a fault",
			span: stub("DynamoDB.PutItem", failedWith("InternalServerError"),
				withAttrs(attribute.String("rpc.system", "aws-api"), attribute.String("rpc.service", "DynamoDB"),
					attribute.String("rpc.method", "PutItem"), attribute.Int("http.response.status_code", 500),
					attribute.String("error.type", "InternalServerError"))),
			want: `{` + common + `,"name":"DynamoDB","namespace":"aws","fault":true,"cause":{"exceptions":[{"type":"InternalServerError",` +
				`"message":"DynamoDB PutItem failed with HTTP 500"}]},"aws":{"operation":"PutItem"},"http":{"response":{"status":500}}}`,
		},
		{
			name: "use case failed: a fault, without the error's words",
			span: stub("orders.Create", failedWith("create order: customer Ada is blocked"), withAttrs(attribute.String("error.type", "*orders.InvalidError"))),
			want: `{` + common + `,"name":"orders.Create","fault":true,"cause":{"exceptions":[{"type":"*orders.InvalidError","message":"orders.Create failed"}]}}`,
		},
		{
			name: "use case rejected the request: an error, not a fault",
			span: stub("orders.Get", failedWith("get order: not found"),
				withAttrs(attribute.String("error.type", "*errors.errorString"), attribute.Bool("xray.error", true))),
			want: `{` + common + `,"name":"orders.Get","error":true,"cause":{"exceptions":[{"type":"*errors.errorString","message":"orders.Get failed"}]}}`,
		},
		{
			name: "other attributes: metadata",
			span: stub("work", withAttrs(attribute.String("order.id", "o-1"), attribute.Float64("ratio", math.NaN()),
				attribute.Float64Slice("rates", []float64{1.5, math.Inf(1)}), attribute.String("rpc.method", "not AWS"))),
			want: `{` + common + `,"name":"work","metadata":{"default":{"order.id":"o-1","rates":[1.5,"+Inf"],"ratio":"NaN"}}}`,
		},
		{
			name: "annotations X-Ray cannot index: sanitised, or metadata",
			span: stub("work", withAttrs(attribute.String("xray.annotation.order id", "o-1"), attribute.StringSlice("xray.annotation.tags", []string{"a"}),
				attribute.Float64("xray.annotation.nan", math.NaN()), attribute.Int("xray.annotation.n", 3),
				attribute.String("xray.annotation.long", strings.Repeat("é", 1001)))),
			want: `{` + common + `,"name":"work","annotations":{"long":"` + strings.Repeat("é", 1000) + `","n":3,"order_id":"o-1"},` +
				`"metadata":{"default":{"xray.annotation.nan":"NaN","xray.annotation.tags":["a"]}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn, exp := daemon(t)
			require.NoError(t, exp.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{tt.span}))
			got := decode(t, read(t, conn))
			if c, ok := got["cause"].(map[string]any); ok {
				exc := c["exceptions"].([]any)[0].(map[string]any)
				assert.Regexp(t, exceptionID, exc["id"])
				delete(exc, "id")
			}
			assert.Equal(t, decode(t, []byte(tt.want)), got)
		})
	}
}

// A time is epoch seconds to the microsecond, never in exponent form.
func TestTimes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 26, 12, 0, 0, 123456789, time.UTC), `"start_time":1795694400.123456`},
		{time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), `"start_time":1795694400.000000`},
		{time.Date(2026, 11, 26, 12, 0, 0, 1000, time.UTC), `"start_time":1795694400.000001`},
		{time.Unix(0, 0), `"start_time":0.000000`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			conn, exp := daemon(t)
			span := stub("work", func(s *tracetest.SpanStub) { s.StartTime, s.EndTime = tt.at, tt.at })
			require.NoError(t, exp.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{span}))
			assert.Contains(t, string(read(t, conn)), tt.want)
		})
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"orders.Create", "orders.Create"},
		{"GET /api/orders/{orderId}", "GET /api/orders/:orderId"},
		{"## POST /api/orders", "## POST /api/orders"},
		{"a<b>c\\d\"e'f*g", "a_b_c_d_e_f_g"},
		{"Grüße 注文 ٣ @=+%&#:-", "Grüße 注文 ٣ @=+%&#:-"},
		{"tab\there\nnewline", "tab_here_newline"},
		{"bad \xff utf-8", "bad _ utf-8"},
		{"", "_"},
		{"{}", ":"},
		{strings.Repeat("é", 250), strings.Repeat("é", 200)},
	}
	valid := regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/%&#=+\-@]{1,200}$`)
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got := xray.Name(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Regexp(t, valid, got)
		})
	}
}

// A document over the datagram's limit loses its metadata, never its
// place in the trace, and is never cut.
func TestBigDocumentsAreTrimmed(t *testing.T) {
	t.Parallel()
	conn, exp := daemon(t)
	big := stub("orders.Create", failedWith("boom"), withAttrs(attribute.String("payload", strings.Repeat("x", 70000)),
		attribute.Bool("xray.annotation.ColdStart", true), attribute.String("error.type", "*errors.errorString")))
	require.NoError(t, exp.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{big}))
	doc := decode(t, read(t, conn))
	assert.NotContains(t, doc, "metadata")
	assert.Equal(t, map[string]any{"ColdStart": true}, doc["annotations"])
	assert.Equal(t, true, doc["fault"])
	assert.Equal(t, spanHex, doc["id"])
}

// Past the metadata and the error's words, the AWS fields and the
// annotations go, and the document still does; the next span follows.
func TestHugeFieldsAreDropped(t *testing.T) {
	t.Parallel()
	conn, exp := daemon(t)
	huge := stub("work", withAttrs(attribute.String("rpc.system", "aws-api"), attribute.String("rpc.service", "DynamoDB"),
		attribute.String("aws.request_id", strings.Repeat("x", 70000)), attribute.Bool("xray.annotation.ColdStart", true)))
	require.NoError(t, exp.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{huge, stub("orders.Get")}))
	doc := decode(t, read(t, conn))
	assert.Equal(t, "DynamoDB", doc["name"])
	assert.NotContains(t, doc, "aws")
	assert.NotContains(t, doc, "annotations")
	assert.Equal(t, "orders.Get", decode(t, read(t, conn))["name"])
}

// Only sampled spans with a parent leave: Sampled=0 means nothing is
// sent, and a span without Lambda's Parent has nowhere to go.
func TestWhatIsNotSent(t *testing.T) {
	t.Parallel()
	conn, exp := daemon(t)
	unsampled := stub("unsampled", func(s *tracetest.SpanStub) {
		s.SpanContext = s.SpanContext.WithTraceFlags(0)
	})
	orphan := stub("orphan", func(s *tracetest.SpanStub) { s.Parent = trace.SpanContext{} })
	err := exp.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{unsampled, orphan, stub("sent")})
	require.ErrorContains(t, err, `1 of 3 spans not sent: span "orphan" has no parent`)
	assert.Equal(t, "sent", decode(t, read(t, conn))["name"], "the first datagram")
}

// A span that cannot be written is reported, for the caller to log; after
// Shutdown nothing is sent.
func TestWriteErrorsAreReturned(t *testing.T) {
	t.Parallel()
	_, exp := daemon(t)
	require.NoError(t, exp.Shutdown(context.Background()))
	require.NoError(t, exp.Shutdown(context.Background()), "twice is fine")
	err := exp.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{stub("a"), stub("b")})
	require.ErrorContains(t, err, `xray: 2 of 2 spans not sent: send span "a"`)
	require.ErrorIs(t, err, net.ErrClosed)
}

func TestExportStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	_, exp := daemon(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := exp.ExportSpans(ctx, []sdktrace.ReadOnlySpan{stub("a")})
	require.ErrorIs(t, err, context.Canceled)
}

func TestNewRejectsABadAddress(t *testing.T) {
	t.Parallel()
	_, err := xray.New(context.Background(), "nowhere")
	require.ErrorContains(t, err, `xray: daemon address "nowhere"`)
}
