package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/app"
	"github.com/go-sam-blueprint/orders/src/orders/deployhook"
	"github.com/go-sam-blueprint/orders/src/platform/config"
)

// The pre-traffic hook passes the functions as they are: its sample
// events, as its reserved caller, answered by the real handler over
// moto_server, are what api.yaml allows, and it leaves no order behind.
// A hook that failed the real functions would roll back every deploy.
func TestDeploymentHookPassesTheFunctions(t *testing.T) {
	t.Parallel()
	db, _, prefix := newDB(t)
	cfg, err := config.LoadFrom(map[string]string{
		"ORDERS_TABLE_NAME": prefix + "OrdersTable", "IDEMPOTENCY_TABLE_NAME": prefix + "IdempotencyTable",
		"APPCONFIG_APPLICATION": "a", "APPCONFIG_ENVIRONMENT": "e", "APPCONFIG_PROFILE": "p",
		"APPCONFIG_AGENT_URL": "http://127.0.0.1:9", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": endpoint,
	})
	require.NoError(t, err)
	fn, err := app.New(context.Background(), cfg, io.Discard)
	require.NoError(t, err)

	var logs bytes.Buffer
	reports := &hookReports{}
	h, err := deployhook.New(inProcess(fn), reports, deployhook.Functions{
		CreateOrder: "create", GetOrder: "get", ListOrders: "list", DeleteOrder: "delete",
	}, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, h.Handle(ctx, deployhook.Event{DeploymentID: "d-TEST", LifecycleEventHookExecutionID: "x"}))

	require.Equal(t, []types.LifecycleEventStatus{types.LifecycleEventStatusSucceeded}, reports.statuses, "%s", &logs)
	items, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(prefix + "OrdersTable")})
	require.NoError(t, err)
	assert.Zero(t, items.Count, "the hook deleted the order it created")
}

// inProcess is Lambda's Invoke of the orders bootstrap, whichever function
// is named: every orders function runs it.
type inProcess func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

func (fn inProcess) Invoke(ctx context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	var req events.APIGatewayProxyRequest
	if err := json.Unmarshal(in.Payload, &req); err != nil {
		return nil, err
	}
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: uuid.NewString()})
	resp, err := fn(ctx, req)
	if err != nil {
		return &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: []byte(`{"errorMessage":` + jsonString(err.Error()) + `}`)}, nil
	}
	payload, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	return &lambda.InvokeOutput{StatusCode: 200, Payload: payload}, nil
}

func jsonString(s string) string {
	raw, _ := json.Marshal(s)
	return string(raw)
}

// hookReports records what the hook reports to CodeDeploy.
type hookReports struct {
	mu       sync.Mutex
	statuses []types.LifecycleEventStatus
}

func (r *hookReports) PutLifecycleEventHookExecutionStatus(_ context.Context, in *codedeploy.PutLifecycleEventHookExecutionStatusInput, _ ...func(*codedeploy.Options)) (*codedeploy.PutLifecycleEventHookExecutionStatusOutput, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses = append(r.statuses, in.Status)
	return &codedeploy.PutLifecycleEventHookExecutionStatusOutput{}, nil
}
