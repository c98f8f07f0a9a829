package api_test

import (
	"context"
	"fmt"
	"log"

	"github.com/go-sam-blueprint/orders/src/api"
)

// A program that creates an order with the typed client (the README shows
// it); it is compiled with the tests, so it cannot go stale.
func Example() {
	client, err := api.NewClientWithResponses("http://127.0.0.1:3000")
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
