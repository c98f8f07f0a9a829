package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// mock is a method whose integration is API Gateway's own (type mock): it
// answers without a function, with its default integration response's
// status and literal headers, as the CORS preflights of api.yaml do.
type mock struct {
	status  int
	headers map[string]string
}

// integrationType is the type of ext's integration (aws_proxy, mock),
// "" when it has none that reads.
func integrationType(ext map[string]any) string {
	var kind struct {
		Type string `json:"type"`
	}
	raw, err := json.Marshal(ext["x-amazon-apigateway-integration"])
	if err != nil || json.Unmarshal(raw, &kind) != nil {
		return ""
	}
	return kind.Type
}

// mockOf reads a mock integration, if ext's integration is one.
func mockOf(ext map[string]any) (*mock, bool, error) {
	if integrationType(ext) != "mock" {
		return nil, false, nil
	}
	raw, err := json.Marshal(ext["x-amazon-apigateway-integration"])
	if err != nil {
		return nil, true, fmt.Errorf("a mock integration: %w", err)
	}
	var integration struct {
		Responses map[string]struct {
			StatusCode         string            `json:"statusCode"`
			ResponseParameters map[string]string `json:"responseParameters"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(raw, &integration); err != nil {
		return nil, true, fmt.Errorf("a mock integration whose values are not literals (resolve the template's intrinsics: Options.Template): %w", err)
	}
	def, ok := integration.Responses["default"]
	if !ok {
		return nil, true, fmt.Errorf("a mock integration with no default response")
	}
	status, err := strconv.Atoi(def.StatusCode)
	if err != nil {
		return nil, true, fmt.Errorf("a mock integration's status %q", def.StatusCode)
	}
	m := &mock{status: status, headers: map[string]string{}}
	for key, value := range def.ResponseParameters {
		name, ok := strings.CutPrefix(key, "method.response.header.")
		// Only literal values ('...') are emulated; a mapping from the
		// request would echo it.
		if ok && len(value) >= 2 && value[0] == '\'' && value[len(value)-1] == '\'' {
			m.headers[name] = value[1 : len(value)-1]
		}
	}
	return m, true, nil
}

// write answers as the mock integration does: no body.
func (m *mock) write(w http.ResponseWriter, req *request) {
	h := w.Header()
	for k, v := range m.headers {
		h.Set(k, v)
	}
	h.Set("x-amzn-RequestId", req.id)
	h.Set("Content-Type", "application/json")
	w.WriteHeader(m.status)
}

// Resolver resolves the CloudFormation intrinsics in a value of the
// spec's extensions as a deploy does, for the stack's parameters:
// *sam.Template is one.
type Resolver interface {
	Resolve(v any) (any, error)
}

// resolveExtensions resolves every extension of spec that CloudFormation
// would (the gateway responses, the integrations), in place.
func resolveExtensions(spec *openapi3.T, r Resolver) error {
	resolve := func(where string, ext map[string]any) error {
		for k, v := range ext {
			if !strings.HasPrefix(k, "x-amazon-apigateway") {
				continue
			}
			out, err := r.Resolve(v)
			if err != nil {
				return fmt.Errorf("gateway: %s %s: %w", where, k, err)
			}
			ext[k] = out
		}
		return nil
	}
	if err := resolve("the API", spec.Extensions); err != nil {
		return err
	}
	for path, item := range spec.Paths.Map() {
		if err := resolve(path, item.Extensions); err != nil {
			return err
		}
		for method, op := range item.Operations() {
			if err := resolve(method+" "+path, op.Extensions); err != nil {
				return err
			}
		}
	}
	return nil
}
