package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/local/cognito"
	"github.com/go-sam-blueprint/orders/tests/contract"
)

// unauthorized checks API Gateway's 401: the problem api.yaml's
// UNAUTHORIZED gateway response makes of it, with its challenge.
func unauthorized(t *testing.T, status int, header http.Header, body []byte, detail string) {
	t.Helper()
	require.Equal(t, http.StatusUnauthorized, status, "%s", body)
	assert.Equal(t, "Bearer", header.Get("WWW-Authenticate"))
	p := problem(t, http.StatusUnauthorized, header.Get("Content-Type"), body)
	require.NotNil(t, p.Detail)
	assert.Equal(t, detail, *p.Detail)
}

// Every orders operation wants a token that API Gateway's authorizer
// accepts; every failure is its 401, before any function runs.
func TestOperationsNeedAToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	order := api.CreateOrderRequest{CustomerName: "Nobody", OrderItemCount: 1}
	type call func(c *api.ClientWithResponses) (int, http.Header, []byte, error)
	calls := map[string]call{
		"create": func(c *api.ClientWithResponses) (int, http.Header, []byte, error) {
			r, err := c.CreateOrderWithResponse(ctx, nil, order)
			return answer(r, err)
		},
		"list": func(c *api.ClientWithResponses) (int, http.Header, []byte, error) {
			r, err := c.ListOrdersWithResponse(ctx, nil)
			return answer(r, err)
		},
		"get": func(c *api.ClientWithResponses) (int, http.Header, []byte, error) {
			r, err := c.GetOrderWithResponse(ctx, uuid.New())
			return answer(r, err)
		},
		"delete": func(c *api.ClientWithResponses) (int, http.Header, []byte, error) {
			r, err := c.DeleteOrderWithResponse(ctx, uuid.New())
			return answer(r, err)
		},
	}
	tokens := map[string]string{
		"no token":      "",
		"not a token":   "hello",
		"tampered":      alice[:len(alice)-6] + "AAAAAA",
		"cut short":     alice[:strings.LastIndex(alice, ".")],
		"another's key": otherIssuersToken(t),
	}
	for name, token := range tokens {
		c := newClientAs(t, token)
		for op, do := range calls {
			status, header, body, err := do(c)
			require.NoError(t, err, "%s, %s", name, op)
			t.Run(name+"/"+op, func(t *testing.T) { unauthorized(t, status, header, body, "Unauthorized") })
		}
	}
}

// answer is what the generated client read, for the table above.
func answer(r interface {
	StatusCode() int
}, err error,
) (int, http.Header, []byte, error) {
	if err != nil {
		return 0, nil, nil, err
	}
	switch r := r.(type) {
	case *api.CreateOrderResponse:
		return r.StatusCode(), r.HTTPResponse.Header, r.Body, nil
	case *api.ListOrdersResponse:
		return r.StatusCode(), r.HTTPResponse.Header, r.Body, nil
	case *api.GetOrderResponse:
		return r.StatusCode(), r.HTTPResponse.Header, r.Body, nil
	case *api.DeleteOrderResponse:
		return r.StatusCode(), r.HTTPResponse.Header, r.Body, nil
	}
	return r.StatusCode(), nil, nil, nil
}

// otherIssuersToken is a well-formed token of another user pool: its own
// key and issuer. Any pool but the API's will do.
func otherIssuersToken(t *testing.T) string {
	t.Helper()
	pool, err := cognito.New(cognito.Options{ID: "someone_else"})
	require.NoError(t, err)
	require.NoError(t, pool.Start(context.Background(), "127.0.0.1:0"))
	t.Cleanup(func() { _ = pool.Stop() })
	token, err := pool.UserToken("alice", nil)
	require.NoError(t, err)
	return token
}

// An expired token gets API Gateway's own words for it.
func TestExpiredTokenIs401(t *testing.T) {
	t.Parallel()
	if local == nil {
		t.Skip("API_URL is set: an expired token of the deployed pool cannot be made on demand")
	}
	expired, err := local.ExpiredToken(context.Background(), "alice")
	require.NoError(t, err)
	r, err := newClientAs(t, expired).ListOrdersWithResponse(context.Background(), nil)
	require.NoError(t, err)
	unauthorized(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, "The incoming token has expired")
}

// A token must carry the operation's scope: one that may only read lists
// and reads, and cannot create or delete. API Gateway answers the missing
// scope with its 401, as documented (docs/auth.md), not a 403.
func TestScopesDecideWhatATokenMayDo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mine := createOrder(t, newClient(t), "Scoped", 1)
	reader := newClientAs(t, aliceReadOnly)

	list, err := reader.ListOrdersWithResponse(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, list.StatusCode(), "%s", list.Body)
	got, err := reader.GetOrderWithResponse(ctx, mine.Id)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, got.StatusCode(), "%s", got.Body)

	created, err := reader.CreateOrderWithResponse(ctx, nil, api.CreateOrderRequest{CustomerName: "Reader", OrderItemCount: 1})
	require.NoError(t, err)
	unauthorized(t, created.StatusCode(), created.HTTPResponse.Header, created.Body, "Unauthorized")
	deleted, err := reader.DeleteOrderWithResponse(ctx, mine.Id)
	require.NoError(t, err)
	unauthorized(t, deleted.StatusCode(), deleted.HTTPResponse.Header, deleted.Body, "Unauthorized")

	still, err := newClient(t).GetOrderWithResponse(ctx, mine.Id)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, still.StatusCode(), "the read-only token deleted nothing")
}

// An order is its creator's: to bob, alice's order does not exist, and it
// stays alice's.
func TestOrdersAreTheirCreators(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hers := createOrder(t, newClient(t), "Alice's", 2)
	asBob := newClientAs(t, bob)

	got, err := asBob.GetOrderWithResponse(ctx, hers.Id)
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, got.StatusCode(), "%s", got.Body)
	problem(t, http.StatusNotFound, got.HTTPResponse.Header.Get("Content-Type"), got.Body)
	deleted, err := asBob.DeleteOrderWithResponse(ctx, hers.Id)
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, deleted.StatusCode(), "%s", deleted.Body)

	still, err := newClient(t).GetOrderWithResponse(ctx, hers.Id)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, still.StatusCode())
	assert.Equal(t, hers, *still.JSON200, "alice's order is still there, unchanged")
}

// A list holds the caller's orders only, on every page, newest first; a
// next_token works only for the caller it was given to.
func TestListsAreTheCallers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hers := map[uuid.UUID]bool{}
	for i := range 3 {
		hers[createOrder(t, newClient(t), "Hers", i+1).Id] = true
	}
	asBob := newClientAs(t, bob)
	for i := range 3 {
		createOrder(t, asBob, "His", i+1)
	}

	limit := 1
	params := &api.ListOrdersParams{Limit: &limit}
	pages := 0
	var previous *api.Order
	for {
		pages++
		require.Less(t, pages, 10000, "paging must end")
		page, err := asBob.ListOrdersWithResponse(ctx, params)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, page.StatusCode(), "%s", page.Body)
		for _, o := range page.JSON200.Orders {
			assert.False(t, hers[o.Id], "bob's list shows alice's order %s", o.Id)
			if previous != nil {
				assert.False(t, o.CreatedAt.After(previous.CreatedAt), "newest first")
			}
			previous = &o
		}
		if page.JSON200.NextToken == nil {
			break
		}
		params.NextToken = page.JSON200.NextToken
		if pages == 1 {
			// Alice cannot page on from bob's first page.
			theirs, err := newClient(t).ListOrdersWithResponse(ctx, &api.ListOrdersParams{NextToken: params.NextToken})
			require.NoError(t, err)
			require.Equal(t, http.StatusBadRequest, theirs.StatusCode(), "%s", theirs.Body)
			assert.Contains(t, problem(t, http.StatusBadRequest, theirs.HTTPResponse.Header.Get("Content-Type"), theirs.Body).Type, "invalid-next-token")
		}
	}
	assert.GreaterOrEqual(t, pages, 3, "bob's three orders, a page each")
}

// An Idempotency-Key is each caller's own: alice's and bob's creates with
// one key are two orders, and neither replays the other's.
func TestIdempotencyKeysAreTheCallers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key := uuid.NewString()
	order := api.CreateOrderRequest{CustomerName: "Shared key", OrderItemCount: 1}
	hers, err := newClient(t).CreateOrderWithResponse(ctx, nil, order, withKey(key))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, hers.StatusCode(), "%s", hers.Body)
	his, err := newClientAs(t, bob).CreateOrderWithResponse(ctx, nil, order, withKey(key))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, his.StatusCode(), "%s", his.Body)
	assert.NotEqual(t, hers.JSON200.Id, his.JSON200.Id, "two orders")
	assert.Empty(t, his.HTTPResponse.Header.Get("Idempotent-Replayed"), "bob's create is no replay of alice's")
}

// The documentation answers without a token.
func TestDocsArePublic(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"/swagger", "/swagger.json"} {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, strings.TrimSuffix(baseURL, "/")+path, http.NoBody)
		require.NoError(t, err)
		resp, err := contract.Checked(t, baseURL).Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, body)
		if path == "/swagger.json" {
			var doc map[string]any
			require.NoError(t, json.Unmarshal(body, &doc))
			assert.Contains(t, doc, "paths")
		}
	}
}
