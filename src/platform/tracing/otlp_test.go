//go:build otlp

package tracing_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"

	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

// collector is an OTLP/HTTP endpoint that counts what it receives.
type collector struct {
	mu    sync.Mutex
	posts []string
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.posts = append(c.posts, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type"))
	c.mu.Unlock()
	if len(body) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
}

func (c *collector) received() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.posts...)
}

// An otlp build is wired end to end: the real OTLP/HTTP exporter sends an
// invocation's spans to the collector in one request at the flush, and
// nothing before it. (The SDK's batch processor would pass too, within its
// 5 s timer; src/platform/tracing/invocation's tests tell the two apart.)
func TestOTLPExportsAtTheFlush(t *testing.T) {
	c := &collector{}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	prev := otel.GetTracerProvider()
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	ctx := context.Background()
	flush, shutdown, err := tracing.Setup(ctx, tracing.Options{Exporter: "otlp", Service: "orders"})
	require.NoError(t, err)
	ctx, root := tracing.Start(ctx, "POST /api/orders")
	_, call := tracing.Start(ctx, "orders.Create")
	tracing.End(call, nil)
	tracing.End(root, nil)
	assert.Empty(t, c.received(), "nothing is sent before the flush")

	require.NoError(t, flush(ctx))
	assert.Equal(t, []string{"POST /v1/traces application/x-protobuf"}, c.received(), "one request for the invocation")
	require.NoError(t, shutdown(ctx))
}
