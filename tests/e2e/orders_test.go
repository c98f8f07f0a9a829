package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
)

const (
	validationType  = "https://github.com/go-sam-blueprint/orders/blob/main/docs/problems.md#validation-error"
	invalidJSONType = "https://github.com/go-sam-blueprint/orders/blob/main/docs/problems.md#invalid-json"
)

func createOrder(t *testing.T, c *api.ClientWithResponses, name string, count int) api.Order {
	t.Helper()
	// A fresh key: a run repeated within the idempotency window, as against
	// a deployed API, must not replay an earlier run's order.
	resp, err := c.CreateOrderWithResponse(context.Background(), nil, api.CreateOrderJSONRequestBody{CustomerName: name, OrderItemCount: count},
		withKey(uuid.NewString()))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), string(resp.Body))
	require.NotNil(t, resp.JSON200)
	return *resp.JSON200
}

func problem(t *testing.T, status int, contentType string, body []byte) api.Problem {
	t.Helper()
	assert.Equal(t, "application/problem+json", contentType)
	var p api.Problem
	require.NoError(t, json.Unmarshal(body, &p), string(body))
	assert.Equal(t, status, p.Status)
	assert.NotEmpty(t, p.Title)
	return p
}

func TestOrderLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(t)

	before := time.Now().Add(-time.Minute)
	o := createOrder(t, c, "Ada", 3)
	assert.Equal(t, "Ada", o.Name)
	assert.Equal(t, 3, o.ItemCount)
	assert.NotEqual(t, uuid.Nil, o.Id)
	assert.WithinRange(t, o.CreatedAt, before, time.Now().Add(time.Minute))

	got, err := c.GetOrderWithResponse(ctx, o.Id)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, got.StatusCode())
	assert.Equal(t, o.Id, got.JSON200.Id)
	assert.Equal(t, o.Name, got.JSON200.Name)
	assert.True(t, o.CreatedAt.Equal(got.JSON200.CreatedAt))

	del, err := c.DeleteOrderWithResponse(ctx, o.Id)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, del.StatusCode())
	assert.Equal(t, o.Id, del.JSON200.OrderId)

	gone, err := c.GetOrderWithResponse(ctx, o.Id)
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, gone.StatusCode())
	problem(t, http.StatusNotFound, gone.HTTPResponse.Header.Get("Content-Type"), gone.Body)

	again, err := c.DeleteOrderWithResponse(ctx, o.Id)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, again.StatusCode())
}

func TestCreateWithoutContentType(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	noContentType := func(_ context.Context, req *http.Request) error {
		req.Header.Del("Content-Type")
		return nil
	}
	resp, err := c.CreateOrderWithBodyWithResponse(context.Background(), nil, "", strings.NewReader(`{"customer_name":"Bob","order_item_count":1}`), noContentType)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), string(resp.Body))
	assert.Equal(t, "Bob", resp.JSON200.Name)
}

func TestBadCreates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		body        string
		status      int
		problemType string
		pointers    []string
	}{
		{"missing customer_name", `{"order_item_count": 5}`, http.StatusUnprocessableEntity, validationType, []string{"#/customer_name"}},
		{"bad count and name", `{"customer_name": "", "order_item_count": 0}`, http.StatusUnprocessableEntity, validationType, []string{"#/customer_name", "#/order_item_count"}},
		{"not json", `not json`, http.StatusBadRequest, invalidJSONType, nil},
		// Issue 15, finding 3: what JSON decoding would alter is refused,
		// with the member named; bytes reach the function as sent.
		{"a lone surrogate", `{"customer_name": "Zo\udc00", "order_item_count": 1}`, http.StatusBadRequest, invalidJSONType, []string{"#/customer_name"}},
		{"Latin-1 bytes", "{\"customer_name\": \"Ren\xe9e\", \"order_item_count\": 1}", http.StatusBadRequest, invalidJSONType, []string{"#/customer_name"}},
		{"a charset other than UTF-8", `{"customer_name": "Rene", "order_item_count": 1}`, http.StatusUnsupportedMediaType, "about:blank", nil},
	}
	c := newClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			contentType := "application/json"
			if tt.status == http.StatusUnsupportedMediaType {
				contentType = "application/json; charset=latin1"
			}
			resp, err := c.CreateOrderWithBodyWithResponse(context.Background(), nil, contentType, strings.NewReader(tt.body))
			require.NoError(t, err)
			require.Equal(t, tt.status, resp.StatusCode(), string(resp.Body))
			p := problem(t, tt.status, resp.HTTPResponse.Header.Get("Content-Type"), resp.Body)
			assert.Equal(t, tt.problemType, p.Type)
			var pointers []string
			if p.Errors != nil {
				for _, e := range *p.Errors {
					require.NotNil(t, e.Pointer)
					pointers = append(pointers, *e.Pointer)
					assert.NotEmpty(t, e.Detail)
				}
			}
			assert.Equal(t, tt.pointers, pointers)
		})
	}
}

func TestGetUnknownOrder(t *testing.T) {
	t.Parallel()
	resp, err := newClient(t).GetOrderWithResponse(context.Background(), uuid.Nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, resp.StatusCode())
	p := problem(t, http.StatusNotFound, resp.HTTPResponse.Header.Get("Content-Type"), resp.Body)
	assert.Equal(t, "about:blank", p.Type)
}

func TestListPagesThroughAllOrders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(t)
	mine := map[uuid.UUID]bool{}
	for i := range 5 {
		mine[createOrder(t, c, "Pager", i+1).Id] = true
	}
	require.Len(t, mine, 5)
	seen := map[uuid.UUID]bool{}
	params := &api.ListOrdersParams{Limit: ptr(1)}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10_000, "paging must end")
		resp, err := c.ListOrdersWithResponse(ctx, params)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode(), string(resp.Body))
		assert.LessOrEqual(t, len(resp.JSON200.Orders), 1)
		for _, o := range resp.JSON200.Orders {
			assert.False(t, seen[o.Id], "each order appears once")
			seen[o.Id] = true
		}
		if resp.JSON200.NextToken == nil {
			break
		}
		params.NextToken = resp.JSON200.NextToken
	}
	for id := range mine {
		assert.True(t, seen[id], "order %s is listed", id)
	}
}

func TestBadRequestsAreProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path string
		status             int
	}{
		{"tampered next_token", http.MethodGet, "/api/orders?next_token=eyJpZCI6Im5vcGUifQ", http.StatusBadRequest},
		{"limit out of range", http.MethodGet, "/api/orders?limit=500", http.StatusUnprocessableEntity},
		{"order id not a uuid", http.MethodGet, "/api/orders/42", http.StatusUnprocessableEntity},
		{"wrong method", http.MethodPut, "/api/orders", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(context.Background(), tt.method, baseURL+tt.path, http.NoBody)
			require.NoError(t, err)
			resp, err := do(t, req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tt.status, resp.StatusCode)
			var body json.RawMessage
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			problem(t, tt.status, resp.Header.Get("Content-Type"), body)
		})
	}
}

func ptr[T any](v T) *T { return &v }

// HEAD is answered wherever GET is (issue 15, finding 5): the GET's
// status and headers, no body; API Gateway lets it through to the
// orders' any-methods. (Content-Length is the gateway's to set, and RFC
// 9110 lets a HEAD answer leave it out.)
func TestHeadAnswersAsGet(t *testing.T) {
	t.Parallel()
	o := createOrder(t, newClient(t), "Headed", 1)
	for _, path := range []string{"/api/orders", "/api/orders/" + o.Id.String()} {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodHead, baseURL+path, http.NoBody)
		require.NoError(t, err)
		resp, err := do(t, req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Empty(t, body, path)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"), path)
	}
}
