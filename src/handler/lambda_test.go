package handler_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/handler"
)

// The sample events in events/ are what `sam local invoke -e` sends; each
// must work through the real handler.
func TestSampleEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file   string
		status int
		body   string
	}{
		{"create_order.json", http.StatusOK, ""},
		{"get_order.json", http.StatusOK, `{"id":"` + knownID + `","name":"Grace","item_count":2,"created_at":"2026-11-26T12:00:00Z"}`},
		{"delete_order.json", http.StatusOK, `{"order_id":"` + knownID + `"}`},
		{"list_orders.json", http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(filepath.Join("..", "..", "events", tt.file))
			require.NoError(t, err)
			var event events.APIGatewayProxyRequest
			require.NoError(t, json.Unmarshal(raw, &event))
			h, _ := newHandler(t)

			resp, err := handler.Lambda(h)(context.Background(), event)
			require.NoError(t, err)
			require.Equal(t, tt.status, resp.StatusCode, resp.Body)
			assert.Equal(t, []string{"application/json"}, resp.MultiValueHeaders["Content-Type"])
			if tt.body != "" {
				assert.JSONEq(t, tt.body, resp.Body)
			}
		})
	}
}

func TestLambdaProblemsCarryTheRequestID(t *testing.T) {
	t.Parallel()
	h, _ := newHandler(t)
	resp, err := handler.Lambda(h)(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod:     http.MethodGet,
		Path:           "/api/orders/00000000-0000-0000-0000-000000000000",
		Resource:       "/api/orders/{orderId}",
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-1"},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	var p api.Problem
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &p))
	require.NotNil(t, p.Instance)
	assert.Equal(t, "req-1", *p.Instance)
}

// An event that is no HTTP request is bad input: 400, not a function error
// that API Gateway would turn into a 502.
func TestLambdaUnreadableEvents(t *testing.T) {
	t.Parallel()
	tests := map[string]events.APIGatewayProxyRequest{
		"bad base64 body": {HTTPMethod: http.MethodPost, Path: "/api/orders", Body: "%%%", IsBase64Encoded: true},
		"bad method":      {HTTPMethod: "GE T", Path: "/api/orders"},
		"bad path escape": {HTTPMethod: http.MethodGet, Path: "/api/orders/%zz"},
	}
	for name, event := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, _ := newHandler(t)
			resp, err := handler.Lambda(h)(context.Background(), event)
			require.NoError(t, err)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, resp.Body)
			assert.Equal(t, []string{"application/problem+json"}, resp.MultiValueHeaders["Content-Type"])
		})
	}
}
