package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/metrics"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	testNamespace = "Orders"
	testService   = "orders-api"
)

// fixedTime is the clock every test emitter uses, so lines are stable.
var fixedTime = time.UnixMilli(1795694400000)

func newEmitter(t *testing.T, w *bytes.Buffer) *metrics.Emitter {
	t.Helper()
	e, err := metrics.NewEmitter(w, testNamespace, testService)
	require.NoError(t, err)
	return e.WithClock(func() time.Time { return fixedTime })
}

// line is one decoded EMF line.
type line struct {
	members map[string]json.RawMessage
	meta    struct {
		Timestamp         *int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	}
}

// metricNames returns the names the line's directive lists, in order.
func (l line) metricNames() []string {
	var names []string
	for _, m := range l.meta.CloudWatchMetrics[0].Metrics {
		names = append(names, m.Name)
	}
	return names
}

// values returns the values of a metric member, whether written as a
// number or as a list.
func (l line) values(t *testing.T, name string) []float64 {
	t.Helper()
	raw, ok := l.members[name]
	require.True(t, ok, "no member %q", name)
	var one float64
	if err := json.Unmarshal(raw, &one); err == nil {
		return []float64{one}
	}
	var many []float64
	require.NoError(t, json.Unmarshal(raw, &many), "member %q: %s", name, raw)
	return many
}

// decodeLines splits the output into lines, decodes each, and checks the
// EMF invariants every line must hold.
func decodeLines(t *testing.T, out []byte) []line {
	t.Helper()
	if len(out) == 0 {
		return nil
	}
	require.True(t, bytes.HasSuffix(out, []byte("\n")), "output does not end with a newline")
	var lines []line
	for i, raw := range bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n")) {
		var l line
		require.NoError(t, json.Unmarshal(raw, &l.members), "line %d: %s", i, raw)
		aws, ok := l.members["_aws"]
		require.True(t, ok, "line %d has no _aws member", i)
		require.NoError(t, json.Unmarshal(aws, &l.meta), "line %d _aws", i)

		require.NotNil(t, l.meta.Timestamp, "line %d has no _aws.Timestamp", i)
		assert.Equal(t, fixedTime.UnixMilli(), *l.meta.Timestamp, "line %d timestamp", i)
		require.Len(t, l.meta.CloudWatchMetrics, 1, "line %d directives", i)
		d := l.meta.CloudWatchMetrics[0]
		assert.Equal(t, testNamespace, d.Namespace, "line %d namespace", i)
		assert.Equal(t, [][]string{{metrics.ServiceDimension}}, d.Dimensions, "line %d dimensions", i)
		assert.NotEmpty(t, d.Metrics, "line %d lists no metrics", i)
		assert.LessOrEqual(t, len(d.Metrics), 100, "line %d lists too many metrics", i)

		var service string
		require.NoError(t, json.Unmarshal(l.members[metrics.ServiceDimension], &service), "line %d service", i)
		assert.Equal(t, testService, service, "line %d service", i)

		for _, m := range d.Metrics {
			assert.NotEmpty(t, m.Unit, "line %d metric %q has no unit", i, m.Name)
			raw, ok := l.members[m.Name]
			if !assert.True(t, ok, "line %d lists %q but has no member for it", i, m.Name) {
				continue
			}
			if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
				var vs []float64
				require.NoError(t, json.Unmarshal(raw, &vs), "line %d member %q", i, m.Name)
				assert.NotEmpty(t, vs, "line %d member %q is an empty list", i, m.Name)
				assert.LessOrEqual(t, len(vs), 100, "line %d member %q has too many values", i, m.Name)
			} else {
				var v float64
				assert.NoError(t, json.Unmarshal(raw, &v), "line %d member %q is neither a number nor a list: %s", i, m.Name, raw)
			}
		}
		lines = append(lines, l)
	}
	return lines
}

// checkGolden compares got with testdata/name.golden byte for byte, or
// rewrites the file under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test ./src/metrics -update")
	assert.Equal(t, string(want), string(got), "output differs from %s", path)
}

func TestFlushGolden(t *testing.T) {
	tests := []struct {
		name  string
		fill  func(*metrics.Set)
		check func(*testing.T, []line)
	}{
		{
			name: "single_count",
			fill: func(s *metrics.Set) { s.Add("OrderCreated", metrics.UnitCount, 1) },
			check: func(t *testing.T, lines []line) {
				t.Helper()
				require.Len(t, lines, 1)
				assert.Equal(t, "1", string(lines[0].members["OrderCreated"]), "a single value is a number, not a list")
			},
		},
		{
			name: "several_sorted_with_property",
			fill: func(s *metrics.Set) {
				s.Add("Zeta", metrics.UnitCount, 2)
				s.Add("Alpha", metrics.UnitCount, 1)
				s.Add("Latency", metrics.UnitMilliseconds, 12.5)
				// A name keeps the unit it was first added with.
				s.Add("Alpha", metrics.UnitMilliseconds, 3)
				s.SetProperty("requestId", "req-123")
			},
			check: func(t *testing.T, lines []line) {
				t.Helper()
				require.Len(t, lines, 1)
				assert.Equal(t, []string{"Alpha", "Latency", "Zeta"}, lines[0].metricNames())
				units := map[string]string{}
				for _, m := range lines[0].meta.CloudWatchMetrics[0].Metrics {
					units[m.Name] = m.Unit
				}
				assert.Equal(t, map[string]string{"Alpha": "Count", "Latency": "Milliseconds", "Zeta": "Count"}, units)
				assert.Equal(t, `"req-123"`, string(lines[0].members["requestId"]))
				assert.Equal(t, []float64{1, 3}, lines[0].values(t, "Alpha"))
			},
		},
		{
			name: "three_values",
			fill: func(s *metrics.Set) {
				for _, v := range []float64{10, 20, 30} {
					s.Add("Latency", metrics.UnitMilliseconds, v)
				}
			},
			check: func(t *testing.T, lines []line) {
				t.Helper()
				require.Len(t, lines, 1)
				assert.Equal(t, "[10,20,30]", string(lines[0].members["Latency"]))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			e := newEmitter(t, &buf)
			s := metrics.NewSet()
			tt.fill(s)
			require.NoError(t, e.Flush(s))
			tt.check(t, decodeLines(t, buf.Bytes()))
			checkGolden(t, tt.name, buf.Bytes())
		})
	}
}

func TestFlushSplitsMetricsAt100(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := newEmitter(t, &buf)
	s := metrics.NewSet()
	want := map[string]bool{}
	for i := range 150 {
		name := fmt.Sprintf("Metric%03d", i)
		want[name] = true
		s.Add(name, metrics.UnitCount, float64(i))
	}
	require.NoError(t, e.Flush(s))

	lines := decodeLines(t, buf.Bytes())
	require.Len(t, lines, 2)
	assert.Len(t, lines[0].metricNames(), 100)
	assert.Len(t, lines[1].metricNames(), 50)

	seen := map[string]bool{}
	for i, l := range lines {
		// The directive lists exactly the metric members of the line.
		var keys []string
		for k := range l.members {
			if k != "_aws" && k != metrics.ServiceDimension {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		names := l.metricNames()
		assert.True(t, slices.IsSorted(names), "line %d names not sorted", i)
		assert.Equal(t, keys, names, "line %d", i)
		for _, n := range names {
			assert.False(t, seen[n], "metric %q on two lines", n)
			seen[n] = true
			assert.Len(t, l.values(t, n), 1)
		}
	}
	assert.Equal(t, want, seen)
}

func TestFlushSplitsValuesAt100(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := newEmitter(t, &buf)
	s := metrics.NewSet()
	for i := range 250 {
		s.Add("Latency", metrics.UnitMilliseconds, float64(i))
	}
	require.NoError(t, e.Flush(s))

	lines := decodeLines(t, buf.Bytes())
	require.Len(t, lines, 3)
	var all []float64
	for i, want := range []int{100, 100, 50} {
		assert.Equal(t, []string{"Latency"}, lines[i].metricNames())
		vs := lines[i].values(t, "Latency")
		assert.Len(t, vs, want, "line %d", i)
		all = append(all, vs...)
	}
	// Every value once, in the order added.
	require.Len(t, all, 250)
	for i, v := range all {
		assert.InDelta(t, float64(i), v, 0)
	}
}

func TestFlushMixedSplit(t *testing.T) {
	t.Parallel()
	// 120 metrics; the first one has 150 values. Line 1: 100 metrics
	// (Metric000 with 100 values); line 2: the other 20 metrics plus the
	// 50 values Metric000 has left.
	var buf bytes.Buffer
	e := newEmitter(t, &buf)
	s := metrics.NewSet()
	for i := range 120 {
		s.Add(fmt.Sprintf("Metric%03d", i), metrics.UnitCount, 1)
	}
	for range 149 {
		s.Add("Metric000", metrics.UnitCount, 1)
	}
	require.NoError(t, e.Flush(s))

	lines := decodeLines(t, buf.Bytes())
	require.Len(t, lines, 2)
	assert.Len(t, lines[0].metricNames(), 100)
	assert.Len(t, lines[0].values(t, "Metric000"), 100)
	assert.Len(t, lines[1].metricNames(), 21)
	assert.Len(t, lines[1].values(t, "Metric000"), 50)
	var total float64
	for _, l := range lines {
		for _, n := range l.metricNames() {
			for _, v := range l.values(t, n) {
				total += v
			}
		}
	}
	assert.InDelta(t, float64(120+149), total, 0)
}

func TestFlushEmptySetWritesNothing(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := newEmitter(t, &buf)
	s := metrics.NewSet()
	s.SetProperty("requestId", "only a property")
	require.NoError(t, e.Flush(s))
	assert.Empty(t, buf.String())
}

func TestFlushEmptiesSet(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := newEmitter(t, &buf)
	s := metrics.NewSet()
	s.Add("OrderCreated", metrics.UnitCount, 1)
	s.SetProperty("requestId", "req-1")
	require.NoError(t, e.Flush(s))
	first := buf.Len()
	require.NotZero(t, first)
	decodeLines(t, buf.Bytes())

	require.NoError(t, e.Flush(s))
	assert.Equal(t, first, buf.Len(), "second Flush wrote something")

	// Properties were emptied too: a new metric comes without them.
	buf.Reset()
	s.Add("OrderCreated", metrics.UnitCount, 1)
	require.NoError(t, e.Flush(s))
	lines := decodeLines(t, buf.Bytes())
	require.Len(t, lines, 1)
	assert.NotContains(t, lines[0].members, "requestId")
}

func TestContextHelpers(t *testing.T) {
	t.Parallel()
	t.Run("without a set", func(t *testing.T) {
		t.Parallel()
		assert.NotPanics(t, func() {
			metrics.Add(context.Background(), "X", metrics.UnitCount, 1)
			metrics.Count(context.Background(), "X")
		})
	})
	t.Run("with a set", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		e := newEmitter(t, &buf)
		s := metrics.NewSet()
		ctx := metrics.WithSet(context.Background(), s)
		metrics.Add(ctx, "Latency", metrics.UnitMilliseconds, 7)
		metrics.Count(ctx, "OrderCreated")
		metrics.Count(ctx, "OrderCreated")
		require.NoError(t, e.Flush(s))
		lines := decodeLines(t, buf.Bytes())
		require.Len(t, lines, 1)
		assert.Equal(t, []string{"Latency", "OrderCreated"}, lines[0].metricNames())
		assert.Equal(t, []float64{7}, lines[0].values(t, "Latency"))
		assert.Equal(t, []float64{1, 1}, lines[0].values(t, "OrderCreated"))
		assert.Equal(t, "Count", lines[0].meta.CloudWatchMetrics[0].Metrics[1].Unit)
	})
}

func TestNewEmitterValidates(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	tests := []struct {
		name               string
		w                  *bytes.Buffer
		namespace, service string
	}{
		{"nil writer", nil, testNamespace, testService},
		{"empty namespace", &buf, "", testService},
		{"empty service", &buf, testNamespace, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e *metrics.Emitter
			var err error
			if tt.w == nil {
				// A nil interface, not a typed nil pointer.
				e, err = metrics.NewEmitter(nil, tt.namespace, tt.service)
			} else {
				e, err = metrics.NewEmitter(tt.w, tt.namespace, tt.service)
			}
			require.Error(t, err)
			assert.Nil(t, e)
		})
	}
	e, err := metrics.NewEmitter(&buf, testNamespace, testService)
	require.NoError(t, err)
	assert.NotNil(t, e)
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestFlushWriteError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	e, err := metrics.NewEmitter(failingWriter{boom}, testNamespace, testService)
	require.NoError(t, err)
	s := metrics.NewSet()
	s.Add("OrderCreated", metrics.UnitCount, 1)
	err = e.Flush(s)
	require.Error(t, err)
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "write metrics")

	// Every failing line is reported.
	for i := range 150 {
		s.Add(fmt.Sprintf("M%03d", i), metrics.UnitCount, 1)
	}
	err = e.Flush(s)
	require.Error(t, err)
	assert.Equal(t, 2, strings.Count(err.Error(), "boom"), err.Error())
}

func TestConcurrentAdds(t *testing.T) {
	t.Parallel()
	const goroutines, adds = 32, 250
	var buf bytes.Buffer
	e := newEmitter(t, &buf)
	s := metrics.NewSet()
	ctx := metrics.WithSet(context.Background(), s)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range adds {
				if i%2 == 0 {
					metrics.Count(ctx, "Hits")
				} else {
					s.Add(fmt.Sprintf("G%02d", g%4), metrics.UnitCount, 1)
				}
				if i == 0 {
					s.SetProperty(fmt.Sprintf("g%02d", g), g)
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, e.Flush(s))

	var sum float64
	for _, l := range decodeLines(t, buf.Bytes()) {
		for _, n := range l.metricNames() {
			for _, v := range l.values(t, n) {
				sum += v
			}
		}
	}
	assert.InDelta(t, float64(goroutines*adds), sum, 0)
}

func TestConcurrentFlushes(t *testing.T) {
	t.Parallel()
	// Adds and Flushes racing on one Set, with several Sets sharing one
	// Emitter: no value is lost or written twice, and lines never
	// interleave.
	const goroutines, adds = 8, 500
	var buf bytes.Buffer
	e := newEmitter(t, &buf)
	s := metrics.NewSet()
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for i := range adds {
				s.Add("Hits", metrics.UnitCount, 1)
				if i%50 == 0 {
					assert.NoError(t, e.Flush(s))
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, e.Flush(s))

	var sum float64
	for _, l := range decodeLines(t, buf.Bytes()) {
		for _, v := range l.values(t, "Hits") {
			sum += v
		}
	}
	assert.InDelta(t, float64(goroutines*adds), sum, 0)
}

// Values JSON cannot carry and names EMF keeps for itself are dropped, so
// that they cannot spoil the other metrics of their line.
func TestAddDropsWhatWouldBreakALine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e, err := metrics.NewEmitter(&buf, "NS", "svc")
	require.NoError(t, err)
	s := metrics.NewSet()
	s.Add("Good", metrics.UnitCount, 1)
	s.Add("Bad", metrics.UnitCount, math.NaN())
	s.Add("Worse", metrics.UnitCount, math.Inf(1))
	s.Add("service", metrics.UnitCount, 5)
	s.Add("_aws", metrics.UnitCount, 5)
	s.SetProperty("Good", "a property must not hide a metric")
	require.NoError(t, e.Flush(s))
	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	assert.EqualValues(t, 1, line["Good"])
	assert.Equal(t, "svc", line["service"])
	assert.NotContains(t, line, "Bad")
	assert.NotContains(t, line, "Worse")
}
