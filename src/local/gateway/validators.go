package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// validator is one of the API's x-amazon-apigateway-request-validators.
type validator struct {
	Body       bool `json:"validateRequestBody"`
	Parameters bool `json:"validateRequestParameters"`
}

// validators are the API's request validators, by name.
type validators map[string]validator

func requestValidators(spec *openapi3.T) (validators, error) {
	out := validators{}
	raw, err := json.Marshal(spec.Extensions["x-amazon-apigateway-request-validators"])
	if err != nil {
		return nil, fmt.Errorf("gateway: request validators: %w", err)
	}
	if err := json.Unmarshal(raw, &out); err != nil && string(raw) != "null" {
		return nil, fmt.Errorf("gateway: request validators: %w", err)
	}
	return out, nil
}

// check validates a request as the validator in force on t does, and
// returns the failure API Gateway answers, or nil. Parameters come first,
// as in API Gateway.
func (vs validators) check(t *target, r *http.Request, path map[string]string, body []byte) *failure {
	v, ok := vs[t.validator]
	if !ok || t.operation == nil {
		return nil
	}
	if v.Parameters {
		if missing := missingParameters(t, r, path); len(missing) > 0 {
			return &failure{kind: "BAD_REQUEST_PARAMETERS", message: "Missing required request parameters: [" + strings.Join(missing, ", ") + "]"}
		}
	}
	if v.Body {
		if problems, checked := bodyProblems(t.operation, r.Header.Get("Content-Type"), body); checked && len(problems) > 0 {
			return &failure{kind: "BAD_REQUEST_BODY", message: "Invalid request body", validation: "[" + strings.Join(problems, ", ") + "]"}
		}
	}
	return nil
}

// missingParameters lists the required parameters that are absent or
// blank: API Gateway checks nothing else of a parameter, neither its type
// nor its format. Headers first, then path, then query string, as API
// Gateway orders them.
func missingParameters(t *target, r *http.Request, path map[string]string) []string {
	var headers, paths, queries []string
	query := r.URL.Query()
	for _, ref := range append(slices.Clone(t.pathItem.Parameters), t.operation.Parameters...) {
		p := ref.Value
		if p == nil || !p.Required {
			continue
		}
		switch p.In {
		case openapi3.ParameterInHeader:
			if strings.TrimSpace(r.Header.Get(p.Name)) == "" {
				headers = append(headers, p.Name)
			}
		case openapi3.ParameterInPath:
			if path[p.Name] == "" {
				paths = append(paths, p.Name)
			}
		case openapi3.ParameterInQuery:
			if strings.TrimSpace(query.Get(p.Name)) == "" {
				queries = append(queries, p.Name)
			}
		}
	}
	return slices.Concat(headers, paths, queries)
}

// bodyProblems validates a body against the operation's model for the
// request's media type, as API Gateway does: a missing Content-Type is
// application/json, parameters such as charset do not count, and a type
// without a model is not validated (checked is false). The messages are
// those of the JSON Schema draft 4 validator API Gateway uses, which quote
// the submitted values; the API's gateway responses decide whether a
// client sees them.
func bodyProblems(op *openapi3.Operation, contentType string, body []byte) (problems []string, checked bool) {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil, false
	}
	mediaType := "application/json"
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil {
			return nil, false
		}
		mediaType = mt
	}
	model := op.RequestBody.Value.Content.Get(mediaType)
	if model == nil {
		model = op.RequestBody.Value.Content.Get("$default")
	}
	if model == nil || model.Schema == nil || model.Schema.Value == nil {
		return nil, false
	}
	var value any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if len(bytes.TrimSpace(body)) == 0 || dec.Decode(&value) != nil {
		return []string{"Unknown error parsing request body"}, true
	}
	value = numbers(value)
	err := model.Schema.Value.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsRequest())
	return schemaMessages(err), true
}

// numbers turns json.Numbers into float64, as kin-openapi validates them.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

// schemaMessages words each failure as the draft 4 validator of API
// Gateway does (docs/edge.md): the missing members of an object in one
// message, each other failure in its own; an object's own failures first,
// then its members' by name. (API Gateway's order is undocumented.)
func schemaMessages(err error) []string {
	var out, object []string
	var missing []string
	for _, se := range schemaErrors(err) {
		s := se.Schema
		switch se.SchemaField {
		case "required":
			if name, ok := strings.CutPrefix(se.Reason, `property "`); ok {
				missing = append(missing, strings.TrimSuffix(strings.Fields(name)[0], `"`))
			}
		case "type":
			out = append(out, fmt.Sprintf("instance type (%s) does not match any allowed primitive type (allowed: %s)", jsonType(se.Value), jsonList(s.Type.Slice())))
		case "maxLength":
			str, _ := se.Value.(string)
			out = append(out, fmt.Sprintf("string %s is too long (length: %d, maximum allowed: %d)", quote(str), len([]rune(str)), deref(s.MaxLength)))
		case "minLength":
			str, _ := se.Value.(string)
			out = append(out, fmt.Sprintf("string %s is too short (length: %d, required minimum: %d)", quote(str), len([]rune(str)), s.MinLength))
		case "maximum":
			out = append(out, fmt.Sprintf("numeric instance is greater than the required maximum (maximum: %v, found: %v)", deref(s.Max), se.Value))
		case "minimum":
			out = append(out, fmt.Sprintf("numeric instance is lower than the required minimum (minimum: %v, found: %v)", deref(s.Min), se.Value))
		case "enum":
			out = append(out, fmt.Sprintf("instance value (%s) not found in enum (possible values: %s)", jsonText(se.Value), jsonText(s.Enum)))
		case "pattern":
			str, _ := se.Value.(string)
			out = append(out, fmt.Sprintf("ECMA 262 regex %s does not match input string %s", quote(s.Pattern), quote(str)))
		case "properties", "additionalProperties":
			object = append(object, "object instance has properties which are not allowed by the schema: "+jsonList(extraMembers(se)))
		default:
			out = append(out, "instance failed to match the schema ("+se.SchemaField+")")
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		object = append([]string{"object has missing required properties (" + jsonList(missing) + ")"}, object...)
	}
	return append(object, out...)
}

// schemaErrors flattens a validation error into its schema errors.
func schemaErrors(err error) []*openapi3.SchemaError {
	var out []*openapi3.SchemaError
	if multi, ok := errors.AsType[openapi3.MultiError](err); ok {
		for _, e := range multi {
			out = append(out, schemaErrors(e)...)
		}
		return out
	}
	if se, ok := errors.AsType[*openapi3.SchemaError](err); ok {
		out = append(out, se)
	}
	return out
}

// extraMembers lists the members of a failing object its schema does not
// declare, sorted.
func extraMembers(se *openapi3.SchemaError) []string {
	obj, _ := se.Value.(map[string]any)
	var names []string
	for name := range obj {
		if _, known := se.Schema.Properties[name]; !known {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

// jsonList writes names as a JSON array, without spaces.
func jsonList(names []string) string {
	if names == nil {
		names = []string{}
	}
	return jsonText(names)
}

func jsonText(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
