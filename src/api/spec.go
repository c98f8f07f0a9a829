package api

import (
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// Spec returns the embedded spec. It is GetSpec, but it decodes the JSON
// that oapi-codegen embeds as JSON rather than as YAML, which takes a
// fraction of the time: it is on every function's cold start.
func Spec() (*openapi3.T, error) {
	raw, err := GetSpecJSON()
	if err != nil {
		return nil, fmt.Errorf("embedded spec: %w", err)
	}
	var spec openapi3.T
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("embedded spec: %w", err)
	}
	if err := openapi3.NewLoader().ResolveRefsIn(&spec, nil); err != nil {
		return nil, fmt.Errorf("embedded spec: %w", err)
	}
	return &spec, nil
}
