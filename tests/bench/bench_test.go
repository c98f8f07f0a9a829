package main

import "testing"

// The smoke of make bench that make test runs: small counts, and only the
// budgets that do not depend on the machine's speed (round trips, package
// size). It fails when one of those is missed, and asserts no time.
func TestBenchSmoke(t *testing.T) {
	if err := run(options{smoke: true}); err != nil {
		t.Fatal(err)
	}
}
