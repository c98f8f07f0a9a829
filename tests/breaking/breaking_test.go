// Package breaking proves the breaking-change gate (scripts/breaking, which
// runs oasdiff): changes that break api.yaml's clients fail it, additive
// ones pass.
package breaking

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/tests/repo"
)

// edit replaces old with new in the spec, once, and fails when old is not
// there (so a fixture cannot silently stop applying).
type edit struct{ old, new string }

func write(t *testing.T, name, spec string, edits ...edit) string {
	t.Helper()
	for _, e := range edits {
		require.Contains(t, spec, e.old, "fixture no longer applies to api.yaml")
		spec = strings.Replace(spec, e.old, e.new, 1)
	}
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(spec), 0o600))
	return path
}

func gate(t *testing.T, base, revision string) (string, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(repo.Root(), "scripts", "breaking"))
	cmd.Env = append(os.Environ(), "BASE_SPEC="+base, "REVISION_SPEC="+revision)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// A query parameter with an enum, for the enum cases.
var withStatus = edit{
	old: "        - name: next_token\n          in: query\n",
	new: "        - name: status\n          in: query\n          schema:\n            type: string\n            enum: [open, shipped, cancelled]\n" +
		"        - name: next_token\n          in: query\n",
}

func TestGate(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(repo.Root(), "api.yaml"))
	require.NoError(t, err)
	spec := string(raw)

	tests := []struct {
		name     string
		base     []edit
		revision []edit
		breaks   bool
		report   string // what oasdiff's report names
	}{
		{name: "no change", breaks: false},
		{
			name:     "a required response field removed",
			revision: []edit{{"      required: [id, name, item_count, created_at, premium]", "      required: [id, name, item_count, created_at]"}},
			breaks:   true, report: "premium",
		},
		{
			name:     "maxLength narrowed",
			revision: []edit{{"          minLength: 1\n          maxLength: 20\n", "          minLength: 1\n          maxLength: 10\n"}},
			breaks:   true, report: "maxlength",
		},
		{
			name:     "an enum narrowed",
			base:     []edit{withStatus},
			revision: []edit{{"enum: [open, shipped, cancelled]", "enum: [open, shipped]"}},
			breaks:   true, report: "cancelled",
		},
		{
			name: "a required request field added",
			revision: []edit{{
				"      required: [customer_name, order_item_count]\n      properties:\n",
				"      required: [customer_name, order_item_count, coupon]\n      properties:\n        coupon:\n          type: string\n",
			}},
			breaks: true, report: "coupon",
		},
		{
			name: "an optional request field added",
			revision: []edit{{
				"      required: [customer_name, order_item_count]\n      properties:\n",
				"      required: [customer_name, order_item_count]\n      properties:\n        note:\n          type: string\n          maxLength: 200\n",
			}},
			breaks: false,
		},
		{
			name: "an operation added",
			revision: []edit{{
				"  /api/orders:\n",
				"  /api/health:\n    get:\n      operationId: health\n      summary: Health\n      responses:\n        '200':\n          description: Healthy.\n  /api/orders:\n",
			}},
			breaks: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := write(t, "base.yaml", spec, tt.base...)
			revision := write(t, "revision.yaml", spec, append(tt.base, tt.revision...)...)
			out, err := gate(t, base, revision)
			if !tt.breaks {
				require.NoError(t, err, out)
				assert.Contains(t, out, "no breaking changes")
				return
			}
			require.Error(t, err, "the gate must fail:\n%s", out)
			assert.Contains(t, out, "breaks existing clients")
			assert.Contains(t, strings.ToLower(out), strings.ToLower(tt.report), "the report says what broke")
		})
	}
}
