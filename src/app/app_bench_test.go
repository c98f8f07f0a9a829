package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders/dynamo/dynamotest"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
)

// newFunction is the orders function as deployed, with DynamoDB answered
// in process by a fake HTTP transport, so that the SDK's own serialization
// runs too.
func newFunction(tb testing.TB) (lambdahttp.Func, *dynamotest.Transport) {
	tb.Helper()
	transport := dynamotest.NewTransport()
	fn, err := newTestFunction(closedAgent, transport.Client(), io.Discard)
	require.NoError(tb, err)
	return fn, transport
}

func event(tb testing.TB, file string) events.APIGatewayProxyRequest {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", file))
	require.NoError(tb, err)
	var e events.APIGatewayProxyRequest
	require.NoError(tb, json.Unmarshal(raw, &e))
	return e
}

func benchmark(b *testing.B, file string, vary func(i int, e *events.APIGatewayProxyRequest)) {
	b.Helper()
	fn, _ := newFunction(b)
	base := event(b, file)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		e := base
		if vary != nil {
			vary(i, &e)
		}
		resp, err := fn(ctx, e)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d %v %s", file, resp.StatusCode, err, resp.Body)
		}
	}
}

// BenchmarkCreateOrder sends a new order each time (a new body, so no
// replay): claim, transaction, response.
func BenchmarkCreateOrder(b *testing.B) {
	benchmark(b, "create_order.json", func(i int, e *events.APIGatewayProxyRequest) {
		e.Body = `{"customer_name":"Ada","order_item_count":` + itoa(i%1000+1) + `}`
	})
}

func BenchmarkGetOrder(b *testing.B)    { benchmark(b, "get_order.json", nil) }
func BenchmarkDeleteOrder(b *testing.B) { benchmark(b, "delete_order.json", nil) }
func BenchmarkListOrders(b *testing.B)  { benchmark(b, "list_orders.json", nil) }

func itoa(n int) string {
	raw, _ := json.Marshal(n)
	return string(raw)
}
