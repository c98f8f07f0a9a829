// Command tojson writes an OpenAPI document as indented JSON, as
// kin-openapi reads it, for package openapi to embed.
//
// Usage: tojson api.yaml openapi.json
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/getkin/kin-openapi/openapi3"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tojson api.yaml openapi.json")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "tojson:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	doc, err := openapi3.NewLoader().LoadFromFile(in)
	if err != nil {
		return fmt.Errorf("load %s: %w", in, err)
	}
	// The same check oapi-codegen makes: a spec that fails it is not
	// written for anyone to serve.
	if err := doc.Validate(openapi3.NewLoader().Context); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	raw, err := doc.MarshalJSON()
	if err != nil {
		return fmt.Errorf("encode %s: %w", in, err)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, raw, "", "  "); err != nil {
		return fmt.Errorf("indent %s: %w", in, err)
	}
	indented.WriteByte('\n')
	return os.WriteFile(out, indented.Bytes(), 0o600) //nolint:gosec // A path given by go generate.
}
