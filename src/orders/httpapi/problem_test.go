package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders"
)

// storeError wraps err as the DynamoDB store does, around what it was told.
func storeError(err error) error {
	return fmt.Errorf("order %s: %w", knownID, fmt.Errorf("operation error DynamoDB: GetItem, boom quota Exception: %w", err))
}

// Each of the domain's errors has its answer, from one table; anything
// else is a 500 that reveals nothing. The cause stays in the log.
func TestDomainErrorsAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		status     int
		typ        string
		retryAfter string
	}{
		{"not found", storeError(orders.ErrNotFound), http.StatusNotFound, "about:blank", ""},
		{"unavailable", storeError(orders.ErrUnavailable), http.StatusServiceUnavailable, "about:blank", "1"},
		{"deadline", storeError(context.DeadlineExceeded), http.StatusGatewayTimeout, "about:blank", ""},
		{"canceled", storeError(context.Canceled), http.StatusGatewayTimeout, "about:blank", ""},
		{"key reused", storeError(orders.ErrIdempotencyKeyReused), http.StatusUnprocessableEntity, problemType("idempotency-key-reused"), ""},
		{"in progress", &orders.ConflictError{RetryAfter: 1500 * time.Millisecond}, http.StatusConflict, problemType("idempotency-in-progress"), "2"},
		{"page token", storeError(orders.ErrInvalidPageToken), http.StatusBadRequest, problemType("invalid-next-token"), ""},
		{
			"invalid", &orders.InvalidError{Violations: []orders.Violation{{Field: orders.FieldPageSize, Reason: "must be small"}}},
			http.StatusUnprocessableEntity, problemType("validation-error"), "",
		},
		{"anything else", storeError(errors.New("DynamoDB said no")), http.StatusInternalServerError, "about:blank", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 0)
			f.store.Err = tt.err
			rec := serve(f.h, http.MethodGet, "/api/orders/"+knownID, "", "")
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			p := decodeProblem(t, rec)
			assert.Equal(t, tt.typ, p.Type)
			if tt.typ == "about:blank" {
				assert.Equal(t, http.StatusText(tt.status), p.Title)
			}
			assert.Equal(t, tt.retryAfter, rec.Header().Get("Retry-After"))
			for _, word := range []string{"DynamoDB", "Exception", "GetItem", "boom", "quota", "deadline", "said no"} {
				assert.NotContains(t, rec.Body.String(), word)
			}
			failed := f.log.String()
			if tt.status >= http.StatusInternalServerError {
				assert.Contains(t, failed, `"message":"request failed"`, "a server failure is logged with its cause")
			} else {
				assert.NotContains(t, failed, `"message":"request failed"`, "the client's mistakes are not errors of ours")
			}
		})
	}
}

func problemType(anchor string) string {
	return "https://github.com/go-sam-blueprint/orders/blob/main/docs/problems.md#" + anchor
}
