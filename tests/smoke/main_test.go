// Package smoke is the check a pipeline runs after every deploy:
// `make smoke API_URL=https://...` asks the deployed stage a few questions
// whose answers prove that each layer is wired as the template says. The
// edge answers what it owns (an unknown route), the functions answer the
// rest (a create, a bad body, a missing order) and every answer carries
// the gateway's request id and the API's headers.
//
// It is quick (a dozen requests) and leaves nothing behind: the one order
// it creates, it deletes. It acts as the caller of API_TOKEN. Without API_URL it runs against `make run`'s
// local API, whose API Gateway stand-in must answer as the edge does, so a
// stand-in that drifts from docs/edge.md fails here first.
package smoke_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/go-sam-blueprint/orders/tests/localapi"
)

var (
	// baseURL is the API under test: API_URL, or a local API of the
	// suite's own.
	baseURL string
	// token is a caller's access token with both scopes: API_TOKEN, or one
	// of the local user pool's.
	token string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if baseURL = os.Getenv("API_URL"); baseURL != "" {
		fmt.Fprintln(os.Stderr, "smoke: testing the API at", baseURL)
		if token = os.Getenv("API_TOKEN"); token == "" {
			fmt.Fprintln(os.Stderr, "smoke: with API_URL, set API_TOKEN to an access token with scopes orders/read and orders/write "+
				"(make token STACK=<stack>: docs/auth.md)")
			return 1
		}
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "smoke")
	if err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin, err := localapi.Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		return 1
	}
	r, err := localapi.Start(bin, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		return 1
	}
	baseURL = r.URL
	if token, err = r.Token(context.Background(), "alice"); err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		_ = r.Stop()
		return 1
	}
	code := m.Run()
	if err := r.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "smoke: stop the local API:", err)
	}
	return code
}
