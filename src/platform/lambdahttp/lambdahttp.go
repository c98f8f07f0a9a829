// Package lambdahttp runs a net/http handler as a Lambda function behind
// API Gateway's REST proxy integration, and does, once per invocation, what
// every operation needs: the log fields (cold start, correlation id, X-Ray
// trace id), the trace span parented on X-Ray, the metrics flushed as one
// EMF document, and a deadline that leaves time to answer.
package lambdahttp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"go.opentelemetry.io/otel/attribute"

	"github.com/go-sam-blueprint/orders/src/platform/caller"
	"github.com/go-sam-blueprint/orders/src/platform/logging"
	"github.com/go-sam-blueprint/orders/src/platform/metrics"
	"github.com/go-sam-blueprint/orders/src/platform/problem"
	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

// MetricColdStart counts the invocations that started a new process.
const MetricColdStart = "ColdStart"

// Func handles one API Gateway REST proxy event, as lambda.Start expects.
type Func func(ctx context.Context, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// Telemetry is where every invocation reports.
type Telemetry struct {
	Log     *slog.Logger
	Metrics *metrics.Emitter
	// FlushTraces sends the invocation's spans before Lambda freezes the
	// process; nil when tracing is off.
	FlushTraces func(context.Context) error
	// Service names the service in the invocation span's Service
	// annotation, so that X-Ray can filter a service's traces; "" leaves
	// it out.
	Service string
}

// Lambda adapts h to API Gateway's REST proxy integration and does, once
// per invocation, what every operation needs: the log fields (cold start,
// correlation id, X-Ray trace id), the trace span parented on X-Ray, and the
// metrics, flushed as one EMF document at the end.
//
// An event that cannot be read as an HTTP request is answered with 400, not
// a function error, so that API Gateway never turns bad input into a 502.
// The operation runs with a deadline a little before Lambda's (see
// answerInTime), so that it answers, 504 at worst, before it is killed.
func Lambda(h http.Handler, t Telemetry) Func {
	serve := Adapt(h)
	var warm atomic.Bool
	coldStart := tracing.AnnotationKey("ColdStart")
	var service []attribute.KeyValue
	if t.Service != "" {
		service = []attribute.KeyValue{tracing.AnnotationKey("Service").String(t.Service)}
	}
	return func(ctx context.Context, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		cold := !warm.Swap(true)
		set := metrics.NewSet()
		if cold {
			set.Add(MetricColdStart, metrics.UnitCount, 1)
		}
		correlationID := event.RequestContext.RequestID
		set.SetProperty("correlation_id", correlationID)
		ctx = metrics.WithSet(ctx, set)

		header := tracing.XRayHeader(ctx, event.Headers)
		fields := []slog.Attr{slog.Bool("cold_start", cold), slog.String("correlation_id", correlationID)}
		if xray, ok := tracing.ParseXRay(header); ok {
			fields = append(fields, slog.String("xray_trace_id", xray.Root))
			ctx = xray.Context(ctx)
		}
		ctx = logging.With(ctx, fields...)
		// ColdStart and Service as annotations, as Powertools records them
		// on its handler's subsegment, so that X-Ray filters can find them.
		ctx, span := tracing.StartInvocation(ctx, event.HTTPMethod+" "+event.Resource,
			append([]attribute.KeyValue{coldStart.Bool(cold)}, service...)...)

		serveCtx, cancel := answerInTime(ctx)
		resp, err := serve(serveCtx, event)
		cancel()
		if err == nil {
			tracing.Answered(span, resp.StatusCode)
		}
		tracing.End(span, err)

		if ferr := t.Metrics.Flush(set); ferr != nil {
			t.Log.WarnContext(ctx, "metrics not written", "error", ferr)
		}
		if t.FlushTraces != nil {
			if ferr := t.FlushTraces(ctx); ferr != nil {
				t.Log.WarnContext(ctx, "traces not sent", "error", ferr)
			}
		}
		return resp, err
	}
}

// maxReserve is the most of an invocation's time kept back for answering,
// flushing metrics and sending traces after the operation gives up.
const maxReserve = 500 * time.Millisecond

// answerInTime returns a context that ends a little before Lambda's
// deadline (a tenth of the time left, at most maxReserve), so that a
// DynamoDB call that hangs is abandoned while there is still time to
// answer: the client gets a 504 problem instead of API Gateway's 502 for
// a function that Lambda killed.
func answerInTime(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	reserve := min(time.Until(deadline)/10, maxReserve)
	return context.WithDeadline(ctx, deadline.Add(-max(reserve, 0)))
}

// Adapt turns h into a Lambda handler of REST proxy events, and nothing
// more: an event that is no HTTP request gets 400.
func Adapt(h http.Handler) Func {
	adapter := httpadapter.New(h)
	return func(ctx context.Context, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return serve(ctx, adapter, h, event)
	}
}

func serve(ctx context.Context, adapter *httpadapter.HandlerAdapter, h http.Handler, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	ctx = problem.WithRequestID(ctx, event.RequestContext.RequestID)
	// Who API Gateway's authorizer says is calling, for the handler.
	ctx = caller.NewContext(ctx, caller.FromAuthorizer(event.RequestContext.Authorizer))
	proxy := core.NewProxyResponseWriter()
	w := &answerWriter{ResponseWriter: proxy}
	req, err := adapter.EventToRequestWithContext(ctx, event)
	if err != nil {
		problem.Write(ctx, w, problem.Status(http.StatusBadRequest, "the request could not be read"))
	} else {
		h.ServeHTTP(w, req)
	}
	if !w.answered {
		// Nothing written is a 200 with no body, as in net/http; the proxy
		// writer would refuse to build a response.
		proxy.WriteHeader(http.StatusOK)
	}
	resp, err := proxy.GetProxyResponse()
	if err != nil {
		return resp, fmt.Errorf("build proxy response: %w", err)
	}
	return resp, nil
}

// answerWriter notes whether the handler answered at all.
type answerWriter struct {
	http.ResponseWriter
	answered bool
}

func (w *answerWriter) WriteHeader(status int) {
	w.answered = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *answerWriter) Write(p []byte) (int, error) {
	w.answered = true
	return w.ResponseWriter.Write(p)
}
