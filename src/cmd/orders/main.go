// Command orders is the orders service's Lambda function (the bootstrap of
// a provided.al2023 runtime).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/go-sam-blueprint/orders/src/app"
	"github.com/go-sam-blueprint/orders/src/platform/coldstart"
	"github.com/go-sam-blueprint/orders/src/platform/config"
)

func main() {
	cfg, err := config.Load()
	if err != nil {
		fail(err)
	}
	h, err := app.New(context.Background(), cfg, os.Stdout)
	if err != nil {
		fail(err)
	}
	coldstart.Done()
	lambda.Start(h)
}

// fail ends a start-up that cannot succeed; Lambda reports it as an init
// error, with this line in the function's log.
func fail(err error) {
	slog.New(slog.NewJSONHandler(os.Stdout, nil)).Error("start-up failed", "error", err.Error())
	os.Exit(1)
}
