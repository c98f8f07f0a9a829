package coldstart_test

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-sam-blueprint/orders/src/platform/coldstart"
)

// Importing the package pauses the collector; Done resumes it as it was.
func TestDoneResumesTheCollector(t *testing.T) {
	paused := debug.SetGCPercent(-1)
	assert.Equal(t, -1, paused, "paused while the program initialized")
	coldstart.Done()
	assert.Positive(t, debug.SetGCPercent(100), "resumed")
}
