// Command orders is the orders service's Lambda function (the bootstrap of
// a provided.al2023 runtime).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/go-sam-blueprint/orders/src/app"
	"github.com/go-sam-blueprint/orders/src/config"
)

func main() {
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stdout, nil)))
	cfg, err := config.Load()
	if err != nil {
		fail(err)
	}
	h, err := app.New(context.Background(), cfg)
	if err != nil {
		fail(err)
	}
	lambda.Start(h)
}

// fail ends a start-up that cannot succeed; Lambda reports it as an init error.
func fail(err error) {
	slog.Error("start-up failed", "error", err)
	os.Exit(1)
}
