// Package integration tests the data access against a real local DynamoDB
// (moto_server), with tables created from template.yaml.
package integration

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/motoserver"
	"github.com/go-sam-blueprint/orders/src/local/sam"
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

// countingClient counts the HTTP requests, that is the DynamoDB round trips.
type countingClient struct {
	calls atomic.Int64
}

func (c *countingClient) Do(req *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	return http.DefaultClient.Do(req)
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
