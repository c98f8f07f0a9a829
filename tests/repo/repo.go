// Package repo locates the repository for the suites under tests/, which
// read its files (template.yaml, api.yaml, scripts) and build its commands
// wherever `go test` runs them from.
package repo

import (
	"path/filepath"
	"runtime"
)

// Root is the repository's root directory.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
