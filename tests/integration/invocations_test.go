package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/app"
	"github.com/go-sam-blueprint/orders/src/platform/config"
	"github.com/go-sam-blueprint/orders/tests/localapi"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// One function process, many invocations at once, as Lambda Managed
// Instances send them (docs/deployment.md): the function as src/app
// builds it, over moto_server, driven by goroutines that each act as a
// caller of their own (create, get, list, delete), all in flight
// together, under the race detector that make test runs. Every answer
// must be the caller's, and every log line whole, on the invocation it
// belongs to.
func TestOneProcessServesConcurrentInvocations(t *testing.T) {
	t.Parallel()
	_, _, prefix := newDB(t) // the template's tables, for this test alone
	cfg, err := config.LoadFrom(map[string]string{
		"SERVICE_NAME": "orders", "ORDERS_TABLE_NAME": prefix + "OrdersTable", "IDEMPOTENCY_TABLE_NAME": prefix + "IdempotencyTable",
		"APPCONFIG_APPLICATION": "a", "APPCONFIG_ENVIRONMENT": "e", "APPCONFIG_PROFILE": "p",
		"APPCONFIG_AGENT_URL": "http://127.0.0.1:9", "APPCONFIG_MAX_AGE_SECONDS": "3600",
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": endpoint,
	})
	require.NoError(t, err)
	out := &localapi.Buffer{}
	fn, err := app.New(context.Background(), cfg, out)
	require.NoError(t, err)

	const callers = 16
	start := make(chan struct{})
	var wg sync.WaitGroup
	problems := make(chan string, callers*8)
	for i := range callers {
		owner := fmt.Sprintf("caller-%02d", i)
		wg.Go(func() {
			<-start
			if err := actAs(fn, owner); err != "" {
				problems <- owner + ": " + err
			}
		})
	}
	close(start)
	wg.Wait()
	close(problems)
	for p := range problems {
		t.Error(p)
	}

	// Every line is whole JSON, and a request line's order is its
	// invocation's caller's: no line mixes two invocations.
	requests := 0
	for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		var entry map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &entry), "a whole line: %q", line)
		if entry["message"] != "request" {
			continue
		}
		requests++
		id, _ := entry["correlation_id"].(string)
		owner, _, ok := strings.Cut(id, "/")
		require.True(t, ok, "the correlation id is the invocation's: %q", id)
		assert.True(t, strings.HasPrefix(owner, "caller-"), line)
		assert.EqualValues(t, http.StatusOK, entry["status"], line)
	}
	assert.Equal(t, callers*4, requests, "one request line per invocation")
}

// actAs runs one caller's invocations in order, and says what went wrong.
func actAs(fn func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error), owner string) string {
	n := 0
	call := func(file string, edit func(*events.APIGatewayProxyRequest)) (events.APIGatewayProxyResponse, error) {
		n++
		raw, err := os.ReadFile(filepath.Join(repo.Root(), "events", file))
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		var e events.APIGatewayProxyRequest
		if err := json.Unmarshal(raw, &e); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		// The caller API Gateway verified, and a request id that names it.
		e.RequestContext.Authorizer = map[string]any{"claims": map[string]any{"sub": owner, "scope": "orders/read orders/write"}}
		e.RequestContext.RequestID = fmt.Sprintf("%s/%d", owner, n)
		if edit != nil {
			edit(&e)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: uuid.NewString()})
		return fn(ctx, e)
	}

	created, err := call("create_order.json", func(e *events.APIGatewayProxyRequest) {
		e.Body = fmt.Sprintf(`{"customer_name":%q,"order_item_count":1}`, owner)
		e.IsBase64Encoded = false
		e.Headers["Idempotency-Key"], e.MultiValueHeaders["Idempotency-Key"] = owner, []string{owner}
	})
	if err != nil || created.StatusCode != http.StatusOK {
		return fmt.Sprintf("create: %v %d %s", err, created.StatusCode, created.Body)
	}
	var o struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(created.Body), &o); err != nil || o.Name != owner {
		return "create answered another's order: " + created.Body
	}
	withID := func(e *events.APIGatewayProxyRequest) {
		e.PathParameters = map[string]string{"orderId": o.ID}
		e.Path = "/api/orders/" + o.ID
	}
	got, err := call("get_order.json", withID)
	if err != nil || got.StatusCode != http.StatusOK || !strings.Contains(got.Body, owner) {
		return fmt.Sprintf("get: %v %d %s", err, got.StatusCode, got.Body)
	}
	list, err := call("list_orders.json", nil)
	if err != nil || list.StatusCode != http.StatusOK {
		return fmt.Sprintf("list: %v %d %s", err, list.StatusCode, list.Body)
	}
	var page struct {
		Orders []struct {
			Name string `json:"name"`
		} `json:"orders"`
	}
	if err := json.Unmarshal([]byte(list.Body), &page); err != nil || len(page.Orders) != 1 || page.Orders[0].Name != owner {
		return "the list is not the caller's own: " + list.Body
	}
	deleted, err := call("delete_order.json", withID)
	if err != nil || deleted.StatusCode != http.StatusOK {
		return fmt.Sprintf("delete: %v %d %s", err, deleted.StatusCode, deleted.Body)
	}
	return ""
}
