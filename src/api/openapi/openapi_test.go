package openapi_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api/openapi"
)

// openapi.json is what make generate makes of api.yaml now.
func TestJSONIsFresh(t *testing.T) {
	t.Parallel()
	// Read here, not only by the generator, so that go test's cache keys
	// on them, the generator's own code included.
	generator, err := filepath.Glob("internal/tojson/*.go")
	require.NoError(t, err)
	for _, in := range append(generator, "../../../api.yaml") {
		_, err := os.ReadFile(in) //nolint:gosec // The repository's own files.
		require.NoError(t, err)
	}
	fresh := filepath.Join(t.TempDir(), "openapi.json")
	out, err := exec.Command("go", "run", "./internal/tojson", "../../../api.yaml", fresh).CombinedOutput()
	require.NoError(t, err, "tojson: %s", out)
	want, err := os.ReadFile(fresh) //nolint:gosec // The test's own directory.
	require.NoError(t, err)
	require.True(t, bytes.Equal(want, openapi.JSON()), "src/api/openapi/openapi.json is stale: run `make generate` and commit the result")
}

// Document is the embedded JSON, references resolved, and each caller's
// own.
func TestDocument(t *testing.T) {
	t.Parallel()
	doc, err := openapi.Document()
	require.NoError(t, err)
	schema := doc.Paths.Find("/api/orders").Post.RequestBody.Value.Content.Get("application/json").Schema
	assert.Equal(t, "#/components/schemas/CreateOrderRequest", schema.Ref)
	require.NotNil(t, schema.Value, "references are resolved")
	assert.Contains(t, schema.Value.Properties, "customer_name")

	raw, err := json.Marshal(doc)
	require.NoError(t, err)
	assert.JSONEq(t, string(openapi.JSON()), string(raw))

	doc.Info.Title = "changed"
	again, err := openapi.Document()
	require.NoError(t, err)
	assert.NotEqual(t, "changed", again.Info.Title, "each call decodes a document of its own")
}

func BenchmarkDocument(b *testing.B) {
	for b.Loop() {
		if _, err := openapi.Document(); err != nil {
			b.Fatal(err)
		}
	}
}

// Formats checks the two formats api.yaml uses, as the API writes them.
func TestFormats(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		format, value string
		ok            bool
	}{
		{"uuid", "3fa85f64-5717-4562-b3fc-2c963f66afa6", true},
		{"uuid", "3fa85f6457174562b3fc2c963f66afa6", false},
		{"uuid", "urn:uuid:3fa85f64-5717-4562-b3fc-2c963f66afa6", false},
		{"uri-reference", "/docs/problems.md#validation-error", true},
		{"uri-reference", "%zz", false},
	} {
		schema := openapi3.NewStringSchema().WithFormat(tt.format)
		err := schema.VisitJSON(tt.value, openapi.Formats())
		assert.Equal(t, tt.ok, err == nil, "%s %q: %v", tt.format, tt.value, err)
	}
}
