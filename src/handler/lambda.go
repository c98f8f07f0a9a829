package handler

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// LambdaFunc handles one API Gateway REST proxy event, as lambda.Start
// expects.
type LambdaFunc func(ctx context.Context, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// Lambda adapts h to API Gateway's REST proxy integration. An event that
// cannot be read as an HTTP request is answered with 400, not a function
// error, so that API Gateway never turns bad input into a 502.
func Lambda(h http.Handler) LambdaFunc {
	adapter := httpadapter.New(h)
	return func(ctx context.Context, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		w := core.NewProxyResponseWriter()
		req, err := adapter.EventToRequestWithContext(ctx, event)
		if err != nil {
			writeProblem(ctx, w, newProblem(http.StatusBadRequest, typeBlank, "", "the request could not be read"))
		} else {
			h.ServeHTTP(w, req)
		}
		resp, err := w.GetProxyResponse()
		if err != nil {
			return resp, fmt.Errorf("build proxy response: %w", err)
		}
		return resp, nil
	}
}
