// Package e2e drives the orders API end to end through the generated Go
// client: against the local runner (`make run`) that TestMain starts, or
// against a deployed API when API_URL is set.
package e2e

import (
	"context"
	"fmt"

	"github.com/go-sam-blueprint/orders/tests/localapi"
)

// runner is a running local API, with what its function wrote on stdout.
type runner struct {
	*localapi.Runner
	stdout *localapi.Buffer
}

// startRunner starts the local runner; env adds to or overrides its
// environment.
func startRunner(bin string, env ...string) (*runner, error) {
	out := &localapi.Buffer{}
	r, err := localapi.Start(bin, out, env...)
	if err != nil {
		return nil, err
	}
	return &runner{Runner: r, stdout: out}, nil
}

// Stdout is what the function wrote: its JSON log lines and EMF metrics.
func (r *runner) Stdout() string { return r.stdout.String() }

// tokens are the suite's callers' tokens from r's user pool: alice, bob,
// and alice's with scope orders/read only.
func (r *runner) tokens() (a, b, aRead string, err error) {
	ctx := context.Background()
	if a, err = r.Token(ctx, "alice"); err == nil {
		if b, err = r.Token(ctx, "bob"); err == nil {
			aRead, err = r.Token(ctx, "alice", "orders/read")
		}
	}
	if err != nil {
		return "", "", "", fmt.Errorf("tokens of the local user pool: %w", err)
	}
	return a, b, aRead, nil
}
