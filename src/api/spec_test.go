package api_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
)

// Spec reads the same document as GetSpec, references resolved.
func TestSpecIsGetSpec(t *testing.T) {
	t.Parallel()
	fast, err := api.Spec()
	require.NoError(t, err)
	slow, err := api.GetSpec()
	require.NoError(t, err)
	a, err := json.Marshal(fast)
	require.NoError(t, err)
	b, err := json.Marshal(slow)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(a))
	require.NotNil(t, fast.Paths.Find("/api/orders").Post.RequestBody.Value, "references are resolved")
}

func BenchmarkSpec(b *testing.B) {
	for range b.N {
		if _, err := api.Spec(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetSpec(b *testing.B) {
	for range b.N {
		if _, err := api.GetSpec(); err != nil {
			b.Fatal(err)
		}
	}
}
