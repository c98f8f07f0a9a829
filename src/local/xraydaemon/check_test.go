package xraydaemon_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/xraydaemon"
)

const header = `{"format": "json", "version": 1}` + "\n"

// validJSON is a subsegment that uses every field the checks know, each
// as X-Ray wants it.
const validJSON = `{
  "type": "subsegment",
  "trace_id": "1-5759e988-bd862e3fe1be46a994272793",
  "parent_id": "53995c3f42cd8ad8",
  "id": "70de5b6f19ff9a0a",
  "name": "DynamoDB",
  "namespace": "aws",
  "start_time": 1795694400.123456,
  "end_time": 1795694400.130956,
  "fault": false, "error": true, "throttle": true, "traced": false,
  "user": "ada", "origin": "AWS::Lambda::Function", "resource_arn": "arn:aws:lambda:eu-west-1:123456789012:function:orders",
  "precursor_ids": ["1111111111111111"],
  "aws": {"operation": "PutItem", "region": "eu-west-1", "request_id": "REQ", "table_name": "orders",
          "table_names": ["orders", "idempotency"], "retries": 2, "account_id": "123456789012", "queue_url": "q", "extra": {"ok": true}},
  "http": {"request": {"method": "POST", "url": "https://dynamodb.eu-west-1.amazonaws.com/", "user_agent": "go", "client_ip": "10.0.0.1",
                       "x_forwarded_for": false, "traced": true},
           "response": {"status": 400, "content_length": 60}},
  "sql": {"url": "postgres://db", "sanitized_query": "SELECT 1"},
  "cause": {"working_directory": "/var/task", "paths": ["/var/task/bootstrap"],
            "exceptions": [{"id": "2222222222222222", "type": "ThrottlingException", "message": "DynamoDB PutItem failed",
                            "remote": true, "truncated": 0, "skipped": 0, "cause": "3333333333333333",
                            "stack": [{"path": "store.go", "line": 42, "label": "Create"}]}]},
  "annotations": {"ColdStart": true, "Service": "orders", "Attempts": 2},
  "metadata": {"default": {"anything": [1, null, {"x": "y"}]}},
  "subsegments": [{"id": "4444444444444444", "name": "attempt", "start_time": 1795694400.124, "end_time": 1795694400.125,
                   "subsegments": [{"id": "5555555555555555", "name": "marshal", "start_time": 1795694400.124, "in_progress": true}]}]
}`

// valid returns a fresh decoded copy of validJSON, to change.
func valid(t *testing.T) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(validJSON))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m))
	return m
}

func datagram(t *testing.T, doc any) []byte {
	t.Helper()
	raw, err := json.Marshal(doc)
	require.NoError(t, err)
	return append([]byte(header), raw...)
}

func obj(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		m = m[p].(map[string]any)
	}
	return m
}

// sub is m's first embedded subsegment.
func sub(m map[string]any) map[string]any {
	return m["subsegments"].([]any)[0].(map[string]any)
}

func TestCheckAcceptsValidDocuments(t *testing.T) {
	t.Parallel()
	tests := map[string][]byte{
		"every field":                    append([]byte(header), validJSON...),
		"header in any case and spacing": []byte(`{"version":1,"format":"JSON"}` + "\n" + validJSON),
		"the least":                      []byte(header + `{"type":"subsegment","trace_id":"1-5759e988-bd862e3fe1be46a994272793","parent_id":"53995c3f42cd8ad8","id":"70de5b6f19ff9a0a","name":"orders.Create","start_time":1.4806152e9,"end_time":1.4806152e9}`),
		"trailing whitespace":            []byte(header + `{"type":"subsegment","trace_id":"1-5759e988-bd862e3fe1be46a994272793","parent_id":"53995c3f42cd8ad8","id":"70de5b6f19ff9a0a","name":"## GET /api/orders/:orderId","start_time":1,"in_progress":true}` + "\n \n"),
		"cause as an exception id":       []byte(header + `{"type":"subsegment","trace_id":"1-5759e988-bd862e3fe1be46a994272793","parent_id":"53995c3f42cd8ad8","id":"70de5b6f19ff9a0a","name":"x","start_time":1,"end_time":2,"fault":true,"cause":"2222222222222222"}`),
	}
	for name, d := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc, err := xraydaemon.Check(d)
			require.NoError(t, err)
			assert.Equal(t, "70de5b6f19ff9a0a", doc.ID)
			assert.Equal(t, "53995c3f42cd8ad8", doc.ParentID)
			assert.NotEmpty(t, doc.Raw)
		})
	}
}

// The decoded document carries what tests look at.
func TestCheckDecodes(t *testing.T) {
	t.Parallel()
	doc, err := xraydaemon.Check(append([]byte(header), validJSON...))
	require.NoError(t, err)
	assert.Equal(t, "DynamoDB", doc.Name)
	assert.Equal(t, "aws", doc.Namespace)
	assert.Equal(t, "1-5759e988-bd862e3fe1be46a994272793", doc.TraceID)
	assert.InDelta(t, 1795694400.123456, doc.StartTime, 1e-6)
	assert.True(t, doc.Error)
	assert.True(t, doc.Throttle)
	assert.Equal(t, "PutItem", doc.AWS["operation"])
	require.NotNil(t, doc.HTTP)
	assert.Equal(t, 400, doc.HTTP.Response.Status)
	require.NotNil(t, doc.Cause)
	require.Len(t, doc.Cause.Exceptions, 1)
	assert.Equal(t, "ThrottlingException", doc.Cause.Exceptions[0].Type)
	assert.Equal(t, true, doc.Annotations["ColdStart"])
	require.Len(t, doc.Subsegments, 1)
	assert.Equal(t, "marshal", doc.Subsegments[0].Subsegments[0].Name)

	doc, err = xraydaemon.Check([]byte(header + `{"type":"subsegment","trace_id":"1-5759e988-bd862e3fe1be46a994272793","parent_id":"53995c3f42cd8ad8","id":"70de5b6f19ff9a0a","name":"x","start_time":1,"end_time":2,"cause":"2222222222222222"}`))
	require.NoError(t, err)
	assert.Equal(t, "2222222222222222", doc.Cause.ExceptionID)
}

// Every rule rejects what breaks it, and says which rule.
func TestCheckRejectsRawDatagrams(t *testing.T) {
	t.Parallel()
	big := valid(t)
	big["metadata"] = map[string]any{"default": map[string]any{"blob": strings.Repeat("x", xraydaemon.MaxDatagram)}}
	tests := []struct {
		name     string
		datagram []byte
		want     string
	}{
		{"over 64 KiB", datagram(t, big), "over the daemon's 65536-byte buffer"},
		{"no header", []byte(`{"type":"subsegment","id":"70de5b6f19ff9a0a"}`), "no header line"},
		{"header only", []byte(header), "no header line"},
		{"header and blank", []byte(header + "  \n"), "no header line"},
		{"header not JSON", []byte("format=json\n" + validJSON), "is not JSON"},
		{"header of another format", []byte(`{"format": "xml", "version": 1}` + "\n" + validJSON), `is not {"format": "json", "version": 1}`},
		{"header of another version", []byte(`{"format": "json", "version": 2}` + "\n" + validJSON), `is not {"format": "json", "version": 1}`},
		{"header version as a string", []byte(`{"format": "json", "version": "1"}` + "\n" + validJSON), `is not {"format": "json", "version": 1}`},
		{"body not JSON", []byte(header + `{"type":`), "document is not JSON"},
		{"body an array", []byte(header + `[` + validJSON + `]`), "document is a JSON an array, not one object"},
		{"two documents", []byte(header + validJSON + "\n" + validJSON), "followed by more data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := xraydaemon.Check(tt.datagram)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

//nolint:maintidx // One row per rule is the point.
func TestCheckRejectsBadDocuments(t *testing.T) {
	t.Parallel()
	set := func(key string, v any, path ...string) func(map[string]any) {
		return func(m map[string]any) { obj(m, path...)[key] = v }
	}
	del := func(key string, path ...string) func(map[string]any) {
		return func(m map[string]any) { delete(obj(m, path...), key) }
	}
	many := map[string]any{}
	for i := range 51 {
		many[fmt.Sprintf("a%d", i)] = i
	}
	tests := []struct {
		name   string
		change func(map[string]any)
		want   string
	}{
		// An independent subsegment.
		{"type missing", del("type"), `type is missing, not "subsegment"`},
		{"a segment", set("type", "segment"), `type is "segment", not "subsegment"`},
		{"trace_id missing", del("trace_id"), "trace_id is missing"},
		{"trace_id in W3C form", set("trace_id", "5759e988bd862e3fe1be46a994272793"), "trace_id is"},
		{"trace_id upper case", set("trace_id", "1-5759E988-BD862E3FE1BE46A994272793"), "trace_id is"},
		{"trace_id version 2", set("trace_id", "2-5759e988-bd862e3fe1be46a994272793"), "trace_id is"},
		{"trace_id a number", set("trace_id", 1), "trace_id is 1, not 1-{8 hex digits}-{24 hex digits}"},
		{"parent_id missing", del("parent_id"), "parent_id is missing"},
		{"parent_id not hex", set("parent_id", "53995c3f42cd8adz"), "parent_id is"},
		{"parent_id all zeros", set("parent_id", "0000000000000000"), "parent_id is all zeros"},
		{"id missing", del("id"), "id is missing"},
		{"id too short", set("id", "70de5b6f19ff9a0"), `id is "70de5b6f19ff9a0", not 16 lower-case hex digits`},
		{"id upper case", set("id", "70DE5B6F19FF9A0A"), "id is"},
		{"id null", set("id", nil), "id is null"},
		{"id its own parent", set("id", "53995c3f42cd8ad8"), "id is its own parent_id"},
		// Name.
		{"name missing", del("name"), "name is missing"},
		{"name empty", set("name", ""), "name is"},
		{"name with a brace", set("name", "GET /api/orders/{orderId}"), "name is"},
		{"name with a backslash", set("name", `a\b`), "name is"},
		{"name over 200 characters", set("name", strings.Repeat("é", 201)), "name is"},
		{"name a number", set("name", 7), "name is 7"},
		// Times.
		{"start_time missing", del("start_time"), "start_time is missing"},
		{"start_time a string", set("start_time", "1795694400.1"), "start_time is a string, not a number"},
		{"start_time zero", set("start_time", json.Number("0")), "start_time is 0, not epoch seconds"},
		{"end_time before start_time", set("end_time", json.Number("1795694400")), "end_time 1.7956944e+09 is before start_time"},
		{"end_time a string", set("end_time", "soon"), "end_time is a string, not a number"},
		{"neither end_time nor in_progress", del("end_time"), "neither end_time nor in_progress: true"},
		{"in_progress false is no end", func(m map[string]any) { delete(m, "end_time"); m["in_progress"] = false }, "neither end_time nor in_progress"},
		{"both end_time and in_progress", set("in_progress", true), "both end_time and in_progress"},
		// Flags and plain fields.
		{"in_progress a string", set("in_progress", "yes"), "in_progress is a string, not a boolean"},
		{"fault a string", set("fault", "true"), "fault is a string, not a boolean"},
		{"error a number", set("error", 1), "error is a number, not a boolean"},
		{"throttle null", set("throttle", nil), "throttle is null"},
		{"traced an object", set("traced", map[string]any{}), "traced is an object, not a boolean"},
		{"namespace unknown", set("namespace", "AWS"), `namespace is "AWS", not "aws" or "remote"`},
		{"user too long", set("user", strings.Repeat("u", 251)), "user is over 250 characters"},
		{"origin a number", set("origin", 1), "origin is a number, not a string"},
		{"resource_arn an array", set("resource_arn", []any{}), "resource_arn is an array, not a string"},
		{"precursor_ids bad id", set("precursor_ids", []any{"xyz"}), "precursor_ids[0] is"},
		{"precursor_ids not an array", set("precursor_ids", "1111111111111111"), "precursor_ids is a string, not an array"},
		// aws.
		{"aws not an object", set("aws", "DynamoDB"), "aws is a string, not an object"},
		{"aws.operation a number", set("operation", 1, "aws"), "aws.operation is a number, not a string"},
		{"aws.region null", set("region", nil, "aws"), "aws.region is null"},
		{"aws.table_name an array", set("table_name", []any{"orders"}, "aws"), "aws.table_name is an array, not a string"},
		{"aws.request_id a boolean", set("request_id", true, "aws"), "aws.request_id is a boolean, not a string"},
		{"aws.retries negative", set("retries", -1, "aws"), "aws.retries is -1, not a count"},
		{"aws.retries a fraction", set("retries", 1.5, "aws"), "aws.retries is 1.5, not a count"},
		{"aws.table_names a string", set("table_names", "orders", "aws"), "aws.table_names is a string, not an array"},
		{"aws.table_names of numbers", set("table_names", []any{1}, "aws"), "aws.table_names[0] is a number, not a string"},
		// http.
		{"http not an object", set("http", []any{}), "http is an array, not an object"},
		{"http.response not an object", set("response", 200, "http"), "http.response is a number, not an object"},
		{"http.response.status a string", set("status", "200", "http", "response"), `http.response.status is "200", not an HTTP status`},
		{"http.response.status out of range", set("status", 700, "http", "response"), "http.response.status is 700, not an HTTP status"},
		{"http.response.content_length negative", set("content_length", -1, "http", "response"), "http.response.content_length is -1, not a length"},
		{"http.request.url too long", set("url", strings.Repeat("u", 251), "http", "request"), "http.request.url is over 250 characters"},
		{"http.request.method a number", set("method", 1, "http", "request"), "http.request.method is a number, not a string"},
		{"http.request.x_forwarded_for a string", set("x_forwarded_for", "yes", "http", "request"), "http.request.x_forwarded_for is a string, not a boolean"},
		// sql.
		{"sql not an object", set("sql", "SELECT 1"), "sql is a string, not an object"},
		{"sql.url a number", set("url", 1, "sql"), "sql.url is a number, not a string"},
		// cause.
		{"cause a bad id", set("cause", "nope"), `cause is "nope", not 16 lower-case hex digits`},
		{"cause a number", set("cause", 1), "cause is a number, not an object"},
		{"cause.exceptions not an array", set("exceptions", map[string]any{}, "cause"), "cause.exceptions is an object, not an array"},
		{"cause.exceptions empty", set("exceptions", []any{}, "cause"), "cause.exceptions is empty"},
		{"cause.paths of numbers", set("paths", []any{1}, "cause"), "cause.paths[0] is a number, not a string"},
		{"cause.working_directory a number", set("working_directory", 1, "cause"), "cause.working_directory is a number, not a string"},
		{"exception without an id", func(m map[string]any) {
			delete(m["cause"].(map[string]any)["exceptions"].([]any)[0].(map[string]any), "id")
		}, "cause.exceptions[0].id is missing"},
		{"exception with a bad id", func(m map[string]any) {
			m["cause"].(map[string]any)["exceptions"].([]any)[0].(map[string]any)["id"] = "E1"
		}, `cause.exceptions[0].id is "E1"`},
		{"exception message a number", func(m map[string]any) {
			m["cause"].(map[string]any)["exceptions"].([]any)[0].(map[string]any)["message"] = 1
		}, "cause.exceptions[0].message is a number, not a string"},
		{"exception remote a string", func(m map[string]any) {
			m["cause"].(map[string]any)["exceptions"].([]any)[0].(map[string]any)["remote"] = "yes"
		}, "cause.exceptions[0].remote is a string, not a boolean"},
		{"exception truncated a fraction", func(m map[string]any) {
			m["cause"].(map[string]any)["exceptions"].([]any)[0].(map[string]any)["truncated"] = 0.5
		}, "cause.exceptions[0].truncated is 0.5, not an integer"},
		{"exception not an object", set("exceptions", []any{"boom"}, "cause"), "cause.exceptions[0] is a string, not an object"},
		{"stack line a string", func(m map[string]any) {
			m["cause"].(map[string]any)["exceptions"].([]any)[0].(map[string]any)["stack"] = []any{map[string]any{"line": "42"}}
		}, "cause.exceptions[0].stack[0].line is \"42\", not an integer"},
		// annotations.
		{"annotations not an object", set("annotations", []any{"ColdStart"}), "annotations is an array, not an object"},
		{"annotation key with a space", set("Cold Start", true, "annotations"), `annotations key "Cold Start" is not 1 to 500 letters`},
		{"annotation key with a dot", set("xray.ColdStart", true, "annotations"), `annotations key "xray.ColdStart"`},
		{"annotation key too long", set(strings.Repeat("k", 501), true, "annotations"), "annotations key"},
		{"annotation an object", set("Order", map[string]any{"id": "1"}, "annotations"), "annotations.Order is an object, not a string, number or boolean"},
		{"annotation an array", set("Tags", []any{"a"}, "annotations"), "annotations.Tags is an array"},
		{"annotation null", set("Gone", nil, "annotations"), "annotations.Gone is null"},
		{"annotation over 1000 characters", set("Long", strings.Repeat("é", 1001), "annotations"), "annotations.Long is over 1000 characters"},
		{"over 50 annotations", set("annotations", many), "has 51 annotations"},
		// metadata.
		{"metadata not an object", set("metadata", "x"), "metadata is a string, not an object"},
		{"metadata value not a namespace", set("default", 1, "metadata"), "metadata.default is a number, not an object of values"},
		{"metadata in AWS's namespace", set("AWS.xray", map[string]any{}, "metadata"), `metadata namespace "AWS.xray": AWS. is reserved`},
		// Embedded subsegments, checked as subsegments, at any depth.
		{"subsegments not an array", set("subsegments", map[string]any{}), "subsegments is an object, not an array"},
		{"subsegment not an object", set("subsegments", []any{"x"}), "subsegments[0] is a string, not an object"},
		{"subsegment without an id", func(m map[string]any) { delete(sub(m), "id") }, "subsegments[0].id is missing"},
		{"subsegment with a bad name", func(m map[string]any) { sub(m)["name"] = "a{b}" }, "subsegments[0].name is"},
		{"subsegment a segment", func(m map[string]any) { sub(m)["type"] = "segment" }, `subsegments[0].type is "segment"`},
		{"subsegment without an end", func(m map[string]any) { delete(sub(m), "end_time") }, "subsegments[0].has neither end_time"},
		{"subsegment with a bad trace_id", func(m map[string]any) { sub(m)["trace_id"] = "1-x" }, "subsegments[0].trace_id is"},
		{"nested subsegment with a bad id", func(m map[string]any) { sub(sub(m))["id"] = "nope" }, `subsegments[0].subsegments[0].id is "nope"`},
		{"nested subsegment with a bad annotation", func(m map[string]any) {
			sub(sub(m))["annotations"] = map[string]any{"a b": 1}
		}, `subsegments[0].subsegments[0].annotations key "a b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := valid(t)
			tt.change(m)
			_, err := xraydaemon.Check(datagram(t, m))
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// Every problem of a document is listed, one a line.
func TestCheckListsEveryProblem(t *testing.T) {
	t.Parallel()
	m := valid(t)
	m["id"], m["name"], m["fault"] = "x", "", "no"
	_, err := xraydaemon.Check(datagram(t, m))
	require.Error(t, err)
	assert.Len(t, bytes.Split([]byte(err.Error()), []byte("\n")), 3, err.Error())
}
