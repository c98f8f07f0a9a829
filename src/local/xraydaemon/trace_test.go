package xraydaemon_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/xraydaemon"
)

const (
	root    = "53995c3f42cd8ad8"
	traceID = "1-5759e988-bd862e3fe1be46a994272793"
)

func doc(id, parent, name string) xraydaemon.Document {
	return xraydaemon.Document{Type: "subsegment", TraceID: traceID, ID: id, ParentID: parent, Name: name}
}

// An invocation's documents: the handler under Lambda's Parent, the use
// case under it, the DynamoDB call under that, sent child first.
func invocationDocs() []xraydaemon.Document {
	return []xraydaemon.Document{
		doc("cccccccccccccccc", "bbbbbbbbbbbbbbbb", "DynamoDB"),
		doc("bbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaa", "orders.Create"),
		doc("aaaaaaaaaaaaaaaa", root, "## POST /api/orders"),
	}
}

func TestCheckTrace(t *testing.T) {
	t.Parallel()
	embedded := doc("aaaaaaaaaaaaaaaa", root, "## POST /api/orders")
	embedded.Subsegments = []xraydaemon.Document{{ID: "dddddddddddddddd", Name: "orders.Create"}}
	annotated := func(n int) []xraydaemon.Document {
		docs := invocationDocs()
		for i := range docs {
			docs[i].Annotations = map[string]any{}
			for j := range n {
				docs[i].Annotations[fmt.Sprintf("a%d", j)] = j
			}
		}
		return docs
	}
	tests := []struct {
		name string
		docs []xraydaemon.Document
		want string // "" when the trace is sound
	}{
		{"an invocation", invocationDocs(), ""},
		{"one document", invocationDocs()[2:], ""},
		{"under an embedded subsegment", []xraydaemon.Document{embedded, doc("eeeeeeeeeeeeeeee", "dddddddddddddddd", "DynamoDB")}, ""},
		{"50 annotations", func() []xraydaemon.Document {
			docs := annotated(17)
			delete(docs[2].Annotations, "a0")
			return docs
		}(), ""},
		{"nothing", nil, "no documents"},
		{
			"a parent not sent",
			[]xraydaemon.Document{doc("cccccccccccccccc", "ffffffffffffffff", "DynamoDB")},
			"parent_id ffffffffffffffff is neither the trace's root 53995c3f42cd8ad8 nor a document of the trace",
		},
		{"the same id twice", append(invocationDocs(), doc("cccccccccccccccc", root, "again")), "id cccccccccccccccc (again) is not unique"},
		{"an embedded id twice", []xraydaemon.Document{embedded, doc("dddddddddddddddd", root, "again")}, "id dddddddddddddddd (again) is not unique"},
		{"the root's id", []xraydaemon.Document{doc(root, root, "self")}, "is not unique"},
		{"two traces", func() []xraydaemon.Document {
			docs := invocationDocs()
			docs[0].TraceID = "1-5759e988-000000000000000000000001"
			return docs
		}(), "documents are on 2 traces, not one: 1-5759e988-000000000000000000000001 (cccccccccccccccc); " +
			"1-5759e988-bd862e3fe1be46a994272793 (bbbbbbbbbbbbbbbb, aaaaaaaaaaaaaaaa)"},
		{
			"a cycle",
			[]xraydaemon.Document{doc("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "a"), doc("bbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaa", "b")},
			"cycle that never reaches the root",
		},
		{"over 50 annotations", annotated(17), "51 annotations: X-Ray indexes 50 per trace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := xraydaemon.CheckTrace(tt.docs, root)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// Under another root (another invocation's Parent), an invocation's
// documents do not hang together.
func TestCheckTraceAgainstTheWrongRoot(t *testing.T) {
	t.Parallel()
	require.ErrorContains(t, xraydaemon.CheckTrace(invocationDocs(), "1234567812345678"), "neither the trace's root 1234567812345678")
}
