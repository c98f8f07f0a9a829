package app_test

import (
	"context"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/app"
	"github.com/go-sam-blueprint/orders/src/orders/dynamo/dynamotest"
	"github.com/go-sam-blueprint/orders/src/platform/config"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
)

// closedAgent is an address where nothing listens: the flags fall back to
// their defaults, after one refused connection per max age.
const closedAgent = "http://127.0.0.1:9"

// testEnv is a function's environment as Lambda gives it, with a local
// DynamoDB endpoint.
var testEnv = map[string]string{
	"SERVICE_NAME":      "orders-test",
	"ORDERS_TABLE_NAME": "orders", "IDEMPOTENCY_TABLE_NAME": "idempotency",
	"APPCONFIG_APPLICATION": "a", "APPCONFIG_ENVIRONMENT": "e", "APPCONFIG_PROFILE": "p",
	"APPCONFIG_MAX_AGE_SECONDS": "3600",
	// Real credentials, so that every request is signed as in Lambda.
	"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN",
	"AWS_ENDPOINT_URL_DYNAMODB": "http://dynamodb.test",
}

// newTestFunction is the orders function as deployed (logs, metrics,
// spans, validation all on), with its DynamoDB traffic through client and
// its feature flags from the agent at agentURL.
func newTestFunction(agentURL string, client *http.Client, out io.Writer) (lambdahttp.Func, error) {
	return newFunctionIn(map[string]string{"APPCONFIG_AGENT_URL": agentURL}, client, out)
}

// newFunctionIn is newTestFunction in testEnv changed by vars ("" unsets).
func newFunctionIn(vars map[string]string, client *http.Client, out io.Writer) (lambdahttp.Func, error) {
	env := maps.Clone(testEnv)
	for k, v := range vars {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	cfg, err := config.LoadFrom(env)
	if err != nil {
		return nil, err
	}
	return app.New(context.Background(), cfg, out, func(o *dynamodb.Options) { o.HTTPClient = client })
}

// recorder keeps the requests it forwards.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// The DynamoDB client is built from the environment alone: the endpoint,
// the region and the role's credentials, session token included, are the
// ones Lambda gives.
func TestDynamoDBClientFromTheEnvironment(t *testing.T) {
	t.Parallel()
	regional := map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "", "APPCONFIG_AGENT_URL": closedAgent}
	with := func(k, v string) map[string]string {
		vars := maps.Clone(regional)
		vars[k] = v
		return vars
	}
	tests := []struct {
		name string
		vars map[string]string
		url  string
	}{
		{"local endpoint", map[string]string{"APPCONFIG_AGENT_URL": closedAgent}, "http://dynamodb.test/"},
		{"regional", regional, "https://dynamodb.eu-west-1.amazonaws.com/"},
		{"fips", with("AWS_USE_FIPS_ENDPOINT", "true"), "https://dynamodb-fips.eu-west-1.amazonaws.com/"},
		{"dual stack", with("AWS_USE_DUALSTACK_ENDPOINT", "true"), "https://dynamodb.eu-west-1.api.aws/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{next: dynamotest.NewTransport()}
			fn, err := newFunctionIn(tt.vars, &http.Client{Transport: rec}, io.Discard)
			require.NoError(t, err)
			resp, err := fn(context.Background(), event(t, "get_order.json"))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)

			require.Len(t, rec.reqs, 1)
			req := rec.reqs[0]
			assert.Equal(t, tt.url, req.URL.String())
			assert.Equal(t, "DynamoDB_20120810.GetItem", req.Header.Get("X-Amz-Target"))
			assert.Equal(t, "TOKEN", req.Header.Get("X-Amz-Security-Token"))
			auth := req.Header.Get("Authorization")
			assert.True(t, strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKID/"), auth)
			assert.Contains(t, auth, "/eu-west-1/dynamodb/aws4_request", "signed for the function's region")
			date, err := time.Parse("20060102T150405Z", req.Header.Get("X-Amz-Date"))
			require.NoError(t, err)
			assert.WithinDuration(t, time.Now(), date, time.Minute)
		})
	}
}
