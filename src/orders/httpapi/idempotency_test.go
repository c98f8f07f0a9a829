package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/orders/orderstest"
	"github.com/go-sam-blueprint/orders/src/platform/caller"
)

func create(h http.Handler, key, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/api/orders", strings.NewReader(body))
	req = req.WithContext(caller.NewContext(req.Context(), claimsOf(orderstest.Alice)))
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestIdempotentCreate(t *testing.T) {
	t.Parallel()
	const body = `{"customer_name":"Ada","order_item_count":3}`
	tests := []struct {
		name string
		// second is the repeat's key and body.
		firstKey, secondKey, secondBody string
		status                          int
		replayed                        bool
		problemType                     string
	}{
		{name: "same key and body replays", firstKey: "k1", secondKey: "k1", secondBody: body, status: 200, replayed: true},
		{name: "no key, same body replays", secondBody: body, status: 200, replayed: true},
		{name: "no key, body with other spacing replays", secondBody: `{ "order_item_count": 3, "customer_name": "Ada" }`, status: 200, replayed: true},
		{name: "new key creates", firstKey: "k1", secondKey: "k2", secondBody: body, status: 200},
		{name: "no key, other body creates", secondBody: `{"customer_name":"Ada","order_item_count":4}`, status: 200},
		{
			name: "same key, other body is refused", firstKey: "k1", secondKey: "k1", secondBody: `{"customer_name":"Bob","order_item_count":3}`,
			status: 422, problemType: "https://github.com/go-sam-blueprint/orders/blob/main/docs/problems.md#idempotency-key-reused",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, slog.LevelInfo)
			first := create(f.h, tt.firstKey, body)
			require.Equal(t, http.StatusOK, first.Code, first.Body.String())
			second := create(f.h, tt.secondKey, tt.secondBody)
			require.Equal(t, tt.status, second.Code, second.Body.String())
			if tt.problemType != "" {
				assert.Equal(t, tt.problemType, decodeProblem(t, second).Type)
				assert.Equal(t, 2, f.store.Len(), "nothing more is stored")
				return
			}
			if tt.replayed {
				assert.Equal(t, "true", second.Header().Get("Idempotent-Replayed"))
				assert.JSONEq(t, first.Body.String(), second.Body.String(), "a replay answers exactly as the first time")
				assert.Equal(t, 2, f.store.Len(), "a replay stores nothing")
			} else {
				assert.Empty(t, second.Header().Get("Idempotent-Replayed"))
				assert.NotEqual(t, orderID(t, first), orderID(t, second))
				assert.Equal(t, 3, f.store.Len())
			}
		})
	}
}

func orderID(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var o api.Order
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &o))
	return o.Id.String()
}

func TestCreateInProgressIsConflict(t *testing.T) {
	t.Parallel()
	f := newFixture(t, slog.LevelInfo)
	f.store.Err = &orders.ConflictError{RetryAfter: 3 * time.Second}
	rec := create(f.h, "k1", `{"customer_name":"Ada","order_item_count":3}`)
	require.Equal(t, http.StatusConflict, rec.Code)
	assert.Equal(t, "3", rec.Header().Get("Retry-After"))
	p := decodeProblem(t, rec)
	assert.Equal(t, "https://github.com/go-sam-blueprint/orders/blob/main/docs/problems.md#idempotency-in-progress", p.Type)
}

func TestIdempotencyKeyIsValidated(t *testing.T) {
	t.Parallel()
	f := newFixture(t, slog.LevelInfo)
	rec := create(f.h, strings.Repeat("k", 256), `{"customer_name":"Ada","order_item_count":3}`)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Equal(t, map[string]string{"Idempotency-Key": "must be 1 to 255 characters long"}, pointers(decodeProblem(t, rec)))
}

func TestBodiesAreLoggedOnlyAtDebug(t *testing.T) {
	t.Parallel()
	const body = `{"customer_name":"Secret Sam","order_item_count":3}`
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		f := newFixture(t, level)
		require.Equal(t, http.StatusOK, create(f.h, "", body).Code)
		if level == slog.LevelDebug {
			assert.Contains(t, f.log.String(), `"request_body":"{\"customer_name\":\"Secret Sam\"`)
			assert.Contains(t, f.log.String(), `"response_body":`)
		} else {
			assert.NotContains(t, f.log.String(), "Secret Sam")
		}
	}
}
