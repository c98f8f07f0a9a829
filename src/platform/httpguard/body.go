package httpguard

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/go-sam-blueprint/orders/src/platform/problem"
)

// JSONBodies bounds request bodies to maxBytes and reads a body without a
// Content-Type as JSON, which the Python cookbook's clients rely on; any
// other media type is refused with 415. It then reads the body and
// refuses, with 400, what encoding/json would accept silently but wrongly
// (see checkJSON).
func JSONBodies(maxBytes int64) func(http.Handler) http.Handler {
	b := bodies{max: maxBytes, tooLarge: problem.Status(http.StatusRequestEntityTooLarge,
		fmt.Sprintf("the request body must not exceed %d bytes", maxBytes))}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p, refused := b.check(w, r); refused {
				problem.Write(r.Context(), w, p)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// bodies checks request bodies for JSONBodies.
type bodies struct {
	max      int64
	tooLarge problem.Problem
}

// check reads r's body and puts it back, or says why it is refused.
func (b bodies) check(w http.ResponseWriter, r *http.Request) (problem.Problem, bool) {
	if r.ContentLength > b.max {
		return b.tooLarge, true
	}
	if r.ContentLength != 0 {
		ct := r.Header.Get("Content-Type")
		if ct == "" {
			r.Header.Set("Content-Type", "application/json")
		} else if mt, params, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return problem.Status(http.StatusUnsupportedMediaType, "send the body as application/json"), true
		} else if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			// JSON is UTF-8 (RFC 8259); a body declared in another charset
			// would be read as something other than what was meant.
			return problem.Status(http.StatusUnsupportedMediaType, "send the body as application/json in UTF-8, with no other charset"), true
		}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return problem.Problem{}, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, b.max))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return b.tooLarge, true
	}
	if err != nil {
		return problem.InvalidBody("the request body could not be read"), true
	}
	if p, refused := checkJSON(body); refused {
		return p, true
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return problem.Problem{}, false
}

// Undecodable answers a body that the generated decoder refuses although
// JSONBodies and StrictBodies took it: it should not happen, and it is the
// client's body all the same, never a 500.
func Undecodable(err error) problem.Problem {
	return invalidJSON(err)
}

// invalidJSON describes a body that is not JSON. A syntax error's message
// names only the offending character and where it is, which helps the
// client and reveals nothing else.
func invalidJSON(err error) problem.Problem {
	detail := "the request body is not valid JSON"
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		detail = fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	return problem.InvalidBody(detail)
}

// maxDepth bounds how deeply a request body may nest. An order is a flat
// object; encoding/json's own limit (10,000) is far above anything an
// honest client sends.
const maxDepth = 32

// checkJSON says why a body must be refused although encoding/json would
// decode it, if it must. encoding/json is lenient where the request must
// not be: it turns bytes that are not UTF-8, and \u escapes of half a
// UTF-16 surrogate pair, into U+FFFD without a word, so that an order
// would hold something other than what was sent (RFC 8259 requires
// UTF-8, and a lone surrogate stands for no character); and of a member
// that appears twice it keeps the last, when other parsers keep the
// first. encoding/json/jsontext refuses all three and says where; this
// also bounds the nesting to maxDepth.
//
// A body that is no JSON at all is refused too, saying where its syntax
// error is.
func checkJSON(body []byte) (problem.Problem, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return problem.Problem{}, false // no body: the route says whether one is due (StrictBodies)
	}
	if err := readFirstValue(body); err != nil {
		return refused(body, err)
	}
	// The first value is whole: encoding/json would ignore anything after
	// it.
	if !onlyValue(body) {
		return problem.InvalidBody("the request body has more after its JSON value"), true
	}
	return problem.Problem{}, false
}

// readFirstValue reads the first JSON value of body, token by token, with
// jsontext's checks (opts relax them) and maxDepth.
func readFirstValue(body []byte, opts ...jsontext.Options) error {
	dec := jsontext.NewDecoder(bytes.NewReader(body), opts...)
	for {
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		if dec.StackDepth() > maxDepth {
			return errTooDeep
		}
		if dec.StackDepth() == 0 {
			return nil
		}
	}
}

// onlyValue reports whether body holds one JSON value and nothing else.
func onlyValue(body []byte) bool {
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
	if err := dec.SkipValue(); err != nil {
		return true // no value at all: readFirstValue has said why
	}
	_, err := dec.ReadToken()
	return errors.Is(err, io.EOF)
}

var errTooDeep = fmt.Errorf("the request body nests deeper than %d levels", maxDepth)

// refused is the 400 for what checkJSON refused, naming the member it is
// in, or where the syntax error is in a body that is no JSON at all.
func refused(body []byte, err error) (problem.Problem, bool) {
	if errors.Is(err, errTooDeep) {
		return problem.InvalidBody(err.Error()), true
	}
	se, ok := errors.AsType[*jsontext.SyntacticError](err)
	if !ok {
		return syntaxError(body), true // the body ends early
	}
	pointer := "#" + string(se.JSONPointer)
	if errors.Is(err, jsontext.ErrDuplicateName) {
		return problem.InvalidBody(fmt.Sprintf("the member %s appears more than once", pointer)), true
	}
	if readFirstValue(body, jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)) != nil {
		return syntaxError(body), true
	}
	// Issue 15, finding 3: the value reads once its text may be mangled,
	// so its text is what is wrong. The words are ours: jsontext's quote
	// the bytes sent.
	why := "holds half of a UTF-16 surrogate pair (a \\uD800 to \\uDFFF escape without its other half), which stands for no character"
	if !utf8.Valid(body) {
		why = "is not valid UTF-8"
	}
	p := problem.InvalidBody(fmt.Sprintf("the request body %s (at byte %d)", why, se.ByteOffset))
	p.Errors = []problem.Field{{Pointer: pointer, Detail: why}}
	return p, true
}

// syntaxError is the 400 for a body that is no JSON, in encoding/json's
// words, which name the offending character and where it is and nothing
// else of the body.
func syntaxError(body []byte) problem.Problem {
	return invalidJSON(json.Unmarshal(body, new(any)))
}
