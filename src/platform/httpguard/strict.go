package httpguard

import (
	"bytes"
	"encoding/json/v2"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"

	"github.com/go-sam-blueprint/orders/src/platform/problem"
)

// StrictBodies decodes the body of a request to one of types' routes (the
// ServeMux pattern it matched) into a new value of the route's type, and
// refuses with 422 what that type does not hold exactly: a member it
// lacks, a name in another case, a value of another type. Go's
// encoding/json, which oapi-codegen's server decodes with, would drop or
// coerce them, where the spec's schema refuses them; the types are
// generated from that schema, and the schema's other rules are the
// domain's (docs/validation-and-errors.md). A route given a type needs a
// body. Requests to other routes pass untouched.
//
// It reads the body that JSONBodies has checked and put back, so it sits
// inside it, where the route is known: among the generated server's
// middlewares.
func StrictBodies(types map[string]func() any) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			newBody, ok := types[r.Pattern]
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			var body []byte
			if r.Body != nil {
				var err error
				if body, err = io.ReadAll(r.Body); err != nil {
					problem.Write(r.Context(), w, problem.InvalidBody("the request body could not be read"))
					return
				}
			}
			if len(bytes.TrimSpace(body)) == 0 {
				problem.Write(r.Context(), w, problem.InvalidBody("the request needs a JSON body"))
				return
			}
			if err := json.Unmarshal(body, newBody(), json.RejectUnknownMembers(true)); err != nil {
				problem.Write(r.Context(), w, notHeld(err))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(w, r)
		})
	}
}

// notHeld names, by JSON pointer, the part of a body that its type does
// not hold, without echoing it.
func notHeld(err error) problem.Problem {
	se, ok := errors.AsType[*json.SemanticError](err)
	if !ok {
		return invalidJSON(err)
	}
	field := problem.Field{Pointer: "#" + string(se.JSONPointer), Detail: "must be " + kindOf(se.GoType)}
	switch {
	case errors.Is(se.Err, json.ErrUnknownName):
		field.Detail = "is not a member of this object"
	case errors.Is(se.Err, strconv.ErrRange):
		field.Detail = "is out of range"
	}
	return problem.Validation([]problem.Field{field})
}

// kindOf says what JSON a Go type holds, as the spec's types say it.
func kindOf(t reflect.Type) string {
	if t == nil {
		return "valid"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	default:
		return "valid"
	}
}
