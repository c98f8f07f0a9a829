package api_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/go-sam-blueprint/orders/src/api"
)

// A program that creates an order with the typed client (the README shows
// it); it is compiled with the tests, so it cannot go stale. Every orders
// call sends an access token of the API's user pool: locally, what make
// token prints (docs/auth.md).
func Example() {
	token := os.Getenv("TOKEN")
	client, err := api.NewClientWithResponses("http://127.0.0.1:3000",
		api.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.CreateOrderWithResponse(context.Background(), nil,
		api.CreateOrderRequest{CustomerName: "Ada", OrderItemCount: 3})
	if err != nil {
		log.Fatal(err)
	}
	if resp.JSON200 == nil {
		log.Fatalf("%s: %s", resp.Status(), resp.Body)
	}
	fmt.Println("created order", resp.JSON200.Id)
}
