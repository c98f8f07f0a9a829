package tracing_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

const (
	validRoot   = "1-5759e988-bd862e3fe1be46a994272793"
	validTrace  = "5759e988bd862e3fe1be46a994272793"
	validParent = "53995c3f42cd8ad8"
)

func TestParseXRay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header string
		want   tracing.XRay
		ok     bool
	}{
		{
			name:   "root parent sampled",
			header: "Root=" + validRoot + ";Parent=" + validParent + ";Sampled=1",
			want:   tracing.XRay{Root: validRoot, Parent: validParent, Sampled: true},
			ok:     true,
		},
		{
			name:   "not sampled",
			header: "Root=" + validRoot + ";Parent=" + validParent + ";Sampled=0",
			want:   tracing.XRay{Root: validRoot, Parent: validParent},
			ok:     true,
		},
		{
			name:   "sampling undecided",
			header: "Root=" + validRoot + ";Parent=" + validParent + ";Sampled=?",
			want:   tracing.XRay{Root: validRoot, Parent: validParent},
			ok:     true,
		},
		{
			name:   "order does not matter, extra fields ignored",
			header: "Sampled=1;Lineage=a87bd80c:1|68fd508a:5;Parent=" + validParent + ";Self=1-5759e988-000000000000000000000001;Root=" + validRoot,
			want:   tracing.XRay{Root: validRoot, Parent: validParent, Sampled: true},
			ok:     true,
		},
		{
			name:   "root only",
			header: "Root=" + validRoot,
			want:   tracing.XRay{Root: validRoot},
			ok:     true,
		},
		{
			name:   "no sampled part",
			header: "Root=" + validRoot + ";Parent=" + validParent,
			want:   tracing.XRay{Root: validRoot, Parent: validParent},
			ok:     true,
		},
		{
			name:   "extra spaces around parts",
			header: "  Root=" + validRoot + " ;  Parent=" + validParent + " ; Sampled=1  ",
			want:   tracing.XRay{Root: validRoot, Parent: validParent, Sampled: true},
			ok:     true,
		},
		{
			name:   "trailing semicolon",
			header: "Root=" + validRoot + ";Parent=" + validParent + ";Sampled=1;",
			want:   tracing.XRay{Root: validRoot, Parent: validParent, Sampled: true},
			ok:     true,
		},
		{
			name:   "uppercase hex digits",
			header: "Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8;Sampled=1",
			want:   tracing.XRay{Root: "1-5759E988-BD862E3FE1BE46A994272793", Parent: "53995C3F42CD8AD8", Sampled: true},
			ok:     true,
		},
		{
			// Keys are case sensitive, as in AWS's own X-Ray propagator.
			name:   "lowercase keys",
			header: "root=" + validRoot + ";parent=" + validParent + ";sampled=1",
		},
		{
			name:   "missing root",
			header: "Parent=" + validParent + ";Sampled=1",
			want:   tracing.XRay{Parent: validParent, Sampled: true},
		},
		{name: "empty", header: ""},
		{name: "garbage", header: "garbage"},
		{name: "only separators", header: ";;=;"},
		{name: "root without value", header: "Root=;Parent=" + validParent, want: tracing.XRay{Parent: validParent}},
		{name: "wrong version", header: "Root=2-5759e988-bd862e3fe1be46a994272793", want: tracing.XRay{Root: "2-5759e988-bd862e3fe1be46a994272793"}},
		{name: "no version", header: "Root=5759e988-bd862e3fe1be46a994272793", want: tracing.XRay{Root: "5759e988-bd862e3fe1be46a994272793"}},
		{name: "W3C form, no dashes", header: "Root=1-5759e988bd862e3fe1be46a994272793", want: tracing.XRay{Root: "1-5759e988bd862e3fe1be46a994272793"}},
		{name: "time too short", header: "Root=1-5759e98-bd862e3fe1be46a9942727930", want: tracing.XRay{Root: "1-5759e98-bd862e3fe1be46a9942727930"}},
		{name: "id too short", header: "Root=1-5759e988-bd862e3fe1be46a99427279", want: tracing.XRay{Root: "1-5759e988-bd862e3fe1be46a99427279"}},
		{name: "id too long", header: "Root=1-5759e988-bd862e3fe1be46a9942727930", want: tracing.XRay{Root: "1-5759e988-bd862e3fe1be46a9942727930"}},
		{name: "not hex", header: "Root=1-5759e98g-bd862e3fe1be46a994272793", want: tracing.XRay{Root: "1-5759e98g-bd862e3fe1be46a994272793"}},
		{name: "all zero", header: "Root=1-00000000-000000000000000000000000", want: tracing.XRay{Root: "1-00000000-000000000000000000000000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tracing.ParseXRay(tt.header)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestContextWithXRayInvalid(t *testing.T) {
	t.Parallel()
	type key struct{}
	tests := []struct{ name, header string }{
		{"empty", ""},
		{"garbage", "garbage"},
		{"bad root", "Root=1-5759e988-nothex;Parent=" + validParent + ";Sampled=1"},
		{"no parent", "Root=" + validRoot + ";Sampled=1"},
		{"parent too short", "Root=" + validRoot + ";Parent=53995c3f42cd8a;Sampled=1"},
		{"parent too long", "Root=" + validRoot + ";Parent=53995c3f42cd8ad8ff;Sampled=1"},
		{"parent not hex", "Root=" + validRoot + ";Parent=53995c3f42cd8adz;Sampled=1"},
		{"parent zero", "Root=" + validRoot + ";Parent=0000000000000000;Sampled=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.WithValue(context.Background(), key{}, "v")
			got := tracing.ContextWithXRay(ctx, tt.header)
			assert.Equal(t, ctx, got, "context changed")
			assert.False(t, trace.SpanContextFromContext(got).IsValid(), "remote span context set")
		})
	}
}

func TestXRayHeader(t *testing.T) {
	t.Parallel()
	const fromLambda, fromGateway = "Root=1-lambda", "Root=1-gateway"
	lambdaCtx := func(v any) context.Context {
		//nolint:staticcheck // aws-lambda-go stores the header under this string key.
		return context.WithValue(context.Background(), "x-amzn-trace-id", v) //nolint:revive,staticcheck // The string key is aws-lambda-go's.
	}
	tests := []struct {
		name    string
		ctx     context.Context
		headers map[string]string
		want    string
	}{
		{"context wins over header", lambdaCtx(fromLambda), map[string]string{"X-Amzn-Trace-Id": fromGateway}, fromLambda},
		{"context only", lambdaCtx(fromLambda), nil, fromLambda},
		{"empty context value falls back", lambdaCtx(""), map[string]string{"X-Amzn-Trace-Id": fromGateway}, fromGateway},
		{"non-string context value falls back", lambdaCtx(42), map[string]string{"X-Amzn-Trace-Id": fromGateway}, fromGateway},
		{"canonical header", context.Background(), map[string]string{"X-Amzn-Trace-Id": fromGateway}, fromGateway},
		{"lowercase header", context.Background(), map[string]string{"x-amzn-trace-id": fromGateway}, fromGateway},
		{"uppercase header", context.Background(), map[string]string{"X-AMZN-TRACE-ID": fromGateway}, fromGateway},
		{"among other headers", context.Background(), map[string]string{"Content-Type": "application/json", "x-AmZn-TrAcE-iD": fromGateway, "Accept": "*/*"}, fromGateway},
		{"other headers only", context.Background(), map[string]string{"Content-Type": "application/json", "X-Amzn-Trace": "nope"}, ""},
		{"nil headers", context.Background(), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tracing.XRayHeader(tt.ctx, tt.headers))
		})
	}
}

func TestSetup(t *testing.T) {
	t.Parallel()
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		flush, shutdown, err := tracing.Setup(context.Background(), tracing.Options{Exporter: "none", Service: "orders"})
		require.NoError(t, err)
		require.NotNil(t, flush)
		require.NotNil(t, shutdown)
		assert.NoError(t, flush(context.Background()))
		assert.NoError(t, shutdown(context.Background()))
	})
	for _, exporter := range []string{"bogus", "", "OTLP", "None", "XRay"} {
		t.Run("unknown "+exporter, func(t *testing.T) {
			t.Parallel()
			flush, shutdown, err := tracing.Setup(context.Background(), tracing.Options{Exporter: exporter, Service: "orders"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "unknown exporter")
			assert.Nil(t, flush)
			assert.Nil(t, shutdown)
		})
	}
	t.Run("xray without a daemon address", func(t *testing.T) {
		t.Parallel()
		flush, shutdown, err := tracing.Setup(context.Background(), tracing.Options{Exporter: "xray", Service: "orders"})
		require.ErrorContains(t, err, "AWS_XRAY_DAEMON_ADDRESS")
		assert.Nil(t, flush)
		assert.Nil(t, shutdown)
	})
	t.Run("xray with a bad daemon address", func(t *testing.T) {
		t.Parallel()
		_, _, err := tracing.Setup(context.Background(), tracing.Options{Exporter: "xray", Service: "orders", DaemonAddress: "no port"})
		require.ErrorContains(t, err, "daemon address")
	})
}

// useRecorder installs a global tracer provider that records spans and
// restores the previous one when t ends. Only the sequential subtests of
// TestGlobalProvider call it.
func useRecorder(t *testing.T) *tracetest.SpanRecorder {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(rec),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
	)
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() {
		otel.SetTracerProvider(prev)
		_ = tp.Shutdown(context.Background())
	})
	return rec
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

func onlyEnded(t *testing.T, rec *tracetest.SpanRecorder) sdktrace.ReadOnlySpan {
	t.Helper()
	ended := rec.Ended()
	require.Len(t, ended, 1)
	return ended[0]
}

// TestGlobalProvider holds every test that sets the global tracer provider
// (tracing.Start and AWSMiddleware use it). Its subtests run one at a
// time, and it is not parallel, so no other test runs alongside it.
func TestGlobalProvider(t *testing.T) {
	t.Run("ContextWithXRay sampled", func(t *testing.T) {
		rec := useRecorder(t)
		ctx := tracing.ContextWithXRay(context.Background(),
			"Root="+validRoot+";Parent="+validParent+";Sampled=1")
		remote := trace.SpanContextFromContext(ctx)
		require.True(t, remote.IsValid())
		assert.True(t, remote.IsRemote())

		_, span := tracing.Start(ctx, "use case", attribute.String("order.id", "o-1"))
		sc := span.SpanContext()
		tracing.End(span, nil)

		assert.Equal(t, validTrace, sc.TraceID().String())
		assert.True(t, sc.IsSampled())
		assert.NotEqual(t, validParent, sc.SpanID().String())

		got := onlyEnded(t, rec)
		assert.Equal(t, "use case", got.Name())
		assert.Equal(t, validTrace, got.SpanContext().TraceID().String())
		assert.Equal(t, validParent, got.Parent().SpanID().String())
		assert.True(t, got.Parent().IsRemote())
		assert.Equal(t, "o-1", attrs(got)["order.id"].AsString())
	})

	t.Run("ContextWithXRay uppercase hex", func(t *testing.T) {
		rec := useRecorder(t)
		ctx := tracing.ContextWithXRay(context.Background(),
			"Root="+strings.ToUpper(validRoot)+";Parent="+strings.ToUpper(validParent)+";Sampled=1")
		_, span := tracing.Start(ctx, "work")
		tracing.End(span, nil)
		got := onlyEnded(t, rec)
		assert.Equal(t, validTrace, got.SpanContext().TraceID().String())
		assert.Equal(t, validParent, got.Parent().SpanID().String())
	})

	for _, sampled := range []string{"0", "?", ""} {
		t.Run("ContextWithXRay not sampled "+sampled, func(t *testing.T) {
			rec := useRecorder(t)
			header := "Root=" + validRoot + ";Parent=" + validParent
			if sampled != "" {
				header += ";Sampled=" + sampled
			}
			ctx := tracing.ContextWithXRay(context.Background(), header)
			remote := trace.SpanContextFromContext(ctx)
			require.True(t, remote.IsValid())
			assert.False(t, remote.IsSampled())

			_, span := tracing.Start(ctx, "work")
			sc := span.SpanContext()
			assert.False(t, span.IsRecording())
			tracing.End(span, nil)

			assert.Equal(t, validTrace, sc.TraceID().String())
			assert.False(t, sc.IsSampled())
			assert.Empty(t, rec.Ended(), "an unsampled span was recorded")
		})
	}

	t.Run("ContextWithXRay invalid starts a new trace", func(t *testing.T) {
		rec := useRecorder(t)
		ctx := tracing.ContextWithXRay(context.Background(), "Root=garbage;Parent="+validParent+";Sampled=1")
		_, span := tracing.Start(ctx, "work")
		tracing.End(span, nil)
		got := onlyEnded(t, rec)
		assert.NotEqual(t, validTrace, got.SpanContext().TraceID().String())
		assert.False(t, got.Parent().IsValid())
	})

	t.Run("End", func(t *testing.T) {
		rec := useRecorder(t)
		_, ok := tracing.Start(context.Background(), "ok")
		tracing.End(ok, nil)
		_, failed := tracing.Start(context.Background(), "failed")
		tracing.End(failed, errors.New("boom"))

		ended := rec.Ended()
		require.Len(t, ended, 2)
		byName := map[string]sdktrace.ReadOnlySpan{}
		for _, s := range ended {
			byName[s.Name()] = s
		}

		assert.NotEqual(t, codes.Error, byName["ok"].Status().Code)
		assert.Empty(t, byName["ok"].Events())

		st := byName["failed"].Status()
		assert.Equal(t, codes.Error, st.Code)
		assert.Equal(t, "boom", st.Description)
		events := byName["failed"].Events()
		require.Len(t, events, 1)
		assert.Equal(t, "exception", events[0].Name)
		assert.False(t, byName["failed"].EndTime().IsZero())
	})

	t.Run("AWSMiddleware success", func(t *testing.T) {
		rec := useRecorder(t)
		var target atomic.Value
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			target.Store(r.Header.Get("X-Amz-Target"))
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.Header().Set("X-Amzn-Requestid", "REQ-OK")
			_, _ = w.Write([]byte(`{}`))
		}))
		t.Cleanup(srv.Close)

		ctx, parent := tracing.Start(context.Background(), "use case")
		_, err := newDynamo(srv).GetItem(ctx, getItemInput())
		tracing.End(parent, nil)
		require.NoError(t, err)
		assert.Equal(t, "DynamoDB_20120810.GetItem", target.Load())

		span := findSpan(t, rec, "DynamoDB.GetItem")
		assert.Equal(t, trace.SpanKindClient, span.SpanKind())
		a := attrs(span)
		assert.Equal(t, "GetItem", a["rpc.method"].AsString())
		assert.Equal(t, "DynamoDB", a["rpc.service"].AsString())
		assert.Equal(t, "aws-api", a["rpc.system"].AsString())
		assert.Equal(t, "us-east-1", a["cloud.region"].AsString())
		assert.Equal(t, []string{"orders"}, a["aws.dynamodb.table_names"].AsStringSlice())
		assert.Equal(t, "REQ-OK", a["aws.request_id"].AsString())
		assert.Equal(t, int64(http.StatusOK), a["http.response.status_code"].AsInt64())
		assert.NotContains(t, a, attribute.Key("aws.retries"), "no retry")
		assert.NotContains(t, a, attribute.Key("xray.throttle"))
		assert.NotEqual(t, codes.Error, span.Status().Code)
		// The client span is a child of the span in the call's context.
		assert.Equal(t, parent.SpanContext().SpanID(), span.Parent().SpanID())
		assert.Equal(t, parent.SpanContext().TraceID(), span.SpanContext().TraceID())
	})

	t.Run("AWSMiddleware error", func(t *testing.T) {
		rec := useRecorder(t)
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.Header().Set("X-Amzn-Requestid", "REQ-404")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"x"}`))
		}))
		t.Cleanup(srv.Close)

		_, err := newDynamo(srv).GetItem(context.Background(), getItemInput())
		require.Error(t, err)
		var notFound *types.ResourceNotFoundException
		require.ErrorAs(t, err, &notFound)
		assert.Equal(t, int32(1), calls.Load())

		span := findSpan(t, rec, "DynamoDB.GetItem")
		assert.Equal(t, trace.SpanKindClient, span.SpanKind())
		a := attrs(span)
		assert.Equal(t, "GetItem", a["rpc.method"].AsString())
		assert.Equal(t, codes.Error, span.Status().Code)
		assert.Contains(t, span.Status().Description, "ResourceNotFoundException")
		assert.Equal(t, "ResourceNotFoundException", a["error.type"].AsString())
		assert.Equal(t, "REQ-404", a["aws.request_id"].AsString())
		assert.Equal(t, int64(http.StatusBadRequest), a["http.response.status_code"].AsInt64())
		assert.NotContains(t, a, attribute.Key("xray.throttle"))
	})
}

func newDynamo(srv *httptest.Server) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("a", "b", ""),
		BaseEndpoint:     aws.String(srv.URL),
		HTTPClient:       srv.Client(),
		APIOptions:       []func(*middleware.Stack) error{tracing.AWSMiddleware},
		RetryMaxAttempts: 1,
	})
}

func getItemInput() *dynamodb.GetItemInput {
	return &dynamodb.GetItemInput{
		TableName: aws.String("orders"),
		Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "ORDER#1"}},
	}
}

func findSpan(t *testing.T, rec *tracetest.SpanRecorder, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	var names []string
	for _, s := range rec.Ended() {
		names = append(names, s.Name())
		if s.Name() == name {
			found = append(found, s)
		}
	}
	require.Len(t, found, 1, "spans named %q among %q", name, names)
	return found[0]
}
