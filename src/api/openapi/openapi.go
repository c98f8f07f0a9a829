package openapi

import (
	"bytes"
	_ "embed" // openapi.json
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// spec is api.yaml as JSON, which decodes in a fraction of YAML's time.
//
//go:embed openapi.json
var spec []byte

// JSON returns api.yaml as JSON.
func JSON() []byte { return bytes.Clone(spec) }

// Document returns api.yaml decoded, its references resolved. Each call
// decodes a document of its own, for the caller to change at will.
func Document() (*openapi3.T, error) {
	var doc openapi3.T
	if err := json.Unmarshal(spec, &doc); err != nil {
		return nil, fmt.Errorf("decode the embedded api.yaml: %w", err)
	}
	if err := openapi3.NewLoader().ResolveRefsIn(&doc, nil); err != nil {
		return nil, fmt.Errorf("resolve the embedded api.yaml's references: %w", err)
	}
	return &doc, nil
}
