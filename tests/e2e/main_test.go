package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/local/motoserver"
	"github.com/go-sam-blueprint/orders/tests/contract"
	"github.com/go-sam-blueprint/orders/tests/localapi"
)

var (
	// baseURL is the API under test.
	baseURL string
	// runnerBin is the local runner, built once for every test that starts one.
	runnerBin string
	// The callers the suite acts as: two customers, and the first with a
	// token that may only read. Against the local API, tokens of its user
	// pool's alice and bob; against API_URL, the tokens of API_TOKEN,
	// API_TOKEN_OTHER and API_TOKEN_READ (scripts/token gets them).
	alice, bob, aliceReadOnly string
	// local is the local API under test; nil against API_URL.
	local *runner
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if runnerBin, err = localapi.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if baseURL = os.Getenv("API_URL"); baseURL != "" {
		fmt.Fprintln(os.Stderr, "e2e: testing the API at", baseURL)
		alice, bob, aliceReadOnly = os.Getenv("API_TOKEN"), os.Getenv("API_TOKEN_OTHER"), os.Getenv("API_TOKEN_READ")
		if alice == "" || bob == "" || aliceReadOnly == "" {
			fmt.Fprintln(os.Stderr, "e2e: with API_URL, set API_TOKEN and API_TOKEN_OTHER (two callers' tokens) and API_TOKEN_READ "+
				"(the first caller's, scope orders/read only): docs/auth.md, scripts/token")
			return 1
		}
		return m.Run()
	}
	r, err := startRunner(runnerBin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	baseURL, local = r.URL, r
	if alice, bob, aliceReadOnly, err = r.tokens(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		_ = r.Stop()
		return 1
	}
	code := m.Run()
	if err := r.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return code
}

// newClient is the generated client for the API under test, as alice;
// every answer is checked against api.yaml (see contract).
func newClient(t *testing.T) *api.ClientWithResponses {
	t.Helper()
	return newClientAs(t, alice)
}

// newClientAs is the generated client for the API under test, sending
// token; "" sends none.
func newClientAs(t *testing.T, token string) *api.ClientWithResponses {
	t.Helper()
	if token == "" {
		return contract.Client(t, baseURL)
	}
	return contract.Client(t, baseURL, contract.Bearer(token))
}

// The runner prints where it serves and which DynamoDB it uses, and on
// SIGTERM stops everything it started.
func TestLocalRunnerLifecycle(t *testing.T) {
	t.Parallel()
	r, err := startRunner(runnerBin)
	require.NoError(t, err)
	out := r.Output()
	assert.Contains(t, out, "Orders API on "+r.URL)
	dynamo := r.DynamoEndpoint()
	require.NotEmpty(t, dynamo, out)
	assert.True(t, localapi.Answers(context.Background(), dynamo), "moto_server runs while the API does")

	// The function's log and metric lines show on the runner's stdout, as
	// with sam local.
	c := newClientAt(t, r)
	created, err := c.CreateOrderWithResponse(context.Background(), nil, api.CreateOrderRequest{CustomerName: "Logged", OrderItemCount: 1})
	require.NoError(t, err)
	require.Equal(t, 200, created.StatusCode())
	// The create's own lines, after the readiness probe's.
	require.Eventually(t, func() bool {
		return strings.Count(r.Stdout(), `"message":"request"`) >= 2 && strings.Contains(r.Stdout(), `"OrderCreated":1`)
	}, 5*time.Second, 50*time.Millisecond, r.Stdout())
	var requests []map[string]any
	for line := range strings.SplitSeq(r.Stdout(), "\n") {
		if strings.Contains(line, `"message":"request"`) {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &m))
			requests = append(requests, m)
		}
	}
	require.GreaterOrEqual(t, len(requests), 2, "the readiness probe, then the create")
	assert.Equal(t, true, requests[0]["cold_start"], "the first invocation is the cold start")
	last := requests[len(requests)-1]
	assert.Equal(t, "CreateOrder", last["operation"])
	assert.Equal(t, created.JSON200.Id.String(), last["order_id"])
	assert.Equal(t, "CreateOrderFunction", last["function_name"], "the function api.yaml routes creates to")
	assert.Equal(t, false, last["cold_start"])
	assert.NotEmpty(t, last["correlation_id"])
	assert.Contains(t, r.Stdout(), `"OrderCreated":1`)

	require.NoError(t, r.Stop())
	assert.Contains(t, r.Output(), "Stopping.")
	assert.False(t, localapi.Answers(context.Background(), dynamo), "moto_server stops with the runner")
	assert.False(t, localapi.Answers(context.Background(), r.URL), "the API stops")
}

func TestLocalRunnerFailsOnBusyPort(t *testing.T) {
	t.Parallel()
	if os.Getenv("API_URL") != "" {
		t.Skip("API_URL is set: no local runner holds a port to collide with")
	}
	cmd := exec.Command(runnerBin)
	cmd.Env = append(os.Environ(), "PORT="+portOf(baseURL), "TEMPLATE=../../template.yaml", "SPEC=../../api.yaml", "FLAGS_FILE=../../src/orders/flags.json")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "address already in use")
	assert.Contains(t, string(out), "set PORT")
}

func portOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Port()
}

// `make tables` creates the template's tables in a DynamoDB of the
// developer's own (DynamoDB Local, for sam local), and says so; without
// AWS_ENDPOINT_URL_DYNAMODB it says what to set.
func TestRunnerCreatesTablesOnly(t *testing.T) {
	t.Parallel()
	if os.Getenv("API_URL") != "" {
		t.Skip("API_URL is set: the suite runs against a deployed API")
	}
	srv, err := motoserver.Start(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })

	cmd := exec.Command(runnerBin, "tables")
	cmd.Env = append(os.Environ(), "TEMPLATE=../../template.yaml", "AWS_ENDPOINT_URL_DYNAMODB="+srv.Endpoint)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "Table OrdersTable is in "+srv.Endpoint)

	db := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	tables, err := db.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"IdempotencyTable", "OrdersTable"}, tables.TableNames)

	cmd = exec.Command(runnerBin, "tables")
	cmd.Env = append(withoutEndpoint(os.Environ()), "TEMPLATE=../../template.yaml")
	out, err = cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "make tables: set AWS_ENDPOINT_URL_DYNAMODB")
}

func withoutEndpoint(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "AWS_ENDPOINT_URL_DYNAMODB=") })
}

// newClientAt is the generated client for the local API r, as its user
// pool's alice.
func newClientAt(t *testing.T, r *runner) *api.ClientWithResponses {
	t.Helper()
	token, err := r.Token(context.Background(), "alice")
	require.NoError(t, err)
	return contract.Client(t, r.URL, contract.Bearer(token))
}

// do sends a hand-made request to the API under test as alice, its answer
// checked against api.yaml.
func do(t *testing.T, req *http.Request) (*http.Response, error) {
	t.Helper()
	req.Header.Set("Authorization", "Bearer "+alice)
	return contract.Checked(t, baseURL).Do(req)
}
