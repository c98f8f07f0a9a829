package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/go-sam-blueprint/orders/src/orders/dynamo/dynamotest"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
	"github.com/go-sam-blueprint/orders/src/platform/tracing"
	"github.com/go-sam-blueprint/orders/src/platform/tracing/invocation"
	"github.com/go-sam-blueprint/orders/tests/bench/bare"
)

// variant is one handler the overhead measure times.
type variant struct {
	measure string
	fn      lambdahttp.Func
	tracer  trace.TracerProvider
	// judgedByRatio holds the variant to budgetOverheadRatio.
	judgedByRatio bool
	p50s          []time.Duration
}

// overhead times creates with DynamoDB answered in process
// (dynamotest), so that what is timed is the handler itself and the SDK's
// own request building, signing and parsing: the orders function as
// deployed (spans are not recorded in process), the same with its spans
// recorded and exported at the end of each invocation, as a bootstrap
// built with TAGS=otlp does (to an exporter that discards them), and the
// bare handler, which does the same DynamoDB work and nothing else.
//
// Each round times overheadPerRound creates of each, in blocks of
// overheadBlock that take turns, the first of them rotating, so that a
// change in the machine's speed during a round slows all three alike; the
// first round is a warm-up. Each is judged by the median of its rounds'
// p50s, and against the bare handler by the median of the rounds' ratios.
// The absolute budget holds on a quiet machine only; the ratio, from the
// same rounds, holds on any. The function as deployed is held to both; the
// TAGS=otlp build, which records and exports every span, to the absolute
// one, with its ratio shown.
func overhead(ctx context.Context, r *report, env *benchEnv) error {
	vars := env.functionVars(tables{env: env, prefix: "overhead-"})
	vars["AWS_ENDPOINT_URL_DYNAMODB"] = "http://dynamodb.test"
	deployed, err := function(ctx, dynamotest.NewTransport().Client(), vars)
	if err != nil {
		return err
	}
	exporting, err := invocation.NewTracerProvider(tracetest.NewNoopExporter(), "orders")
	if err != nil {
		return err
	}
	traced, err := function(ctx, dynamotest.NewTransport().Client(), vars,
		func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, tracing.AWSMiddleware) })
	if err != nil {
		return err
	}
	b := bare.New(func(k string) string { return vars[k] }, func(o *dynamodb.Options) { o.HTTPClient = dynamotest.NewTransport().Client() })
	defer otel.SetTracerProvider(otel.GetTracerProvider())
	variants := []*variant{
		{measure: "handler overhead: create", fn: deployed, tracer: noop.NewTracerProvider(), judgedByRatio: true},
		{measure: "handler overhead, spans exported (TAGS=otlp): create", fn: flushing(traced, exporting.ForceFlush), tracer: exporting},
		{measure: "bare handler: create", fn: b.Create, tracer: noop.NewTracerProvider()},
	}
	q, err := newRequests()
	if err != nil {
		return err
	}
	for round := range overheadRounds + 1 {
		times := make([][]time.Duration, len(variants))
		for block := range overheadPerRound / overheadBlock {
			for k := range variants {
				i := (block + k) % len(variants)
				v := variants[i]
				otel.SetTracerProvider(v.tracer)
				d, err := timeCreates(ctx, q, v.fn, overheadBlock)
				if err != nil {
					return fmt.Errorf("%s: %w", v.measure, err)
				}
				times[i] = append(times[i], d...)
			}
		}
		if round == 0 {
			continue // a warm-up
		}
		for i, v := range variants {
			v.p50s = append(v.p50s, percentile(times[i], 0.5))
		}
	}
	baseline := variants[len(variants)-1]
	quiet := machineIsQuiet(r.loadBefore)
	for _, v := range variants {
		med := percentile(v.p50s, 0.5)
		value := fmt.Sprintf("%s (rounds %s–%s)", us(med), us(slices.Min(v.p50s)), us(slices.Max(v.p50s)))
		if v == baseline {
			r.add(fmt.Sprintf("%s p50 (median of %d rounds of %d)", v.measure, overheadRounds, overheadPerRound), value, "", true)
			continue
		}
		budget := fmt.Sprintf("≤ %s", us(budgetOverheadP50))
		if !quiet {
			budget = "≤ 100 µs on a quiet machine: not judged, " + r.loadBefore
		}
		r.add(fmt.Sprintf("%s p50 (median of %d rounds of %d)", v.measure, overheadRounds, overheadPerRound), value,
			budget, !quiet || med <= budgetOverheadP50)
		ratios := make([]float64, len(v.p50s))
		for i := range v.p50s {
			ratios[i] = float64(v.p50s[i]) / float64(baseline.p50s[i])
		}
		slices.Sort(ratios)
		ratio := medianFloat(ratios)
		budget = ""
		if v.judgedByRatio {
			budget = fmt.Sprintf("≤ %.0f×", budgetOverheadRatio)
		}
		r.add(v.measure+" / bare handler (median of rounds)", fmt.Sprintf("%.2f× (%.2f–%.2f)", ratio, ratios[0], ratios[len(ratios)-1]),
			budget, !v.judgedByRatio || ratio <= budgetOverheadRatio)
	}
	return nil
}

// timeCreates times n creates, one by one.
func timeCreates(ctx context.Context, q *requests, fn lambdahttp.Func, n int) ([]time.Duration, error) {
	d := make([]time.Duration, 0, n)
	for range n {
		e := q.newCreate()
		start := time.Now()
		if _, err := invoke(ctx, fn, e); err != nil {
			return nil, err
		}
		d = append(d, time.Since(start))
	}
	return d, nil
}

// flushing runs flush after each invocation of fn, as httpapi.Lambda does
// with the exporter's flush.
func flushing(fn lambdahttp.Func, flush func(context.Context) error) lambdahttp.Func {
	return func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		resp, err := fn(ctx, e)
		if ferr := flush(ctx); ferr != nil {
			return resp, ferr
		}
		return resp, err
	}
}
