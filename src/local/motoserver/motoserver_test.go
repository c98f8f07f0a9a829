package motoserver_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/motoserver"
)

// Without moto_server the error says how to get a local DynamoDB.
// (Starting one for real is exercised by tests/integration and tests/e2e.)
func TestStartWithoutMotoServer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := motoserver.Start(context.Background())
	require.ErrorIs(t, err, motoserver.ErrNoServer)
	require.ErrorContains(t, err, "pip install 'moto[server]'")
	require.ErrorContains(t, err, "AWS_ENDPOINT_URL_DYNAMODB")
}
