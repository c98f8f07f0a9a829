package e2e

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/local/xraydaemon"
)

// A create traced end to end, as deployed: the trace the client starts in
// X-Amzn-Trace-Id is the trace the function's subsegments join, each
// valid against the segment document schema and each one's parent_id
// leading up to the segment Lambda writes for the invocation.
func TestCreateIsTracedToXRay(t *testing.T) {
	t.Parallel()
	if os.Getenv("API_URL") != "" {
		t.Skip("API_URL is set: a deployed API's trace is in X-Ray, not here")
	}
	ctx := context.Background()
	daemon, err := xraydaemon.Start(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = daemon.Stop() })
	r, err := startRunner(runnerBin, "AWS_XRAY_DAEMON_ADDRESS="+daemon.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Stop() })
	assert.Contains(t, r.Output(), "X-Ray: documents go to the daemon at "+daemon.Addr())

	const traceID = "1-5759e988-bd862e3fe1be46a994272793"
	created, err := newClientAt(t, r).CreateOrderWithResponse(ctx, nil,
		api.CreateOrderRequest{CustomerName: "Traced", OrderItemCount: 2},
		func(_ context.Context, req *http.Request) error {
			req.Header.Set("X-Amzn-Trace-Id", "Root="+traceID+";Sampled=1")
			return nil
		})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, created.StatusCode(), "%s", created.Body)

	// The readiness probe's trace is there too: keep this request's.
	var docs []xraydaemon.Document
	byName := map[string]xraydaemon.Document{}
	for _, d := range daemon.Documents() {
		if d.TraceID == traceID {
			docs = append(docs, d)
			byName[d.Name] = d
		}
	}
	assert.Empty(t, daemon.Problems(), "every document is valid")
	require.Len(t, docs, 3, "handler, use case, DynamoDB: %+v", docs)

	handler, useCase, dynamo := byName["## POST /api/orders"], byName["orders.Create"], byName["DynamoDB"]
	require.NotEmpty(t, handler.ID, "the handler's subsegment")
	assert.Equal(t, handler.ID, useCase.ParentID, "the use case runs in the handler")
	assert.Equal(t, useCase.ID, dynamo.ParentID, "the write runs in the use case")
	assert.Equal(t, "aws", dynamo.Namespace)
	assert.Equal(t, "TransactWriteItems", dynamo.AWS["operation"])
	assert.Contains(t, handler.Annotations, "ColdStart")
	assert.Equal(t, "orders", handler.Annotations["Service"])
	// Lambda's segment, the handler's parent, is no document of the
	// function's; every other parent is.
	require.NoError(t, xraydaemon.CheckTrace(docs, handler.ParentID))
}
