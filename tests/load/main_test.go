package load

import (
	"fmt"
	"os"
	"testing"

	"github.com/go-sam-blueprint/orders/tests/localapi"
)

// runnerBin is the local runner (`make run`'s binary), built once, as
// tests/e2e builds it.
var runnerBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "load")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if runnerBin, err = localapi.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 1
	}
	return m.Run()
}
