package openapi

import (
	"bytes"
	_ "embed" // openapi.json
	"encoding/json"
	"fmt"
	"net/url"

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

// Formats has kin-openapi check the string formats api.yaml uses, which it
// leaves unchecked unless told: uuid, in the 36-character form the API
// issues, and uri-reference. It is an option of each validation
// (openapi3filter.Options.SchemaValidationOptions), not a global
// registration, so that it changes nothing else in the program.
func Formats() openapi3.SchemaValidationOption {
	return openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
		"uuid": openapi3.NewRegexpFormatValidator(
			`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`),
		"uri-reference": openapi3.NewCallbackValidator(func(s string) error {
			_, err := url.Parse(s)
			return err
		}),
	})
}
