package api

import (
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// Spec returns the embedded spec. It is GetSpec, but it decodes the JSON
// that oapi-codegen embeds as JSON rather than as YAML, which takes a
// fraction of the time.
func Spec() (*openapi3.T, error) {
	raw, err := GetSpecJSON()
	if err != nil {
		return nil, fmt.Errorf("embedded spec: %w", err)
	}
	spec, err := decode(raw)
	if err != nil {
		return nil, fmt.Errorf("embedded spec: %w", err)
	}
	return spec, nil
}

// RequestSpec returns the request side of the spec: its paths, each
// operation's parameters, request body and security and the components
// they use, without responses, documentation, examples or API Gateway's
// extensions, references resolved. Requests validate against it as against
// Spec (only the docs function's paths, which never reach the orders
// function, answer 404 here and 405 there).
//
// It is built by code that make generate writes (requests.gen.go, from
// requests.json): a cold start decodes and resolves nothing, which took
// longer than all of the rest of building the function. Each call builds
// a new document.
func RequestSpec() (*openapi3.T, error) {
	return requestSpec(), nil
}

func decode(raw []byte) (*openapi3.T, error) {
	var spec openapi3.T
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("decode the spec: %w", err)
	}
	if err := openapi3.NewLoader().ResolveRefsIn(&spec, nil); err != nil {
		return nil, fmt.Errorf("resolve the spec's references: %w", err)
	}
	return &spec, nil
}
