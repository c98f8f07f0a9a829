// Package openapi is api.yaml itself, for the programs that read the spec:
// the docs function serves it, the local API Gateway builds its routes,
// authorizer and request validators from it, the pre-traffic hook and the
// tests hold answers to it.
//
// The orders function does not import it, nor kin-openapi: API Gateway
// validates every request against the spec before the function runs, and
// the function's cold start is the shorter by the package initialization
// kin-openapi brings (docs/performance.md).
//
// openapi.json is written from api.yaml by make generate; do not edit it.
package openapi

//go:generate go run ./internal/tojson ../../../api.yaml openapi.json
