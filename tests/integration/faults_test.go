package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/app"
	"github.com/go-sam-blueprint/orders/src/orders/dynamo/dynamotest"
	"github.com/go-sam-blueprint/orders/src/orders/orderstest"
	"github.com/go-sam-blueprint/orders/src/platform/config"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
)

// The tests in this file put a dynamotest.FaultTransport between the
// function and moto_server, so that a fault is seen through the SDK as in
// production, and what DynamoDB holds afterwards is real.

// faultyStack is the orders function as deployed (app.New: the SDK's
// retryer, the DynamoDB store, the Lambda adapter) on moto_server's
// tables, through a FaultTransport.
type faultyStack struct {
	fn     lambdahttp.Func
	faults *dynamotest.FaultTransport
	db     *dynamodb.Client // straight to moto_server, to look at the tables
	orders string
	idem   string
}

func newFaultyStack(t *testing.T) *faultyStack {
	t.Helper()
	db, _, prefix := newDB(t)
	s := &faultyStack{
		faults: dynamotest.NewFaultTransport(&http.Transport{}),
		db:     db, orders: prefix + "OrdersTable", idem: prefix + "IdempotencyTable",
	}
	cfg, err := config.LoadFrom(map[string]string{
		"ORDERS_TABLE_NAME": s.orders, "IDEMPOTENCY_TABLE_NAME": s.idem,
		"APPCONFIG_APPLICATION": "a", "APPCONFIG_ENVIRONMENT": "e", "APPCONFIG_PROFILE": "p",
		"APPCONFIG_AGENT_URL": "http://127.0.0.1:9", "APPCONFIG_MAX_AGE_SECONDS": "3600",
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": endpoint,
	})
	require.NoError(t, err)
	s.fn, err = app.New(context.Background(), cfg, io.Discard, func(o *dynamodb.Options) { o.HTTPClient = s.faults.Client() })
	require.NoError(t, err)
	return s
}

// faultyAnswer is what a client saw of one create.
type faultyAnswer struct {
	status   int
	header   http.Header
	body     string
	id       string
	replayed bool
}

// create sends one create with an Idempotency-Key, with a deadline as in
// Lambda.
func (s *faultyStack) create(t *testing.T, key string, deadline time.Duration) faultyAnswer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	headers := map[string]string{"Content-Type": "application/json", "Idempotency-Key": key, "X-Forwarded-Proto": "https"}
	multi := map[string][]string{}
	for k, v := range headers {
		multi[k] = []string{v}
	}
	resp, err := s.fn(ctx, events.APIGatewayProxyRequest{
		HTTPMethod: http.MethodPost, Path: "/api/orders", Resource: "/api/orders",
		Headers: headers, MultiValueHeaders: multi,
		Body: `{"customer_name":"Ada","order_item_count":2}`,
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID:  uuid.NewString(),
			Authorizer: map[string]any{"claims": map[string]any{"sub": string(orderstest.Alice)}},
		},
	})
	require.NoError(t, err)
	a := faultyAnswer{status: resp.StatusCode, header: http.Header(resp.MultiValueHeaders), body: resp.Body}
	if a.status == http.StatusOK {
		var o struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal([]byte(resp.Body), &o))
		a.id = o.ID
		a.replayed = a.header.Get("Idempotent-Replayed") == "true"
	}
	return a
}

// items scans a table as it is.
func (s *faultyStack) items(t *testing.T, table string) []map[string]types.AttributeValue {
	t.Helper()
	out, err := s.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	require.NoError(t, err)
	return out.Items
}

func stringAttr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// checkConsistent checks that every order has its idempotency record,
// holding that very order, and the reverse, and returns the stored order
// ids.
func (s *faultyStack) checkConsistent(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, item := range s.items(t, s.orders) {
		ids = append(ids, stringAttr(item, "id"))
	}
	var recorded []string
	for _, rec := range s.items(t, s.idem) {
		answer, ok := rec["result"].(*types.AttributeValueMemberM)
		require.True(t, ok, "a record holds its order")
		recorded = append(recorded, stringAttr(answer.Value, "id"))
	}
	assert.ElementsMatch(t, ids, recorded, "no order without its idempotency record, no record without its order")
	return ids
}

// A create whose transaction fails, however it fails, stores nothing, or,
// when the transaction went through and only its answer was lost, the
// order with its record. Either way the client's retry with the same
// Idempotency-Key then creates the order exactly once, and a further retry
// replays it.
func TestCreateUnderFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault    dynamotest.Fault
		times    int
		deadline time.Duration
		status   int
		// stored: the transaction went through although the client was
		// not told.
		stored bool
	}{
		{fault: dynamotest.ProvisionedThroughputExceeded, times: dynamotest.Forever, status: http.StatusServiceUnavailable},
		{fault: dynamotest.Throttling, times: dynamotest.Forever, status: http.StatusServiceUnavailable},
		{fault: dynamotest.TransactionThrottled, times: dynamotest.Forever, status: http.StatusServiceUnavailable},
		{fault: dynamotest.InternalServerError, times: dynamotest.Forever, status: http.StatusServiceUnavailable},
		{fault: dynamotest.ConnectionReset, times: dynamotest.Forever, status: http.StatusServiceUnavailable},
		{fault: dynamotest.UnexpectedEOF, times: dynamotest.Forever, status: http.StatusServiceUnavailable},
		{fault: dynamotest.Timeout, times: dynamotest.Forever, deadline: 500 * time.Millisecond, status: http.StatusGatewayTimeout},
		{fault: dynamotest.ResponseLost, times: dynamotest.Forever, status: http.StatusServiceUnavailable, stored: true},
		// The SDK's retry of a transaction whose answer was lost: the same
		// ClientRequestToken, so it commits nothing more.
		{fault: dynamotest.ResponseLost, times: 1, status: http.StatusOK, stored: true},
		{fault: dynamotest.InternalServerError, times: 2, status: http.StatusOK, stored: true},
	}
	for _, tt := range tests {
		times := "every attempt"
		if tt.times != dynamotest.Forever {
			times = fmt.Sprintf("first %d attempts", tt.times)
		}
		t.Run(tt.fault.String()+", "+times, func(t *testing.T) {
			t.Parallel()
			s := newFaultyStack(t)
			key := uuid.NewString()
			deadline := tt.deadline
			if deadline == 0 {
				deadline = 10 * time.Second
			}

			s.faults.Fail("TransactWriteItems", tt.fault, 1, tt.times)
			first := s.create(t, key, deadline)
			t.Logf("%s, %s: %d, replayed %t, %s (%d TransactWriteItems calls)",
				tt.fault, times, first.status, first.replayed, first.body, s.faults.Calls("TransactWriteItems"))
			require.Equal(t, tt.status, first.status, first.body)
			if first.status == http.StatusServiceUnavailable {
				assert.Equal(t, "1", first.header.Get("Retry-After"))
			}
			stored := s.checkConsistent(t)
			if tt.stored {
				require.Len(t, stored, 1, "the transaction went through: the order and its record")
			} else {
				require.Empty(t, stored, "a failed transaction stores nothing")
			}

			// The client retries; DynamoDB is well again.
			s.faults.Reset()
			retried := s.create(t, key, 10*time.Second)
			require.Equal(t, http.StatusOK, retried.status, retried.body)
			again := s.create(t, key, 10*time.Second)
			require.Equal(t, http.StatusOK, again.status, again.body)
			assert.True(t, again.replayed, "a further retry is a replay")
			assert.Equal(t, retried.id, again.id)
			if first.status == http.StatusOK {
				assert.Equal(t, first.id, retried.id)
			}

			ids := s.checkConsistent(t)
			require.Equal(t, []string{retried.id}, ids, "exactly one order, the one the client was given")
			assert.Equal(t, tt.stored, retried.replayed, "the retry replays the order that went through, or creates it")
		})
	}
}
