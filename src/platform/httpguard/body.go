package httpguard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
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
		} else if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return problem.Status(http.StatusUnsupportedMediaType, "send the body as application/json"), true
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
	if detail := checkJSON(body); detail != "" {
		return problem.InvalidBody(detail), true
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return problem.Problem{}, false
}

// Undecodable answers a body that passed validation but does not decode
// into the handler's types: JSON Schema counts 1.0 and 1e2 as integers,
// Go's int does not.
func Undecodable(err error) problem.Problem {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
		return problem.Validation([]problem.Field{{
			Pointer: Pointer(strings.Split(te.Field, ".")),
			Detail:  "must be written as a whole number, without a fraction or an exponent",
		}})
	}
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

// checkJSON returns why a body must be refused although encoding/json
// would decode it, or "" when it is fine or is no JSON at all (the
// validator says where a syntax error is):
//
//   - invalid UTF-8, which encoding/json silently replaces with U+FFFD,
//     so that the order would not hold what was sent (RFC 8259 requires
//     UTF-8);
//   - a member that appears twice in one object, of which encoding/json
//     silently keeps the last, when other parsers keep the first: the
//     edge and the function could then read two different orders;
//   - nesting deeper than maxDepth.
//
// It reads the first JSON value with a json.Decoder, which keeps its own
// stack: no recursion, whatever the input.
func checkJSON(body []byte) string {
	if !utf8.Valid(body) {
		return "the request body is not valid UTF-8"
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // Numbers are the validator's to judge, 1e400 included.
	var c jsonChecker
	for {
		tok, err := dec.Token()
		if err != nil {
			return "" // The end, or a syntax error: the validator reports it.
		}
		if why := c.next(tok); why != "" {
			return why
		}
		if len(c.stack) == 0 {
			// The first value is whole: encoding/json, and the validator,
			// would ignore anything after it.
			if _, err := dec.Token(); !errors.Is(err, io.EOF) {
				return "the request body has more after its JSON value"
			}
			return ""
		}
	}
}

// jsonChecker follows the tokens of a JSON value: the objects and arrays
// open around the current token.
type jsonChecker struct {
	stack []frame
}

// frame is an object or array being read.
type frame struct {
	object  bool
	keys    map[string]struct{} // the members seen so far, of an object
	key     string              // the member being read, of an object
	wantKey bool                // whether a key comes next, of an object
	index   int                 // the element being read, of an array
}

// next takes the next token, and says what is wrong with it, if anything.
func (c *jsonChecker) next(tok json.Token) string {
	top := len(c.stack) - 1
	if top >= 0 && c.stack[top].object && c.stack[top].wantKey {
		return c.member(tok)
	}
	switch tok {
	case json.Delim('{'), json.Delim('['):
		if len(c.stack) == maxDepth {
			return fmt.Sprintf("the request body nests deeper than %d levels", maxDepth)
		}
		f := frame{object: tok == json.Delim('{')}
		if f.object {
			f.keys, f.wantKey = map[string]struct{}{}, true
		}
		c.stack = append(c.stack, f)
		return ""
	case json.Delim('}'), json.Delim(']'):
		c.stack = c.stack[:top]
	}
	c.valueDone()
	return ""
}

// member takes a token where an object's next key (or its end) is due.
func (c *jsonChecker) member(tok json.Token) string {
	top := len(c.stack) - 1
	if tok == json.Delim('}') {
		c.stack = c.stack[:top]
		c.valueDone()
		return ""
	}
	key, _ := tok.(string) // A key is always a string.
	f := &c.stack[top]
	if _, dup := f.keys[key]; dup {
		return fmt.Sprintf("the member %s appears more than once", c.pointer(key))
	}
	f.keys[key] = struct{}{}
	f.key, f.wantKey = key, false
	return ""
}

// valueDone notes that a value in the innermost container is complete.
func (c *jsonChecker) valueDone() {
	if top := len(c.stack) - 1; top >= 0 {
		if c.stack[top].object {
			c.stack[top].wantKey = true
		} else {
			c.stack[top].index++
		}
	}
}

// pointer is the JSON pointer of member key of the innermost object.
func (c *jsonChecker) pointer(key string) string {
	path := make([]string, 0, len(c.stack))
	for _, f := range c.stack[:len(c.stack)-1] {
		if f.object {
			path = append(path, f.key)
		} else {
			path = append(path, strconv.Itoa(f.index))
		}
	}
	return Pointer(append(path, key))
}
