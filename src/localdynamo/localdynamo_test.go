package localdynamo_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/localdynamo"
)

// Without moto_server the error says how to get a local DynamoDB.
// (Starting one for real is exercised by tests/integration and tests/e2e.)
func TestStartWithoutMotoServer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := localdynamo.Start(context.Background())
	require.ErrorIs(t, err, localdynamo.ErrNoServer)
	require.ErrorContains(t, err, "pip install 'moto[server]'")
	require.ErrorContains(t, err, "AWS_ENDPOINT_URL_DYNAMODB")
}
