package httpguard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	nethttpmiddleware "github.com/oapi-codegen/nethttp-middleware"

	"github.com/go-sam-blueprint/orders/src/platform/problem"
)

func init() {
	// kin-openapi leaves the uuid format unchecked unless told; a path id
	// that is no UUID must fail validation (422), not reach the database.
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(
		`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`))
}

// Validate checks every request against spec before next runs, and
// answers the ones that fail with a problem: 404 for a path the spec
// lacks, 405 with Allow for a method it lacks, 400 for a body that is no
// JSON, and 422 naming every failing field otherwise.
func Validate(spec *openapi3.T) func(http.Handler) http.Handler {
	return nethttpmiddleware.OapiRequestValidatorWithOptions(spec, &nethttpmiddleware.Options{
		// The spec's server is the API's own origin; the stage and host vary.
		DoNotValidateServers:  true,
		SilenceServersWarning: true,
		Options: openapi3filter.Options{
			// Report every failing field at once, not just the first.
			MultiError: true,
			// API Gateway's authorizer checked the token before the
			// function ran; the caller arrives in the event's claims
			// (package caller), not in a header to check again.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
		ErrorHandlerWithOpts: func(ctx context.Context, err error, w http.ResponseWriter, r *http.Request, _ nethttpmiddleware.ErrorHandlerOpts) {
			if errors.Is(err, routers.ErrMethodNotAllowed) {
				w.Header().Set("Allow", strings.Join(allowedMethods(spec, r.URL.Path), ", "))
			}
			problem.Write(ctx, w, invalidRequest(err))
		},
	})
}

// invalidRequest turns what the validator found into the problem a client
// sees. The validator's own messages are not passed on: they echo schemas
// and submitted values. The details are rebuilt from the failing schema
// keyword instead.
func invalidRequest(err error) problem.Problem {
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		return problem.Status(http.StatusNotFound, "no such resource")
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return problem.Status(http.StatusMethodNotAllowed, "the resource does not support this method")
	}
	var invalid []problem.Field
	for _, re := range requestErrors(err) {
		switch {
		case re.Parameter != nil:
			invalid = append(invalid, paramErrors(re.Parameter, re.Err)...)
		case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
			return problem.InvalidBody("the request needs a JSON body")
		default:
			body, ok := bodyErrors(re.Err)
			if !ok {
				return invalidJSON(re.Err)
			}
			invalid = append(invalid, body...)
		}
	}
	if len(invalid) == 0 {
		// A failure the validator did not explain, such as a security check.
		return problem.Status(http.StatusBadRequest, "")
	}
	return problem.Validation(invalid)
}

// requestErrors flattens the validator's error tree into its request
// errors. It matches types rather than unwrapping, since a request error
// wraps the schema errors that explain it.
func requestErrors(err error) []*openapi3filter.RequestError {
	switch e := err.(type) { //nolint:errorlint // By type on purpose: a request error wraps the schema errors that explain it.
	case openapi3.MultiError:
		var out []*openapi3filter.RequestError
		for _, inner := range e {
			out = append(out, requestErrors(inner)...)
		}
		return out
	case *openapi3filter.RequestError:
		return []*openapi3filter.RequestError{e}
	}
	return nil
}

// schemaErrors flattens an error tree into its schema errors; ok is false
// when some part of it is not a schema error.
func schemaErrors(err error) (out []*openapi3.SchemaError, ok bool) {
	switch e := err.(type) { //nolint:errorlint // By type on purpose, as in requestErrors.
	case openapi3.MultiError:
		for _, inner := range e {
			errs, ok := schemaErrors(inner)
			if !ok {
				return nil, false
			}
			out = append(out, errs...)
		}
		return out, len(out) > 0
	case *openapi3.SchemaError:
		return []*openapi3.SchemaError{e}, true
	}
	return nil, false
}

// bodyErrors lists the body members that failed the schema; ok is false
// when the body could not be decoded at all.
func bodyErrors(err error) ([]problem.Field, bool) {
	errs, ok := schemaErrors(err)
	if !ok {
		return nil, false
	}
	var out []problem.Field
	for _, se := range errs {
		path := se.JSONPointer()
		if se.SchemaField == "properties" {
			// The validator reports an unknown member at its object, once per
			// unknown member; name each member instead.
			for _, name := range unknownMembers(se) {
				pointer := Pointer(append(slices.Clip(path), name))
				out = append(out, problem.Field{Pointer: pointer, Detail: "is not a known field"})
			}
			continue
		}
		pointer := Pointer(path)
		out = append(out, problem.Field{Pointer: pointer, Detail: schemaDetail(se)})
	}
	return out, true
}

// unknownMembers lists the members of a failing object that its schema does
// not declare.
func unknownMembers(se *openapi3.SchemaError) []string {
	obj, _ := se.Value.(map[string]any)
	var names []string
	for name := range obj {
		if _, known := se.Schema.Properties[name]; !known {
			names = append(names, name)
		}
	}
	return names
}

// paramErrors describes a path or query parameter that failed.
func paramErrors(p *openapi3.Parameter, err error) []problem.Field {
	name := p.Name
	errs, ok := schemaErrors(err)
	if !ok {
		// It could not even be parsed as its type, e.g. limit=ten.
		return []problem.Field{{Parameter: name, Detail: typeDetail(p.Schema)}}
	}
	out := make([]problem.Field, len(errs))
	for i, se := range errs {
		out[i] = problem.Field{Parameter: name, Detail: schemaDetail(se)}
	}
	return out
}

// Pointer renders a path as an RFC 6901 JSON pointer in URI fragment
// form, as RFC 9457's own example does.
func Pointer(path []string) string {
	var b strings.Builder
	b.WriteString("#")
	escape := strings.NewReplacer("~", "~0", "/", "~1")
	for _, token := range path {
		b.WriteString("/")
		b.WriteString(escape.Replace(token))
	}
	return b.String()
}

// schemaDetail says what a value must be, from the schema keyword it failed.
func schemaDetail(se *openapi3.SchemaError) string {
	s := se.Schema
	switch se.SchemaField {
	case "required":
		return "is required"
	case "type":
		return "must be " + typeName(s)
	case "minLength":
		return fmt.Sprintf("must be at least %d characters long", s.MinLength)
	case "maxLength":
		if s.MaxLength != nil {
			return fmt.Sprintf("must be at most %d characters long", *s.MaxLength)
		}
	case "minimum":
		if s.Min != nil {
			return fmt.Sprintf("must be at least %v", *s.Min)
		}
	case "maximum":
		if s.Max != nil {
			return fmt.Sprintf("must be at most %v", *s.Max)
		}
	case "format":
		return "must be a valid " + s.Format
	case "enum":
		return fmt.Sprintf("must be one of %v", s.Enum)
	case "pattern":
		return "does not have the expected form"
	case "nullable":
		return "must not be null"
	}
	return "is not valid"
}

func typeDetail(ref *openapi3.SchemaRef) string {
	if ref == nil || ref.Value == nil {
		return "is not valid"
	}
	return "must be " + typeName(ref.Value)
}

func typeName(s *openapi3.Schema) string {
	if s.Type == nil || len(s.Type.Slice()) == 0 {
		return "a valid value"
	}
	switch t := s.Type.Slice()[0]; t {
	case openapi3.TypeInteger:
		return "an integer"
	case openapi3.TypeObject, openapi3.TypeArray:
		return "an " + t
	default:
		return "a " + t
	}
}

// allowedMethods lists the methods that the spec declares for path, for a
// 405 answer's Allow header.
func allowedMethods(spec *openapi3.T, path string) []string {
	for template, item := range spec.Paths.Map() {
		if !matchesTemplate(template, path) {
			continue
		}
		methods := make([]string, 0, len(item.Operations())+1)
		for m := range item.Operations() {
			methods = append(methods, m)
		}
		if item.Get != nil {
			methods = append(methods, http.MethodHead) // HeadAsGet answers it
		}
		slices.Sort(methods)
		return methods
	}
	return nil
}

// matchesTemplate reports whether path fits an OpenAPI path template such
// as /api/orders/{orderId}, where a {name} stands for one segment.
func matchesTemplate(template, path string) bool {
	want, got := strings.Split(template, "/"), strings.Split(path, "/")
	if len(want) != len(got) {
		return false
	}
	for i, seg := range want {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if got[i] == "" {
				return false
			}
			continue
		}
		if seg != got[i] {
			return false
		}
	}
	return true
}
