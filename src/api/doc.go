// Package api is generated from api.yaml by oapi-codegen: the models, the
// strict server interface on net/http, a typed client and the embedded spec;
// and by internal/requestspec: the spec's request side, as requests.json
// and as the code that builds it (requests.gen.go).
//
// Do not edit api.gen.go, requests.json or requests.gen.go; change
// api.yaml and run `make generate`.
package api

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../../api.yaml
//go:generate go run ./internal/requestspec ../../api.yaml oapi-codegen.yaml requests.json requests.gen.go
