package infrastructure

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/tests/cfn"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// leadingStatus reads the status a status cell starts with ("405, with
// Allow").
var leadingStatus = regexp.MustCompile(`^(\d{3})\b`)

// edgeRow is a row of docs/edge.md's table.
type edgeRow struct {
	request, layer string
	status         int
	problemType    string
}

func edgeRows(t *testing.T) []edgeRow {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repo.Root(), "docs", "edge.md"))
	require.NoError(t, err)
	text := string(raw)
	start := strings.Index(text, "| request | answered by | status | problem type |")
	require.NotEqual(t, -1, start, "docs/edge.md has its table")
	var rows []edgeRow
	for line := range strings.SplitSeq(text[start:], "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		require.Len(t, cells, 4, line)
		m := leadingStatus.FindStringSubmatch(strings.TrimSpace(cells[2]))
		if m == nil {
			// The header and its rule, and nothing else: a row whose
			// status does not read would go unchecked.
			require.Contains(t, []string{"status", "---"}, strings.TrimSpace(cells[2]), "%s: the status column starts with the status", line)
			continue
		}
		status, err := strconv.Atoi(m[1])
		require.NoError(t, err)
		rows = append(rows, edgeRow{strings.TrimSpace(cells[0]), strings.TrimSpace(cells[1]), status, strings.Trim(strings.Fields(cells[3])[0], "`:")})
	}
	require.Greater(t, len(rows), 10)
	return rows
}

// docs/edge.md's table says who answers each failure, with which status
// and problem type; this holds it to api.yaml: an edge row to the gateway
// response it names, a function row to the statuses api.yaml declares and
// the types docs/problems.md documents.
func TestEdgeTableMatchesAPIYAML(t *testing.T) {
	t.Parallel()
	responses := cfn.Path(tmpl.Resources["OrdersApi"].Properties, "Body", "x-amazon-apigateway-gateway-responses")
	declared := map[int]bool{http405: true} // the any-methods answer 405; api.yaml declares no such operation
	spec := loadSpec(t)
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			for code := range op.Responses.Map() {
				if n, err := strconv.Atoi(code); err == nil {
					declared[n] = true
				}
			}
		}
	}
	problems, err := os.ReadFile(filepath.Join(repo.Root(), "docs", "problems.md"))
	require.NoError(t, err)
	responseType := regexp.MustCompile(`^edge: ` + "`" + `([A-Z_0-9]+)` + "`$")
	for _, row := range edgeRows(t) {
		switch m := responseType.FindStringSubmatch(row.layer); {
		case len(m) > 1 && m[1] == "REQUEST_TOO_LARGE":
			assert.Nil(t, cfn.Path(responses, m[1]), "API Gateway ignores a customised 413")
		case m != nil:
			r := cfn.Path(responses, m[1])
			require.NotNil(t, r, "%s: api.yaml customises %s", row.request, m[1])
			assert.Equal(t, strconv.Itoa(row.status), cfn.Path(r, "statusCode"), row.request)
			var body map[string]any
			template, _ := cfn.Path(r, "responseTemplates", "application/json").(string)
			require.NoError(t, json.Unmarshal([]byte(strings.ReplaceAll(template, "$context.requestId", "id")), &body), m[1])
			assert.Equal(t, row.problemType, strings.TrimPrefix(body["type"].(string), problemBase), row.request)
		case row.layer == "function":
			assert.True(t, declared[row.status], "%s: api.yaml declares no %d", row.request, row.status)
			if row.problemType != "about:blank" {
				assert.Contains(t, string(problems), "## "+row.problemType, "%s: docs/problems.md documents it", row.request)
			}
		default:
			assert.Equal(t, "edge: front door", row.layer, "%s: an unknown layer", row.request)
		}
	}
}

const (
	http405     = 405
	problemBase = "https://github.com/go-sam-blueprint/orders/blob/main/docs/problems.md#"
)
