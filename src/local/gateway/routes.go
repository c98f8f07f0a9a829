package gateway

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// route is a resource of the API: its path template and what each method
// of it reaches.
type route struct {
	template string
	segments []string
	// methods maps an HTTP method, or "ANY" for x-amazon-apigateway-any-method,
	// to what it reaches.
	methods map[string]*target
}

// target is what a method of a resource reaches.
type target struct {
	function  string              // the logical id the integration names
	operation *openapi3.Operation // nil for the any-method
	pathItem  *openapi3.PathItem
	validator string      // the request validator in force; "" for none
	auth      *authorizer // the method's Cognito authorizer; nil for none
	mock      *mock       // the method's own answer, for a mock integration
}

// integrationFunction finds the function an x-amazon-apigateway-
// integration's uri names: ...functions/${CreateOrderFunction.Alias}/invocations,
// its alias as api.yaml names it (locally there is one version, the
// code's), or ...functions/${CreateOrderFunction.Arn}/invocations, the
// function itself.
var integrationFunction = regexp.MustCompile(`\$\{(\w+)\.(?:Alias|Arn)\}`)

// compileRoutes reads the resources and methods of spec, as API Gateway
// imports them.
func compileRoutes(spec *openapi3.T, schemes map[string][]UserPool) ([]*route, error) {
	defaultValidator, _ := spec.Extensions["x-amazon-apigateway-request-validator"].(string)
	var routes []*route
	for _, template := range spec.Paths.InMatchingOrder() {
		item := spec.Paths.Value(template)
		rt := &route{template: template, segments: strings.Split(template, "/"), methods: map[string]*target{}}
		if ext, ok := item.Extensions["x-amazon-apigateway-any-method"].(map[string]any); ok {
			fn, err := function(template, "ANY", ext)
			if err != nil {
				return nil, err
			}
			validator, _ := ext["x-amazon-apigateway-request-validator"].(string)
			rt.methods["ANY"] = &target{
				function: fn, pathItem: item, validator: orDefault(validator, defaultValidator),
				auth: authorizerOf(methodSecurity(ext["security"], spec), schemes),
			}
		}
		for method, op := range item.Operations() {
			if m, isMock, err := mockOf(op.Extensions); isMock {
				if err != nil {
					return nil, fmt.Errorf("gateway: %s %s: %w", method, template, err)
				}
				rt.methods[method] = &target{
					operation: op, pathItem: item, mock: m,
					auth: authorizerOf(methodSecurity(op.Security, spec), schemes),
				}
				continue
			}
			fn, err := function(template, method, op.Extensions)
			if err != nil {
				return nil, err
			}
			validator, _ := op.Extensions["x-amazon-apigateway-request-validator"].(string)
			rt.methods[method] = &target{
				function: fn, operation: op, pathItem: item, validator: orDefault(validator, defaultValidator),
				auth: authorizerOf(methodSecurity(op.Security, spec), schemes),
			}
		}
		routes = append(routes, rt)
	}
	return routes, nil
}

// function reads the function that a method's integration names.
func function(template, method string, ext map[string]any) (string, error) {
	raw, err := json.Marshal(ext["x-amazon-apigateway-integration"])
	if err != nil {
		return "", fmt.Errorf("gateway: %s %s: integration: %w", method, template, err)
	}
	m := integrationFunction.FindSubmatch(raw)
	if m == nil {
		return "", fmt.Errorf("gateway: %s %s: its x-amazon-apigateway-integration names no ${Function.Alias} or ${Function.Arn}", method, template)
	}
	return string(m[1]), nil
}

func orDefault(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}

// match finds the resource and method that an escaped path and a method
// reach, as API Gateway matches them: segment by segment, a {name} standing
// for one non-empty segment, still percent-encoded; a trailing slash
// matches the resource without it. HEAD and OPTIONS are methods like any
// other: only the any-method takes them.
func (g *Gateway) match(path, method string) (*route, *target, map[string]string) {
	got := strings.Split(strings.TrimSuffix(path, "/"), "/")
	if path == "/" {
		got = []string{"", ""}
	}
	for _, rt := range g.routes {
		params, ok := rt.bind(got)
		if !ok {
			continue
		}
		if t, ok := rt.methods[method]; ok {
			return rt, t, params
		}
		if t, ok := rt.methods["ANY"]; ok {
			return rt, t, params
		}
		return nil, nil, nil // The resource lacks the method: API Gateway stops here.
	}
	return nil, nil, nil
}

// bind matches the segments of a path to rt's template.
func (rt *route) bind(got []string) (map[string]string, bool) {
	if len(got) != len(rt.segments) {
		return nil, false
	}
	var params map[string]string
	for i, seg := range rt.segments {
		name, isParam := strings.CutPrefix(seg, "{")
		switch {
		case isParam && got[i] != "":
			if params == nil {
				params = map[string]string{}
			}
			params[strings.TrimSuffix(name, "}")] = got[i]
		case isParam || seg != got[i]:
			return nil, false
		}
	}
	return params, true
}

// stringList reads an extension's list of strings.
func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, item := range list {
		if s, ok := item.(string); ok && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
