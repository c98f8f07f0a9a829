package gateway_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/cognito"
	"github.com/go-sam-blueprint/orders/src/local/gateway"
)

// newPool is a local user pool on a loopback port, on the clock now.
func newPool(t *testing.T, now func() time.Time) *cognito.Pool {
	t.Helper()
	pool, err := cognito.New(cognito.Options{Now: now})
	require.NoError(t, err)
	require.NoError(t, pool.Start(context.Background(), "127.0.0.1:0"))
	t.Cleanup(func() { _ = pool.Stop() })
	return pool
}

func userToken(t *testing.T, pool *cognito.Pool, user string, scopes ...string) string {
	t.Helper()
	token, err := pool.UserToken(user, scopes)
	require.NoError(t, err)
	return token
}

// The Cognito authorizer of api.yaml, as API Gateway runs it before any
// function: every failure is its 401, a missing scope too, and an expired
// token says so; a token that passes reaches the function with its claims
// as API Gateway renders them.
func TestCognitoAuthorizer(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "api.yaml"))
	require.NoError(t, err)
	// A clock the test moves on, rather than wait for a token to expire.
	var later atomic.Int64
	now := func() time.Time {
		return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC).Add(time.Duration(later.Load()))
	}
	pool, other := newPool(t, now), newPool(t, now)
	fn := &recorder{resp: events.APIGatewayProxyResponse{StatusCode: http.StatusOK}}
	srv := newGateway(t, string(raw), fn, gateway.Options{UserPools: map[string]gateway.UserPool{"UserPool": pool}, Template: repoTemplate(t, nil)})

	both := userToken(t, pool, "alice")
	readOnly := userToken(t, pool, "alice", "orders/read")
	expiring := userToken(t, pool, "bob")
	foreign := userToken(t, other, "alice")
	tampered := both[:len(both)-4] + "AAAA"
	clientID, secret := pool.MachineClient()
	require.NotEmpty(t, clientID+secret)

	const unauthorized, expired = "Unauthorized", "The incoming token has expired"
	tests := []struct {
		name, method, path, authorization string
		want                              string // the 401's detail; "" when the function is reached
	}{
		{"no token", http.MethodGet, "/api/orders", "", unauthorized},
		{"an empty Bearer", http.MethodGet, "/api/orders", "Bearer ", unauthorized},
		{"not a token", http.MethodGet, "/api/orders", "Bearer hello", unauthorized},
		{"a tampered token", http.MethodGet, "/api/orders", "Bearer " + tampered, unauthorized},
		{"another pool's token", http.MethodGet, "/api/orders", "Bearer " + foreign, unauthorized},
		{"Basic credentials", http.MethodGet, "/api/orders", "Basic YWxpY2U6c2VjcmV0", unauthorized},
		{"a read-only token creating", http.MethodPost, "/api/orders", "Bearer " + readOnly, unauthorized},
		{"a read-only token deleting", http.MethodDelete, "/api/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6", "Bearer " + readOnly, unauthorized},
		{"no token on the any-method", http.MethodPut, "/api/orders", "", unauthorized},
		{"a read-only token listing", http.MethodGet, "/api/orders", "Bearer " + readOnly, ""},
		{"a read-only token getting", http.MethodGet, "/api/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6", "Bearer " + readOnly, ""},
		{"a token creating", http.MethodPost, "/api/orders", "Bearer " + both, ""},
		{"a raw token, without Bearer", http.MethodGet, "/api/orders", both, ""},
		{"bearer in lower case", http.MethodGet, "/api/orders", "bearer " + both, ""},
		{"a token on the any-method", http.MethodPut, "/api/orders", "Bearer " + both, ""},
		{"the docs, with no token", http.MethodGet, "/swagger", "", ""},
		{"the docs, with a bad token", http.MethodGet, "/swagger.json", "Bearer hello", ""},
	}
	for _, tt := range tests {
		before := len(fn.seen())
		got := do(t, tt.method, srv.URL+tt.path, http.NoBody, map[string]string{"Authorization": tt.authorization})
		if tt.want == "" {
			assert.Equal(t, http.StatusOK, got.status, "%s: %s", tt.name, got.body)
			assert.Len(t, fn.seen(), before+1, "%s: the function ran", tt.name)
			continue
		}
		assert.Len(t, fn.seen(), before, "%s: no function ran", tt.name)
		assert.Equal(t, http.StatusUnauthorized, got.status, tt.name)
		assert.Equal(t, "UnauthorizedException", got.header.Get("x-amzn-ErrorType"), tt.name)
		assert.Equal(t, "Bearer", got.header.Get("WWW-Authenticate"), tt.name)
		assert.Equal(t, "application/problem+json", got.header.Get("Content-Type"), tt.name)
		assert.JSONEq(t, `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"`+tt.want+`","instance":"`+
			got.header.Get("x-amzn-RequestId")+`"}`, got.body, tt.name)
	}

	// The claims reach the function as API Gateway renders them.
	before := len(fn.seen())
	do(t, http.MethodGet, srv.URL+"/api/orders", http.NoBody, map[string]string{"Authorization": "Bearer " + both})
	seen := fn.seen()
	require.Len(t, seen, before+1)
	claims, ok := seen[before].RequestContext.Authorizer["claims"].(map[string]any)
	require.True(t, ok, "%v", seen[before].RequestContext.Authorizer)
	verified, err := pool.Verify(both)
	require.NoError(t, err)
	assert.Equal(t, verified.Sub(), claims["sub"])
	assert.Equal(t, "orders/read orders/write", claims["scope"])
	assert.Equal(t, "access", claims["token_use"])
	assert.Equal(t, "Sat Nov 28 13:00:00 UTC 2026", claims["exp"], "exp as a date, as Java writes one")
	assert.Equal(t, "Sat Nov 28 12:00:00 UTC 2026", claims["iat"])
	for name, v := range claims {
		assert.IsType(t, "", v, "%s: every claim a string", name)
	}

	// An hour on, bob's token has expired, and API Gateway says so.
	later.Store(int64(time.Hour))
	got := do(t, http.MethodGet, srv.URL+"/api/orders", http.NoBody, map[string]string{"Authorization": "Bearer " + expiring})
	assert.Equal(t, http.StatusUnauthorized, got.status)
	assert.Contains(t, got.body, `"detail":"`+expired+`"`)
}

// A security scheme naming a pool that the stand-in lacks fails, as a
// deploy without the pool would.
func TestAuthorizerNeedsItsPool(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "api.yaml"))
	require.NoError(t, err)
	_, err = gateway.New(load(t, string(raw)), gateway.Options{Functions: every(&recorder{}), Template: repoTemplate(t, nil)})
	require.ErrorContains(t, err, `no user pool "UserPool"`)
}
