// Command baseline is the bare Lambda handler that the cold-path benchmark
// compares the orders function with: built the same way, it decodes the
// event, does one PutItem and answers. Nothing else.
package main

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	db := dynamodb.NewFromConfig(cfg)
	table := os.Getenv("ORDERS_TABLE_NAME")
	lambda.Start(func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		var in struct {
			Name  string `json:"customer_name"`
			Count int    `json:"order_item_count"`
		}
		if json.Unmarshal([]byte(e.Body), &in) != nil {
			return events.APIGatewayProxyResponse{StatusCode: 400}, nil //nolint:nilerr // A bad body is the client's error: a 400, not a function error.
		}
		id := uuid.NewString()
		// A whole order, as the orders service stores one: the benchmark
		// lists the same table afterwards.
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"id":         &types.AttributeValueMemberS{Value: id},
			"name":       &types.AttributeValueMemberS{Value: in.Name},
			"item_count": &types.AttributeValueMemberN{Value: strconv.Itoa(in.Count)},
			"created_at": &types.AttributeValueMemberS{Value: time.Now().UTC().Format(time.RFC3339Nano)},
		}})
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"id":"` + id + `"}`}, nil
	})
}
