package xray

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Limits of the segment document format.
const (
	maxNameRunes          = 200
	maxAnnotationKeyRunes = 500
	maxAnnotationRunes    = 1000
)

// document is an independent subsegment: one that is sent on its own, so
// it names its trace and its parent.
type document struct {
	Type        string                    `json:"type"`
	ID          string                    `json:"id"`
	TraceID     string                    `json:"trace_id"`
	ParentID    string                    `json:"parent_id"`
	Name        string                    `json:"name"`
	StartTime   seconds                   `json:"start_time"`
	EndTime     seconds                   `json:"end_time"`
	Namespace   string                    `json:"namespace,omitempty"`
	Fault       bool                      `json:"fault,omitempty"`
	Error       bool                      `json:"error,omitempty"`
	Throttle    bool                      `json:"throttle,omitempty"`
	Cause       *cause                    `json:"cause,omitempty"`
	AWS         *awsData                  `json:"aws,omitempty"`
	HTTP        *httpInfo                 `json:"http,omitempty"`
	Annotations map[string]any            `json:"annotations,omitempty"`
	Metadata    map[string]map[string]any `json:"metadata,omitempty"`
}

type cause struct {
	Exceptions []exception `json:"exceptions"`
}

type exception struct {
	ID      string `json:"id"`
	Type    string `json:"type,omitempty"`
	Message string `json:"message,omitempty"`
}

// awsData is what X-Ray shows of an AWS call. retries and table_names are
// not in the developer guide's schema, but the X-Ray SDKs and AWS's own
// OpenTelemetry exporter send them.
type awsData struct {
	Operation  string   `json:"operation,omitempty"`
	Region     string   `json:"region,omitempty"`
	RequestID  string   `json:"request_id,omitempty"`
	TableName  string   `json:"table_name,omitempty"`
	TableNames []string `json:"table_names,omitempty"`
	Retries    int64    `json:"retries,omitempty"`
}

type httpInfo struct {
	Response httpResponse `json:"response"`
}

type httpResponse struct {
	Status int64 `json:"status"`
}

// seconds is a time as X-Ray wants it: epoch seconds, to the microsecond.
type seconds time.Time

// MarshalJSON writes t as 1480615200.010000, never in exponent form.
func (t seconds) MarshalJSON() ([]byte, error) {
	us := max(time.Time(t).UnixMicro(), 0)
	b := strconv.AppendInt(nil, us/1e6, 10)
	frac := strconv.FormatInt(us%1e6, 10)
	b = append(b, '.')
	b = append(b, "000000"[len(frac):]...)
	return append(b, frac...), nil
}

// encode returns the datagram of s: the header and its document, trimmed
// to MaxDatagram if it must be.
func encode(s sdktrace.ReadOnlySpan) ([]byte, error) {
	doc, err := newDocument(s)
	if err != nil {
		return nil, err
	}
	// What goes first when a document is too big: the free-form detail,
	// then the error's words; never the ids, times or flags that place the
	// subsegment in its trace.
	trims := []func(*document){
		func(*document) {},
		func(d *document) { d.Metadata = nil },
		func(d *document) {
			if d.Cause != nil {
				for i := range d.Cause.Exceptions {
					d.Cause.Exceptions[i].Message = ""
				}
			}
		},
		func(d *document) { d.Annotations, d.AWS = nil, nil },
	}
	for _, trim := range trims {
		trim(doc)
		body, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("span %q: encode: %w", s.Name(), err)
		}
		if len(Header)+len(body) <= MaxDatagram {
			return append([]byte(Header), body...), nil
		}
	}
	return nil, fmt.Errorf("span %q: its document is over %d bytes even trimmed", s.Name(), MaxDatagram)
}

// newDocument maps s to its subsegment.
func newDocument(s sdktrace.ReadOnlySpan) (*document, error) {
	sc, parent := s.SpanContext(), s.Parent()
	if !parent.IsValid() {
		// Only a segment may lack a parent, and Lambda owns the segment.
		return nil, fmt.Errorf("span %q has no parent: X-Ray needs Lambda's trace header to place it", s.Name())
	}
	tid := sc.TraceID().String()
	doc := &document{
		Type:      "subsegment",
		ID:        sc.SpanID().String(),
		TraceID:   "1-" + tid[:8] + "-" + tid[8:],
		ParentID:  parent.SpanID().String(),
		StartTime: seconds(s.StartTime()),
		EndTime:   seconds(s.EndTime()),
	}
	a := readAttributes(s.Attributes())
	doc.Annotations, doc.AWS = a.annotations, a.awsFields()
	if len(a.metadata) > 0 {
		doc.Metadata = map[string]map[string]any{"default": a.metadata}
	}
	name := s.Name()
	switch {
	case a.rpcSystem == "aws-api" && a.service != "":
		// As the X-Ray SDKs name an AWS call: after the service.
		name, doc.Namespace = a.service, "aws"
	case s.SpanKind() == trace.SpanKindServer:
		// The invocation, named as Powertools names its handler's subsegment.
		name = "## " + name
	}
	doc.Name = Name(name)
	if a.status > 0 {
		doc.HTTP = &httpInfo{Response: httpResponse{Status: a.status}}
	}
	failed := s.Status().Code == codes.Error
	doc.mark(failed, a)
	if failed {
		c, err := newCause(doc.Name, a)
		if err != nil {
			return nil, fmt.Errorf("span %q: %w", s.Name(), err)
		}
		doc.Cause = c
	}
	return doc, nil
}

// mark sets the error, throttle and fault flags: by the status of the
// answer, else, for a failed span, by whose the failure is.
func (d *document) mark(failed bool, a attributes) {
	d.Error = (a.status >= 400 && a.status < 500) || (failed && a.clientError)
	d.Throttle = a.status == 429 || (failed && a.throttle)
	d.Fault = a.status >= 500 || (failed && !d.Error && !d.Throttle)
}

// newCause describes a failure without the error's own words, which may
// carry customer data (a name, an order's fields): the class of the error
// and what failed, which the logs of the same trace id then explain.
func newCause(name string, a attributes) (*cause, error) {
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("exception id: %w", err)
	}
	typ := a.errorType
	if typ == "" {
		typ = "error"
	}
	msg := name
	if a.rpcSystem == "aws-api" && a.aws.Operation != "" {
		msg += " " + a.aws.Operation
	}
	msg += " failed"
	if a.status > 0 {
		msg += " with HTTP " + strconv.FormatInt(a.status, 10)
	}
	return &cause{Exceptions: []exception{{ID: hex.EncodeToString(raw[:]), Type: truncate(typ, maxNameRunes), Message: msg}}}, nil
}

// attributes are a span's attributes, sorted by where they go.
type attributes struct {
	rpcSystem, service, errorType string
	status                        int64
	throttle, clientError         bool
	aws                           awsData
	annotations, metadata         map[string]any
}

func readAttributes(kvs []attribute.KeyValue) attributes {
	var a attributes
	for _, kv := range kvs {
		if name, ok := strings.CutPrefix(string(kv.Key), AnnotationPrefix); ok {
			a.annotate(name, kv.Value)
			continue
		}
		switch kv.Key {
		case KeyRPCSystem:
			a.rpcSystem = kv.Value.AsString()
		case KeyRPCService:
			a.service = kv.Value.AsString()
		case KeyRPCMethod:
			a.aws.Operation = kv.Value.AsString()
		case KeyRegion:
			a.aws.Region = kv.Value.AsString()
		case KeyRequestID:
			a.aws.RequestID = kv.Value.AsString()
		case KeyRetries:
			a.aws.Retries = kv.Value.AsInt64()
		case KeyTableNames:
			a.aws.TableNames = kv.Value.AsStringSlice()
		case KeyHTTPStatus:
			a.status = kv.Value.AsInt64()
		case KeyErrorType:
			a.errorType = kv.Value.AsString()
		case KeyThrottle:
			a.throttle = kv.Value.AsBool()
		case KeyClientError:
			a.clientError = kv.Value.AsBool()
		default:
			a.meta(string(kv.Key), kv.Value)
		}
	}
	return a
}

// awsFields is the document's aws object: only for AWS calls.
func (a attributes) awsFields() *awsData {
	if a.rpcSystem != "aws-api" {
		return nil
	}
	d := a.aws
	if len(d.TableNames) == 1 {
		// One table is the documented table_name.
		d.TableName, d.TableNames = d.TableNames[0], nil
	}
	if d.Operation == "" && d.Region == "" && d.RequestID == "" && d.TableName == "" && d.TableNames == nil && d.Retries == 0 {
		return nil
	}
	return &d
}

// annotate keeps an annotation X-Ray can index: a key of letters, digits
// and underscores, and a scalar value. Anything else goes to metadata,
// where it is still seen.
func (a *attributes) annotate(name string, v attribute.Value) {
	key := annotationKey(name)
	var value any
	switch v.Type() {
	case attribute.BOOL:
		value = v.AsBool()
	case attribute.INT64:
		value = v.AsInt64()
	case attribute.FLOAT64:
		if f := v.AsFloat64(); !math.IsNaN(f) && !math.IsInf(f, 0) {
			value = f
		}
	case attribute.STRING:
		value = truncate(v.AsString(), maxAnnotationRunes)
	default:
	}
	if key == "" || value == nil {
		a.meta(AnnotationPrefix+name, v)
		return
	}
	if a.annotations == nil {
		a.annotations = map[string]any{}
	}
	a.annotations[key] = value
}

func (a *attributes) meta(key string, v attribute.Value) {
	if a.metadata == nil {
		a.metadata = map[string]any{}
	}
	a.metadata[key] = jsonValue(v)
}

// jsonValue is v as encoding/json can write it: a float that JSON cannot
// hold (NaN, ±Inf) becomes its name.
func jsonValue(v attribute.Value) any {
	switch v.Type() {
	case attribute.FLOAT64:
		return finite(v.AsFloat64())
	case attribute.FLOAT64SLICE:
		fs := v.AsFloat64Slice()
		out := make([]any, len(fs))
		for i, f := range fs {
			out[i] = finite(f)
		}
		return out
	default:
		return v.AsInterface()
	}
}

func finite(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return f
}

// annotationKey keeps the characters X-Ray's filters accept in an
// annotation's key, [a-zA-Z0-9_], and turns the others into underscores.
func annotationKey(name string) string {
	var b strings.Builder
	for _, r := range name {
		if b.Len() == maxAnnotationKeyRunes {
			break
		}
		if r < utf8.RuneSelf && (r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Name returns name as X-Ray accepts a segment's name: 1 to 200 Unicode
// letters, numbers and separators and _ . : / % & # = + - @. A route's
// {param} becomes :param, as in X-Ray's own route names, and any other
// character an underscore.
func Name(name string) string {
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n == maxNameRunes {
			break
		}
		switch {
		case r == '}':
			continue
		case r == '{':
			r = ':'
		case !nameRune(r):
			r = '_'
		}
		b.WriteRune(r)
		n++
	}
	if n == 0 {
		return "_"
	}
	return b.String()
}

func nameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.In(r, unicode.Z) || strings.ContainsRune("_.:/%&#=+-@", r)
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
