// Package integration tests the data access against a real local DynamoDB
// (moto_server), with tables created from template.yaml.
package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/motoserver"
	"github.com/go-sam-blueprint/orders/src/local/sam"
	"github.com/go-sam-blueprint/orders/tests/cfn"
)

// endpoint is the moto_server that TestMain started.
var endpoint string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	srv, err := motoserver.Start(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration tests need a local DynamoDB:", err)
		return 1
	}
	defer func() { _ = srv.Stop() }()
	endpoint = srv.Endpoint
	return m.Run()
}

// countingClient counts the HTTP requests, that is the DynamoDB round
// trips, and notes the IAM actions each one needs (see sentGrants).
type countingClient struct {
	calls atomic.Int64

	mu     sync.Mutex
	grants []cfn.Grant
}

func (c *countingClient) Do(req *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		c.mu.Lock()
		c.grants = append(c.grants, sentGrants(req.Header.Get("X-Amz-Target"), body)...)
		c.mu.Unlock()
	}
	return http.DefaultClient.Do(req)
}

// sent returns, and forgets, the grants the calls so far needed.
func (c *countingClient) sent() []cfn.Grant {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.grants
	c.grants = nil
	return out
}

// newDB returns a DynamoDB client for the local server that counts its
// round trips, and creates the template's tables with a prefix of the
// test's own, so that tests do not see each other's items.
func newDB(t *testing.T) (*dynamodb.Client, *countingClient, string) {
	t.Helper()
	counter := &countingClient{}
	db := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:   counter,
	})
	tmpl, err := sam.Load("../../template.yaml")
	require.NoError(t, err)
	tables, err := tmpl.Tables()
	require.NoError(t, err)
	prefix := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + "-"
	require.NoError(t, motoserver.CreateTables(context.Background(), db, tables, prefix))
	counter.calls.Store(0)
	return db, counter, prefix
}
