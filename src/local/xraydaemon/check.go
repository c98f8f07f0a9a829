package xraydaemon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxDatagram is the daemon's receive buffer, 64 KiB: a longer datagram
// is cut, and its document lost.
const MaxDatagram = 64 << 10

// The formats of the X-Ray developer guide and its JSON schema
// (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html),
// made strict where a function's own documents can be: ids in lower case.
var (
	traceIDFormat    = regexp.MustCompile(`^1-[0-9a-f]{8}-[0-9a-f]{24}$`)
	idFormat         = regexp.MustCompile(`^[0-9a-f]{16}$`)
	nameFormat       = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/%&#=+\-@]{1,200}$`)
	annotationFormat = regexp.MustCompile(`^[a-zA-Z0-9_]{1,500}$`)
)

const (
	zeroID               = "0000000000000000"
	maxAnnotationString  = 1000
	maxShortString       = 250
	maxAnnotationsPerDoc = 50
)

// Check validates one datagram as the daemon and X-Ray would take it,
// stricter than the daemon, which forwards any body and leaves X-Ray to
// reject it where nobody looks: the header line, the size, one JSON
// object, an independent subsegment with its ids, name and times, and
// every optional field's type, its embedded subsegments included. The
// error lists every problem, one a line.
func Check(datagram []byte) (Document, error) {
	if len(datagram) > MaxDatagram {
		return Document{}, fmt.Errorf("datagram is %d bytes, over the daemon's %d-byte buffer", len(datagram), MaxDatagram)
	}
	header, body, ok := bytes.Cut(datagram, []byte("\n"))
	if !ok || len(bytes.TrimSpace(body)) == 0 {
		return Document{}, errors.New(`no header line and document: a datagram is {"format": "json", "version": 1}, a newline, and one document`)
	}
	if err := checkHeader(header); err != nil {
		return Document{}, err
	}
	fields, err := object(body)
	if err != nil {
		return Document{}, err
	}
	c := &checker{}
	c.document("", fields, true)
	if len(c.problems) > 0 {
		return Document{}, errors.New(strings.Join(c.problems, "\n"))
	}
	var doc Document
	if err := json.Unmarshal(body, &doc); err != nil {
		return Document{}, fmt.Errorf("document: %w", err)
	}
	doc.Raw = append(json.RawMessage(nil), body...)
	return doc, nil
}

// checkHeader accepts what the daemon accepts: a JSON object whose format
// is "json" in any case and whose version is 1.
func checkHeader(header []byte) error {
	var h struct {
		Format  any `json:"format"`
		Version any `json:"version"`
	}
	if err := json.Unmarshal(header, &h); err != nil {
		return fmt.Errorf("header %q is not JSON: %w", clip(string(header)), err)
	}
	format, _ := h.Format.(string)
	version, _ := h.Version.(float64)
	if !strings.EqualFold(format, "json") || version != 1 {
		return fmt.Errorf(`header %q is not {"format": "json", "version": 1}`, clip(string(header)))
	}
	return nil
}

// object decodes body as exactly one JSON object, its numbers kept as
// written.
func object(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("document is not JSON: %w", err)
	}
	fields, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("document is a JSON %s, not one object", kind(v))
	}
	if err := dec.Decode(&v); !errors.Is(err, io.EOF) {
		return nil, errors.New("document is followed by more data: one document per datagram")
	}
	return fields, nil
}

// checker collects the problems of one document.
type checker struct {
	problems []string
}

func (c *checker) addf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// document checks a (sub)segment at path ("" for the datagram's, else
// "subsegments[0]." and so on). An independent one, sent on its own,
// must say it is a subsegment, and name its trace and its parent.
func (c *checker) document(path string, m map[string]any, independent bool) {
	if independent {
		if m["type"] != "subsegment" {
			c.addf(`%stype is %s, not "subsegment": a function sends subsegments of the segment Lambda owns`, path, show(m["type"]))
		}
		c.require(path, m, "trace_id", "parent_id")
	} else if t, ok := m["type"]; ok && t != "subsegment" {
		c.addf(`%stype is %s, not "subsegment"`, path, show(t))
	}
	c.require(path, m, "id", "name", "start_time")
	c.noNulls(path, m)
	c.format(path+"trace_id", m["trace_id"], traceIDFormat, "1-{8 hex digits}-{24 hex digits}")
	c.id(path+"parent_id", m["parent_id"])
	c.id(path+"id", m["id"])
	if id, ok := m["id"].(string); ok && id == m["parent_id"] {
		c.addf("%sid is its own parent_id", path)
	}
	c.format(path+"name", m["name"], nameFormat, "1 to 200 letters, numbers, spaces and _ . : / % & # = + - @")
	c.times(path, m)
	for _, key := range []string{"fault", "error", "throttle", "in_progress", "traced"} {
		c.boolean(path+key, m[key])
	}
	if ns, ok := m["namespace"]; ok && ns != "aws" && ns != "remote" {
		c.addf(`%snamespace is %s, not "aws" or "remote"`, path, show(ns))
	}
	c.shortString(path+"user", m["user"])
	c.str(path+"origin", m["origin"])
	c.str(path+"resource_arn", m["resource_arn"])
	c.ids(path+"precursor_ids", m["precursor_ids"])
	c.aws(path+"aws.", m["aws"])
	c.http(path+"http.", m["http"])
	c.sql(path+"sql.", m["sql"])
	c.cause(path+"cause", m["cause"])
	c.annotations(path+"annotations", m["annotations"])
	c.metadata(path+"metadata", m["metadata"])
	c.subsegments(path+"subsegments", m["subsegments"])
}

// noNulls rejects a null field, which the schema allows nowhere outside
// metadata, and which the other checks would take for a missing one.
func (c *checker) noNulls(path string, m map[string]any) {
	for key, v := range m {
		if v == nil {
			c.addf("%s%s is null", path, key)
		}
	}
}

func (c *checker) require(path string, m map[string]any, keys ...string) {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			c.addf("%s%s is missing", path, k)
		}
	}
}

// times: a start, and either an end no earlier or in_progress.
func (c *checker) times(path string, m map[string]any) {
	start, startOK := c.number(path+"start_time", m["start_time"])
	if startOK && start <= 0 {
		c.addf("%sstart_time is %v, not epoch seconds", path, start)
	}
	end, endOK := c.number(path+"end_time", m["end_time"])
	_, hasEnd := m["end_time"]
	inProgress := m["in_progress"] == true
	switch {
	case hasEnd && inProgress:
		c.addf("%shas both end_time and in_progress", path)
	case !hasEnd && !inProgress:
		c.addf("%shas neither end_time nor in_progress: true", path)
	case startOK && endOK && end < start:
		c.addf("%send_time %v is before start_time %v", path, end, start)
	}
}

func (c *checker) aws(path string, v any) {
	m, ok := c.obj(path, v)
	if !ok {
		return
	}
	c.noNulls(path, m)
	for _, key := range []string{"operation", "region", "request_id", "table_name", "account_id", "queue_url"} {
		c.str(path+key, m[key])
	}
	if r, ok := m["retries"]; ok {
		if n, isInt := integer(r); !isInt || n < 0 {
			c.addf("%sretries is %s, not a count", path, show(r))
		}
	}
	c.strings(path+"table_names", m["table_names"])
}

func (c *checker) http(path string, v any) {
	m, ok := c.obj(path, v)
	if !ok {
		return
	}
	c.noNulls(path, m)
	if req, ok := c.obj(path+"request.", m["request"]); ok {
		c.noNulls(path+"request.", req)
		for _, key := range []string{"method", "url", "user_agent", "client_ip"} {
			c.shortString(path+"request."+key, req[key])
		}
		c.boolean(path+"request.x_forwarded_for", req["x_forwarded_for"])
		c.boolean(path+"request.traced", req["traced"])
	}
	if resp, ok := c.obj(path+"response.", m["response"]); ok {
		c.noNulls(path+"response.", resp)
		if s, ok := resp["status"]; ok {
			if n, isInt := integer(s); !isInt || n < 100 || n > 599 {
				c.addf("%sresponse.status is %s, not an HTTP status", path, show(s))
			}
		}
		if l, ok := resp["content_length"]; ok {
			if n, isInt := integer(l); !isInt || n < 0 {
				c.addf("%sresponse.content_length is %s, not a length", path, show(l))
			}
		}
	}
}

func (c *checker) sql(path string, v any) {
	m, ok := c.obj(path, v)
	if !ok {
		return
	}
	c.noNulls(path, m)
	for key, value := range m {
		c.shortString(path+key, value)
	}
}

// cause: an exception id, or the exceptions themselves.
func (c *checker) cause(path string, v any) {
	if v == nil {
		return
	}
	if _, ok := v.(string); ok {
		c.id(path, v)
		return
	}
	m, ok := c.obj(path+".", v)
	if !ok {
		return
	}
	c.noNulls(path+".", m)
	c.str(path+".working_directory", m["working_directory"])
	c.strings(path+".paths", m["paths"])
	exceptions, ok := c.array(path+".exceptions", m["exceptions"])
	for i, e := range exceptions {
		c.exception(fmt.Sprintf("%s.exceptions[%d].", path, i), e)
	}
	if ok && len(exceptions) == 0 {
		c.addf("%s.exceptions is empty", path)
	}
}

func (c *checker) exception(path string, v any) {
	m, ok := c.obj(path, v)
	if !ok {
		return
	}
	c.require(path, m, "id")
	c.noNulls(path, m)
	c.id(path+"id", m["id"])
	for _, key := range []string{"message", "type", "cause"} {
		c.str(path+key, m[key])
	}
	c.boolean(path+"remote", m["remote"])
	for _, key := range []string{"truncated", "skipped"} {
		if n, ok := m[key]; ok {
			if _, isInt := integer(n); !isInt {
				c.addf("%s%s is %s, not an integer", path, key, show(n))
			}
		}
	}
	frames, _ := c.array(path+"stack", m["stack"])
	for i, f := range frames {
		frame, ok := c.obj(fmt.Sprintf("%sstack[%d].", path, i), f)
		if !ok {
			continue
		}
		c.str(fmt.Sprintf("%sstack[%d].path", path, i), frame["path"])
		c.str(fmt.Sprintf("%sstack[%d].label", path, i), frame["label"])
		if l, ok := frame["line"]; ok {
			if _, isInt := integer(l); !isInt {
				c.addf("%sstack[%d].line is %s, not an integer", path, i, show(l))
			}
		}
	}
}

// annotations: keys X-Ray's filters accept, scalar values.
func (c *checker) annotations(path string, v any) {
	m, ok := c.obj(path+".", v)
	if !ok {
		return
	}
	if len(m) > maxAnnotationsPerDoc {
		c.addf("%s has %d annotations; X-Ray indexes %d per trace", path, len(m), maxAnnotationsPerDoc)
	}
	for key, value := range m {
		if !annotationFormat.MatchString(key) {
			c.addf("%s key %q is not 1 to 500 letters, digits and underscores", path, key)
		}
		switch value := value.(type) {
		case bool, json.Number:
		case string:
			if utf8.RuneCountInString(value) > maxAnnotationString {
				c.addf("%s.%s is over %d characters", path, key, maxAnnotationString)
			}
		default:
			c.addf("%s.%s is %s, not a string, number or boolean", path, key, kind(value))
		}
	}
}

// metadata: namespaces of objects; AWS. is AWS's own.
func (c *checker) metadata(path string, v any) {
	m, ok := c.obj(path+".", v)
	if !ok {
		return
	}
	for ns, value := range m {
		if strings.HasPrefix(ns, "AWS.") {
			c.addf("%s namespace %q: AWS. is reserved for AWS's SDKs", path, ns)
		}
		if _, isObj := value.(map[string]any); !isObj {
			c.addf("%s.%s is %s, not an object of values", path, ns, kind(value))
		}
	}
}

func (c *checker) subsegments(path string, v any) {
	subs, _ := c.array(path, v)
	for i, s := range subs {
		p := fmt.Sprintf("%s[%d].", path, i)
		if m, ok := c.obj(p, s); ok {
			c.document(p, m, false)
		}
	}
}

// The checks of one value, each a no-op when the value is absent.

func (c *checker) obj(path string, v any) (map[string]any, bool) {
	if v == nil {
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		c.addf("%s is %s, not an object", strings.TrimSuffix(path, "."), kind(v))
	}
	return m, ok
}

func (c *checker) array(path string, v any) ([]any, bool) {
	if v == nil {
		return nil, false
	}
	a, ok := v.([]any)
	if !ok {
		c.addf("%s is %s, not an array", path, kind(v))
	}
	return a, ok
}

func (c *checker) str(path string, v any) {
	if _, ok := v.(string); v != nil && !ok {
		c.addf("%s is %s, not a string", path, kind(v))
	}
}

func (c *checker) shortString(path string, v any) {
	c.str(path, v)
	if s, ok := v.(string); ok && utf8.RuneCountInString(s) > maxShortString {
		c.addf("%s is over %d characters", path, maxShortString)
	}
}

func (c *checker) strings(path string, v any) {
	items, _ := c.array(path, v)
	for i, item := range items {
		c.str(fmt.Sprintf("%s[%d]", path, i), item)
	}
}

func (c *checker) boolean(path string, v any) {
	if _, ok := v.(bool); v != nil && !ok {
		c.addf("%s is %s, not a boolean", path, kind(v))
	}
}

func (c *checker) number(path string, v any) (float64, bool) {
	if v == nil {
		return 0, false
	}
	n, ok := v.(json.Number)
	if !ok {
		c.addf("%s is %s, not a number", path, kind(v))
		return 0, false
	}
	f, err := n.Float64()
	if err != nil {
		c.addf("%s is %s, out of range", path, n)
		return 0, false
	}
	return f, true
}

func (c *checker) format(path string, v any, re *regexp.Regexp, want string) {
	if v == nil {
		return
	}
	if s, ok := v.(string); !ok || !re.MatchString(s) {
		c.addf("%s is %s, not %s", path, show(v), want)
	}
}

func (c *checker) id(path string, v any) {
	c.format(path, v, idFormat, "16 lower-case hex digits")
	if v == zeroID {
		c.addf("%s is all zeros", path)
	}
}

func (c *checker) ids(path string, v any) {
	items, _ := c.array(path, v)
	for i, item := range items {
		c.id(fmt.Sprintf("%s[%d]", path, i), item)
	}
}

func integer(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// kind names a decoded JSON value's type.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// show quotes a value for a problem, clipped.
func show(v any) string {
	if v == nil {
		return "missing"
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return kind(v)
	}
	return clip(string(raw))
}

func clip(s string) string {
	const most = 80
	if len(s) <= most {
		return s
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
