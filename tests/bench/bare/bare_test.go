package bare_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/app"
	"github.com/go-sam-blueprint/orders/src/orders/dynamo/dynamotest"
	"github.com/go-sam-blueprint/orders/src/platform/config"
	"github.com/go-sam-blueprint/orders/tests/bench/bare"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// recorder keeps the DynamoDB calls a client sends, and answers them as
// DynamoDB would a success.
type recorder struct {
	next  *dynamotest.Transport
	mu    sync.Mutex
	calls []call
}

type call struct {
	target string
	body   any
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	raw, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	var body any
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.calls = append(r.calls, call{req.Header.Get("X-Amz-Target"), body})
	r.mu.Unlock()
	req.Body = io.NopCloser(bytes.NewReader(raw))
	return r.next.RoundTrip(req)
}

func (r *recorder) client(o *dynamodb.Options) {
	o.HTTPClient = &http.Client{Transport: r}
}

// vars are a function's variables; the flags agent is nowhere, so the
// function's flags fall back to their defaults.
var vars = map[string]string{
	"ORDERS_TABLE_NAME": "OrdersTable", "IDEMPOTENCY_TABLE_NAME": "IdempotencyTable",
	"APPCONFIG_APPLICATION": "a", "APPCONFIG_ENVIRONMENT": "e", "APPCONFIG_PROFILE": "p",
	"APPCONFIG_AGENT_URL": "http://127.0.0.1:9",
	"AWS_REGION":          "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
	"AWS_ENDPOINT_URL_DYNAMODB": "http://dynamodb.test",
}

// The bare handler's create sends DynamoDB what the orders function's
// create sends: one TransactWriteItems of the same two conditional puts,
// to the same tables, with the same attributes of the same types; only the
// values differ (ids, times, hashes). Without it, the cold-path ratio
// would compare different work.
func TestSameDynamoDBWorkAsTheFunction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	raw, err := os.ReadFile(filepath.Join(repo.Root(), "events", "create_order.json"))
	require.NoError(t, err)
	var event events.APIGatewayProxyRequest
	require.NoError(t, json.Unmarshal(raw, &event))

	cfg, err := config.LoadFrom(vars)
	require.NoError(t, err)
	ours := &recorder{next: dynamotest.NewTransport()}
	fn, err := app.New(ctx, cfg, io.Discard, ours.client)
	require.NoError(t, err)
	resp, err := fn(ctx, event)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)

	theirs := &recorder{next: dynamotest.NewTransport()}
	resp, err = bare.New(func(k string) string { return vars[k] }, theirs.client).Create(ctx, event)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)

	require.Len(t, ours.calls, 1, "the function's create is one call")
	require.Len(t, theirs.calls, 1, "the bare create is one call")
	assert.Equal(t, "DynamoDB_20120810.TransactWriteItems", ours.calls[0].target)
	assert.Equal(t, ours.calls[0].target, theirs.calls[0].target)
	assert.Equal(t, shape(ours.calls[0].body), shape(theirs.calls[0].body))
}

// kept are the members whose values are part of the work, not data.
var kept = map[string]bool{
	"TableName": true, "ConditionExpression": true, "ExpressionAttributeNames": true,
	"ReturnValuesOnConditionCheckFailure": true,
}

// shape is a request body with its data replaced by its kind: the
// attribute names and types, conditions and tables stay.
func shape(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			if kept[k] {
				out[k] = x
				continue
			}
			out[k] = shape(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = shape(x)
		}
		return out
	case string:
		return "string"
	case bool:
		return "bool"
	case float64:
		return "number"
	}
	return v
}
