// Package app builds the orders service from its configuration: the one
// place where the layers are wired together, for the Lambda entry point and
// for the local runner alike.
package app

import (
	"context"
	"fmt"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/go-sam-blueprint/orders/src/config"
	"github.com/go-sam-blueprint/orders/src/dynamo"
	"github.com/go-sam-blueprint/orders/src/handler"
	"github.com/go-sam-blueprint/orders/src/orders"
)

// New returns the Lambda handler of the orders service. The DynamoDB client
// follows the SDK's usual environment, AWS_ENDPOINT_URL_DYNAMODB included,
// so the same binary talks to AWS or to a local DynamoDB.
func New(ctx context.Context, cfg config.Config) (handler.LambdaFunc, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	store, err := dynamo.NewOrders(dynamodb.NewFromConfig(awsCfg), cfg.OrdersTable)
	if err != nil {
		return nil, fmt.Errorf("orders store: %w", err)
	}
	svc, err := orders.NewService(store)
	if err != nil {
		return nil, fmt.Errorf("orders service: %w", err)
	}
	h, err := handler.New(svc)
	if err != nil {
		return nil, fmt.Errorf("http handler: %w", err)
	}
	return handler.Lambda(h), nil
}
