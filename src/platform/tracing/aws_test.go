package tracing_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"

	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

// dynamoAnswering is a DynamoDB client, retrying up to 3 attempts without
// waiting, whose calls answer answers in turn (the last one from then on).
func dynamoAnswering(t *testing.T, answers ...func(w http.ResponseWriter)) *dynamodb.Client {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		answers[min(int(calls.Add(1))-1, len(answers)-1)](w)
	}))
	t.Cleanup(srv.Close)
	return dynamodb.New(dynamodb.Options{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("a", "b", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		APIOptions:   []func(*middleware.Stack) error{tracing.AWSMiddleware},
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
}

func ok(w http.ResponseWriter) { _, _ = w.Write([]byte(`{}`)) }

func throttled(w http.ResponseWriter) {
	w.Header().Set("X-Amzn-Requestid", "REQ-THROTTLED")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"slow down"}`))
}

func failed(w http.ResponseWriter) {
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"oops"}`))
}

// The span of a call retried by the SDK says how many retries it took,
// and whether the call was throttled in the end.
func TestAWSMiddlewareRetries(t *testing.T) {
	tests := []struct {
		name     string
		answers  []func(http.ResponseWriter)
		retries  int64 // 0: no attribute
		status   int64
		throttle bool
	}{
		{"first time", []func(http.ResponseWriter){ok}, 0, 200, false},
		{"after a throttle", []func(http.ResponseWriter){throttled, ok}, 1, 200, false},
		{"throttled every time", []func(http.ResponseWriter){throttled}, 2, 400, true},
		{"failing every time", []func(http.ResponseWriter){failed}, 2, 500, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := useRecorder(t)
			_, err := dynamoAnswering(t, tt.answers...).GetItem(context.Background(), getItemInput())
			a := attrs(findSpan(t, rec, "DynamoDB.GetItem"))
			assert.Equal(t, tt.status, a["http.response.status_code"].AsInt64())
			if tt.retries == 0 {
				assert.NotContains(t, a, attribute.Key("aws.retries"))
			} else {
				assert.Equal(t, tt.retries, a["aws.retries"].AsInt64())
			}
			assert.Equal(t, tt.throttle, a["xray.throttle"].AsBool())
			assert.Equal(t, tt.status >= 400, err != nil, "%v", err)
		})
	}
}

// The span names the DynamoDB tables a call writes or reads, whatever the
// operation's input.
func TestAWSMiddlewareTableNames(t *testing.T) {
	put := func(table string) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "x"}}}}
	}
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "x"}}
	tests := []struct {
		name string
		call func(context.Context, *dynamodb.Client) error
		want []string // nil: no attribute
	}{
		{"a table", func(ctx context.Context, c *dynamodb.Client) error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: key})
			return err
		}, []string{"orders"}},
		{"a transaction's tables, once each, in order", func(ctx context.Context, c *dynamodb.Client) error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				put("orders"),
				{Update: &types.Update{TableName: aws.String("idempotency"), Key: key, UpdateExpression: aws.String("SET a = :a")}},
				{ConditionCheck: &types.ConditionCheck{TableName: aws.String("orders"), Key: key, ConditionExpression: aws.String("attribute_exists(pk)")}},
				{Delete: &types.Delete{TableName: aws.String("audit"), Key: key}},
			}})
			return err
		}, []string{"orders", "idempotency", "audit"}},
		{"a batch's tables, sorted", func(ctx context.Context, c *dynamodb.Client) error {
			_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				"orders": {Keys: []map[string]types.AttributeValue{key}}, "audit": {Keys: []map[string]types.AttributeValue{key}},
			}})
			return err
		}, []string{"audit", "orders"}},
		{"no table", func(ctx context.Context, c *dynamodb.Client) error {
			_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := useRecorder(t)
			require.NoError(t, tt.call(context.Background(), dynamoAnswering(t, ok)))
			ended := rec.Ended()
			require.Len(t, ended, 1)
			a := attrs(ended[0])
			if tt.want == nil {
				assert.NotContains(t, a, attribute.Key("aws.dynamodb.table_names"))
				return
			}
			assert.Equal(t, tt.want, a["aws.dynamodb.table_names"].AsStringSlice())
		})
	}
}
