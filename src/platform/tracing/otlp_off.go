//go:build !otlp

package tracing

import (
	"context"
	"errors"
)

func setupOTLP(context.Context, string) (flush, shutdown func(context.Context) error, err error) {
	return nil, nil, errors.New("tracing: TRACING_EXPORTER=otlp needs a bootstrap built with the otlp tag (make build TAGS=otlp)")
}
