// Package api is generated from api.yaml by oapi-codegen: the models, the
// strict server interface on net/http and a typed client. The spec itself
// is package openapi's.
//
// Do not edit api.gen.go; change api.yaml and run `make generate`.
package api

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../../api.yaml
