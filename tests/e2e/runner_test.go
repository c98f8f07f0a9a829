// Package e2e drives the orders API end to end through the generated Go
// client: against the local runner (`make run`) that TestMain starts, or
// against a deployed API when API_URL is set.
package e2e

import (
	"context"
	"strings"
	"sync"

	"github.com/go-sam-blueprint/orders/tests/localapi"
)

// runner is a running local API, with what its function wrote on stdout.
type runner struct {
	*localapi.Runner
	stdout *syncBuffer
}

// buildRunner compiles the local runner into dir.
func buildRunner(dir string) (string, error) { return localapi.Build(dir) }

// startRunner starts the local runner; env adds to or overrides its
// environment.
func startRunner(bin string, env ...string) (*runner, error) {
	out := &syncBuffer{}
	r, err := localapi.Start(bin, out, env...)
	if err != nil {
		return nil, err
	}
	return &runner{Runner: r, stdout: out}, nil
}

// Stdout is what the function wrote: its JSON log lines and EMF metrics.
func (r *runner) Stdout() string { return r.stdout.String() }

// answers reports whether something accepts connections at url's host.
func answers(ctx context.Context, url string) bool { return localapi.Answers(ctx, url) }

// syncBuffer is a buffer safe for a writer and readers at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
