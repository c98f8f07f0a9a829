// Command baseline is the bare Lambda bootstrap that the cold-path
// benchmark compares the orders function with: built the same way, it
// starts aws-lambda-go with the handler of package bare, which does a
// create's DynamoDB work and nothing else.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/go-sam-blueprint/orders/tests/bench/bare"
)

func main() {
	lambda.Start(bare.FromEnv().Create)
}
