package cognito_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/cognito"
)

// Verify never panics, and accepts no string but a token the pool issued:
// the only valid input is the seed it issued.
func FuzzVerify(f *testing.F) {
	p := start(f, cognito.Options{Now: fixed})
	valid, err := p.UserToken("alice", nil)
	require.NoError(f, err)
	parts := strings.Split(valid, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`))
	for _, seed := range []string{
		valid,
		parts[0] + "." + parts[1] + ".",
		none + "." + parts[1] + ".",
		parts[0] + ".e30." + parts[2],
		"", ".", "..", "a.b.c", "e30.e30.e30", "Bearer " + valid, valid + "=",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := p.Verify(token)
		if token == valid {
			require.NoError(t, err)
			return
		}
		require.ErrorIs(t, err, cognito.ErrInvalid)
		assert.Nil(t, claims)
	})
}
