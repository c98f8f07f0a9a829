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
	spec, err := decode(raw)
	if err != nil {
		return nil, fmt.Errorf("embedded spec: %w", err)
	}
	return spec, nil
}

// RequestSpec returns the request side of the spec: its paths, each
// operation's parameters, request body and security and the components
// they use, without responses, documentation, examples or API Gateway's
// extensions. Requests validate against it as against Spec (only the docs
// function's paths, which never reach the orders function, answer 404 here
// and 405 there), and it decodes in half the time, on every cold start.
func RequestSpec() (*openapi3.T, error) {
	spec, err := decode(requests)
	if err != nil {
		return nil, fmt.Errorf("requests.json: %w", err)
	}
	return spec, nil
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
