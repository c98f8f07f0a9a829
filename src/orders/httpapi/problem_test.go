package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sdkError wraps err as the SDK returns it, then as the store does.
func sdkError(operation string, err error) error {
	return fmt.Errorf("get order x: %w", &smithy.OperationError{ServiceID: "DynamoDB", OperationName: operation, Err: err})
}

// Failures that are not the client's are answered by status alone: 503
// with Retry-After when DynamoDB throttled, 504 when time ran out, 500
// otherwise. The SDK's errors come here after its own retries gave up.
func TestServerFailures(t *testing.T) {
	t.Parallel()
	canceled := func(codes ...string) error {
		e := &types.TransactionCanceledException{Message: aws.String("Transaction cancelled")}
		for _, c := range codes {
			e.CancellationReasons = append(e.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
		}
		return e
	}
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"ProvisionedThroughputExceededException", sdkError("GetItem", &types.ProvisionedThroughputExceededException{}), http.StatusServiceUnavailable},
		{"ThrottlingException", sdkError("GetItem", &types.ThrottlingException{}), http.StatusServiceUnavailable},
		{"RequestLimitExceeded", sdkError("GetItem", &types.RequestLimitExceeded{}), http.StatusServiceUnavailable},
		{"throttled transaction item", sdkError("TransactWriteItems", canceled("None", "ThrottlingError")), http.StatusServiceUnavailable},
		{"retry quota spent", sdkError("GetItem", errors.Join(&types.InternalServerError{}, ratelimit.QuotaExceededError{Requested: 14})), http.StatusServiceUnavailable},
		{"deadline", sdkError("GetItem", &smithy.CanceledError{Err: context.DeadlineExceeded}), http.StatusGatewayTimeout},
		{"canceled", sdkError("GetItem", &smithy.CanceledError{Err: context.Canceled}), http.StatusGatewayTimeout},
		{"InternalServerError", sdkError("GetItem", &types.InternalServerError{}), http.StatusInternalServerError},
		{"cancelled transaction, no throttling", sdkError("TransactWriteItems", canceled("None", "ValidationError")), http.StatusInternalServerError},
		{"anything else", errors.New("boom"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, store := newHandler(t)
			store.Err = tt.err
			rec := serve(h, http.MethodGet, "/api/orders/"+knownID, "", "")
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			p := decodeProblem(t, rec)
			assert.Equal(t, "about:blank", p.Type)
			assert.Equal(t, http.StatusText(tt.status), p.Title)
			if tt.status == http.StatusServiceUnavailable {
				assert.Equal(t, "1", rec.Header().Get("Retry-After"))
			} else {
				assert.Empty(t, rec.Header().Get("Retry-After"))
			}
			for _, word := range []string{"DynamoDB", "Exception", "GetItem", "boom", "quota", "deadline"} {
				assert.NotContains(t, rec.Body.String(), word)
			}
		})
	}
}
