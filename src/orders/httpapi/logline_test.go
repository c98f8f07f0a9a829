package httpapi_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every operation of api.yaml names itself on the request's log line, and
// the order it touched: a new operation without a row here fails, and one
// that forgets to note its order fails too.
func TestEveryOperationLogsItself(t *testing.T) {
	t.Parallel()
	rows := map[string]struct {
		method, target, body string
		order                bool // whether the line names an order
	}{
		"createOrder": {http.MethodPost, "/api/orders", `{"customer_name":"Ada","order_item_count":1}`, true},
		"getOrder":    {http.MethodGet, "/api/orders/" + knownID, "", true},
		"deleteOrder": {http.MethodDelete, "/api/orders/" + knownID, "", true},
		"listOrders":  {http.MethodGet, "/api/orders", "", false},
	}
	spec, err := openapi3.NewLoader().LoadFromFile(filepath.Join("..", "..", "..", "api.yaml"))
	require.NoError(t, err)
	var operations []string
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			// The docs are the docs function's; a preflight, API Gateway's.
			if !slices.Contains(op.Tags, "docs") && !slices.Contains(op.Tags, "cors") {
				operations = append(operations, op.OperationID)
			}
		}
	}
	for _, id := range operations {
		assert.Contains(t, rows, id, "add a row for %s: what does its log line say?", id)
	}
	for id, row := range rows {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 0)
			rec := serve(f.h, row.method, row.target, "", row.body)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			var line map[string]any
			require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(f.log.String())), &line), f.log.String())
			assert.Equal(t, strings.ToUpper(id[:1])+id[1:], line["operation"])
			if row.order {
				assert.Regexp(t, `^[0-9a-f-]{36}$`, line["order_id"], "noteOrder names the order")
			} else {
				assert.NotContains(t, line, "order_id")
			}
		})
	}
}
