package caller_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-sam-blueprint/orders/src/platform/caller"
)

func TestFromAuthorizer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		authorizer map[string]any
		want       caller.Claims
	}{
		{"no authorizer", nil, nil},
		{"no claims, as sam local start-api sends", map[string]any{"claims": nil, "scopes": nil}, nil},
		{"claims of something else", map[string]any{"claims": "sub=x"}, nil},
		{
			"Cognito's claims, all strings",
			map[string]any{"claims": map[string]any{
				"sub": "4f1c2a6e-1b7d-4c0e-9a55-3c2d7e8f9a01", "scope": "orders/read orders/write",
				"exp": "Tue Apr 04 18:39:39 UTC 2023", "auth_time": "1680629979",
			}},
			caller.Claims{
				"sub": "4f1c2a6e-1b7d-4c0e-9a55-3c2d7e8f9a01", "scope": "orders/read orders/write",
				"exp": "Tue Apr 04 18:39:39 UTC 2023", "auth_time": "1680629979",
			},
		},
		{"a claim that is no string is left out", map[string]any{"claims": map[string]any{"sub": "a", "n": 1.0}}, caller.Claims{"sub": "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, caller.FromAuthorizer(tt.authorizer))
		})
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	_, ok := caller.FromContext(context.Background())
	assert.False(t, ok, "no claims")
	_, ok = caller.FromContext(caller.NewContext(context.Background(), nil))
	assert.False(t, ok, "empty claims are no caller")

	c := caller.Claims{"sub": "alice", "scope": "orders/read  orders/write"}
	got, ok := caller.FromContext(caller.NewContext(context.Background(), c))
	assert.True(t, ok)
	assert.Equal(t, "alice", got.Subject())
	assert.Equal(t, []string{"orders/read", "orders/write"}, got.Scopes())
}
