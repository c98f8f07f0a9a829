// Command docs is the docs function (the bootstrap of DocsFunction): it
// serves Swagger UI at /swagger and the spec at /swagger.json.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/go-sam-blueprint/orders/src/api/openapi"
	"github.com/go-sam-blueprint/orders/src/platform/apidocs"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
)

func main() {
	spec, err := openapi.Document()
	if err != nil {
		fail(err)
	}
	h, err := apidocs.New(spec, apidocs.Assets())
	if err != nil {
		fail(err)
	}
	lambda.Start(lambdahttp.Adapt(h))
}

// fail ends a start-up that cannot succeed; Lambda reports it as an init
// error, with this line in the function's log.
func fail(err error) {
	slog.New(slog.NewJSONHandler(os.Stdout, nil)).Error("start-up failed", "error", err.Error())
	os.Exit(1)
}
