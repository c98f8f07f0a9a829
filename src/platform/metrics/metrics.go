// Package metrics records business metrics in CloudWatch Embedded Metric
// Format (EMF): JSON lines on stdout that CloudWatch Logs turns into
// metrics, with no API call and no latency.
//
// Code adds to the Set that the invocation put in its context (Count, Add);
// the invocation flushes the Set once, at its end, with an Emitter.
package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"time"
)

// Unit is a CloudWatch metric unit.
type Unit string

// The units this service uses.
const (
	UnitCount        Unit = "Count"
	UnitMilliseconds Unit = "Milliseconds"
)

// EMF limits: metrics per directive and values per metric on one line.
const (
	maxMetricsPerLine = 100
	maxValuesPerLine  = 100
)

// ServiceDimension is the dimension every metric has.
const ServiceDimension = "service"

// metadataKey holds the EMF directive in a line.
const metadataKey = "_aws"

type metric struct {
	unit   Unit
	values []float64
}

// Set collects one invocation's metrics. It is safe for concurrent use.
type Set struct {
	mu         sync.Mutex
	metrics    map[string]*metric
	properties map[string]any
}

// NewSet returns an empty Set.
func NewSet() *Set {
	return &Set{metrics: map[string]*metric{}, properties: map[string]any{}}
}

// Add records a value of the named metric. A name keeps the unit it was
// first added with. A value that is not finite, or a name that EMF keeps
// for itself ("_aws", "service"), is dropped: JSON cannot carry the one,
// and the other would break every metric of the line.
func (s *Set) Add(name string, unit Unit, value float64) {
	if name == "" || name == metadataKey || name == ServiceDimension || math.IsNaN(value) || math.IsInf(value, 0) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.metrics[name]
	if !ok {
		m = &metric{unit: unit}
		s.metrics[name] = m
	}
	m.values = append(m.values, value)
}

// SetProperty adds a searchable field to the metric lines that is not a
// dimension (a request id, say), so it costs nothing in CloudWatch Metrics.
func (s *Set) SetProperty(key string, value any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.properties[key] = value
}

type ctxKey struct{}

// WithSet returns a context whose metrics go into s.
func WithSet(ctx context.Context, s *Set) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

// Add records a value in the context's Set; without one it does nothing,
// so code that counts works in any context.
func Add(ctx context.Context, name string, unit Unit, value float64) {
	if s, ok := ctx.Value(ctxKey{}).(*Set); ok {
		s.Add(name, unit, value)
	}
}

// Count adds one to the named count in the context's Set.
func Count(ctx context.Context, name string) {
	Add(ctx, name, UnitCount, 1)
}

// Emitter writes Sets as EMF lines.
type Emitter struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
	service   string
	now       func() time.Time
}

// NewEmitter returns an Emitter that writes to w (stdout in Lambda).
func NewEmitter(w io.Writer, namespace, service string) (*Emitter, error) {
	if w == nil || namespace == "" || service == "" {
		return nil, errors.New("metrics: an emitter needs a writer, a namespace and a service")
	}
	return &Emitter{w: w, namespace: namespace, service: service, now: time.Now}, nil
}

// WithClock makes e stamp lines with now's time, for tests.
func (e *Emitter) WithClock(now func() time.Time) *Emitter {
	e.now = now
	return e
}

type metricDef struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit"`
}

type directive struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []metricDef `json:"Metrics"`
}

type metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

// Flush writes s and empties it. It writes as many lines as the EMF limits
// need (100 metrics a line, 100 values a metric), and nothing for an empty
// Set.
func (e *Emitter) Flush(s *Set) error {
	s.mu.Lock()
	names := make([]string, 0, len(s.metrics))
	for name := range s.metrics {
		names = append(names, name)
	}
	slices.Sort(names)
	metrics, properties := s.metrics, s.properties
	s.metrics, s.properties = map[string]*metric{}, map[string]any{}
	s.mu.Unlock()

	timestamp := e.now().UnixMilli()
	var errs []error
	for len(names) > 0 {
		// One line takes up to 100 metrics, and up to 100 values of each;
		// metrics with values left over go round again.
		// Properties first: a metric or the service dimension of the same
		// name wins over one.
		line := map[string]any{}
		for k, v := range properties {
			line[k] = v
		}
		defs := make([]metricDef, 0, min(len(names), maxMetricsPerLine))
		var rest []string
		for i, name := range names {
			if i >= maxMetricsPerLine {
				rest = append(rest, names[i:]...)
				break
			}
			m := metrics[name]
			take := min(len(m.values), maxValuesPerLine)
			defs = append(defs, metricDef{Name: name, Unit: m.unit})
			if take == 1 {
				line[name] = m.values[0]
			} else {
				line[name] = m.values[:take]
			}
			m.values = m.values[take:]
			if len(m.values) > 0 {
				rest = append(rest, name)
			}
		}
		line[ServiceDimension] = e.service
		line[metadataKey] = metadata{
			Timestamp: timestamp,
			CloudWatchMetrics: []directive{{
				Namespace:  e.namespace,
				Dimensions: [][]string{{ServiceDimension}},
				Metrics:    defs,
			}},
		}
		if err := e.write(line); err != nil {
			errs = append(errs, err)
		}
		// rest keeps names' order: still sorted, still unique.
		names = rest
	}
	return errors.Join(errs...)
}

func (e *Emitter) write(line map[string]any) error {
	raw, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("encode metrics: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.w.Write(append(raw, '\n')); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}
