// Package openapi is api.yaml itself, for the programs that read the spec:
// the docs function serves it, the local API Gateway builds its routes,
// authorizer and request validators from it, the pre-traffic hook and the
// tests hold answers to it.
//
// The orders function does not import it, nor kin-openapi: it keeps the
// spec with the generated types and the domain's rules, which a fuzz test
// holds to kin-openapi's verdicts, and its cold start is the shorter by the
// package initialization kin-openapi brings (docs/performance.md).
//
// openapi.json is written from api.yaml by make generate; do not edit it.
package openapi

//go:generate go run ./internal/tojson ../../../api.yaml openapi.json
