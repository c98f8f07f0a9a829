package api

import (
	_ "embed" // requests.json
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// requests is the request side of api.yaml (internal/requestspec writes it
// on make generate): what a request is validated against, and no more.
//
//go:embed requests.json
var requests []byte

// Spec returns the embedded spec. It is GetSpec, but it decodes the JSON
// that oapi-codegen embeds as JSON rather than as YAML, which takes a
// fraction of the time.
func Spec() (*openapi3.T, error) {
	raw, err := GetSpecJSON()
	if err != nil {
		return nil, fmt.Errorf("embedded spec: %w", err)
	}
	return decode(raw)
}

// RequestSpec returns the request side of the spec: its paths, each
// operation's parameters and request body and the components they use,
// without responses, documentation, examples or API Gateway's extensions.
// Requests validate against it exactly as against Spec, and it decodes in
// half the time, on every function's cold start.
func RequestSpec() (*openapi3.T, error) {
	return decode(requests)
}

func decode(raw []byte) (*openapi3.T, error) {
	var spec openapi3.T
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("embedded spec: %w", err)
	}
	if err := openapi3.NewLoader().ResolveRefsIn(&spec, nil); err != nil {
		return nil, fmt.Errorf("embedded spec: %w", err)
	}
	return &spec, nil
}
