// Package problem writes RFC 9457 problem details: the one shape of every
// error answer, whichever layer gives it.
//
// A problem's type names what went wrong. TypeBlank (about:blank) means
// the status says it all; the service's own types are anchors of
// docs/problems.md (Type), so that a client can read what each one means.
package problem

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// ContentType is the media type of a problem document.
const ContentType = "application/problem+json"

// typeBase is where the service documents its problem types.
const typeBase = "https://github.com/go-sam-blueprint/orders/blob/main/docs/problems.md#"

// The problem types of every service; a service adds its own with Type.
var (
	// TypeBlank is a problem that its status describes.
	TypeBlank = "about:blank"
	// TypeValidation is a request that breaks the API's schema or rules;
	// Fields lists each failing part.
	TypeValidation = Type("validation-error")
	// TypeInvalidJSON is a body that is missing, unreadable or not JSON.
	TypeInvalidJSON = Type("invalid-json")
)

// Type returns the problem type documented under anchor in docs/problems.md.
func Type(anchor string) string { return typeBase + anchor }

// Problem is an RFC 9457 problem details document. Its JSON is the
// Problem schema of api.yaml, members in alphabetical order as the
// generated client's own types marshal them.
type Problem struct {
	Detail   string  `json:"detail,omitempty"`
	Errors   []Field `json:"errors,omitempty"`
	Instance string  `json:"instance,omitempty"`
	Status   int     `json:"status"`
	Title    string  `json:"title"`
	Type     string  `json:"type"`
	// RetryAfter, in seconds, becomes the Retry-After header when positive.
	RetryAfter int `json:"-"`
	// Challenge becomes the WWW-Authenticate header, which a 401 must
	// carry (RFC 9110, section 15.5.2), such as "Bearer".
	Challenge string `json:"-"`
}

// Field is one failing part of a request: a body member by JSON pointer,
// or a parameter by name.
type Field struct {
	Detail    string `json:"detail"`
	Parameter string `json:"parameter,omitempty"`
	Pointer   string `json:"pointer,omitempty"`
}

func (f Field) where() string {
	if f.Parameter != "" {
		return "parameter:" + f.Parameter
	}
	return "pointer:" + f.Pointer
}

// New returns a problem of type typ. A TypeBlank problem takes its status
// text as title, as RFC 9457 asks.
func New(status int, typ, title, detail string) Problem {
	if typ == TypeBlank {
		title = http.StatusText(status)
	}
	return Problem{Type: typ, Title: title, Status: status, Detail: detail}
}

// Status returns the TypeBlank problem of status, with detail.
func Status(status int, detail string) Problem {
	return New(status, TypeBlank, "", detail)
}

// Validation returns the 422 that lists every failing part of a request,
// each once, in a stable order.
func Validation(fields []Field) Problem {
	slices.SortStableFunc(fields, func(a, b Field) int {
		return cmp.Or(strings.Compare(a.where(), b.where()), strings.Compare(a.Detail, b.Detail))
	})
	fields = slices.Compact(fields)
	detail := "1 part of the request is not valid"
	if len(fields) != 1 {
		detail = fmt.Sprintf("%d parts of the request are not valid", len(fields))
	}
	p := New(http.StatusUnprocessableEntity, TypeValidation, "The request is not valid.", detail)
	p.Errors = fields
	return p
}

// InvalidBody returns the 400 for a request body that is missing,
// unreadable or not JSON; detail says which.
func InvalidBody(detail string) Problem {
	return New(http.StatusBadRequest, TypeInvalidJSON, "The request body is not valid JSON.", detail)
}

// Write answers with p as application/problem+json, tagged with the
// request id so that a client can quote it.
func Write(ctx context.Context, w http.ResponseWriter, p Problem) {
	if id := RequestID(ctx); id != "" {
		p.Instance = id
	}
	body, err := json.Marshal(p)
	if err != nil {
		// A Problem always marshals; this guards against a future field that does not.
		p = Status(http.StatusInternalServerError, "")
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
	}
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(p.RetryAfter))
	}
	if p.Challenge != "" {
		w.Header().Set("WWW-Authenticate", p.Challenge)
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(p.Status)
	_, _ = w.Write(body) // The client has gone if this fails; nothing is left to tell it.
}

type requestIDKey struct{}

// WithRequestID returns a context whose problems carry id, the id a client
// quotes (API Gateway's request id, which its access logs carry too).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the id that WithRequestID gave ctx; "" when none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
