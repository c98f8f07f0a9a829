//go:build otlp

package tracing

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"

	"github.com/go-sam-blueprint/orders/src/platform/tracing/invocation"
)

func setupOTLP(ctx context.Context, service string) (flush, shutdown func(context.Context) error, err error) {
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: otlp exporter: %w", err)
	}
	tp, err := invocation.NewTracerProvider(exp, service)
	if err != nil {
		return nil, nil, err
	}
	otel.SetTracerProvider(tp)
	return tp.ForceFlush, tp.Shutdown, nil
}
