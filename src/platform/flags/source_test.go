package flags_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/flags"
	"github.com/go-sam-blueprint/orders/src/platform/metrics"
)

// goodDoc makes "premium" true for customer "vip" and "ten_off" false.
const goodDoc = `{"features": {
	"premium": {"default": false, "rules": {
		"vip": {"when_match": true, "conditions": [{"action": "EQUALS", "key": "customer", "value": "vip"}]}}},
	"ten_off": {"default": false}
}}`

// premiumForAll makes "premium" true for everyone.
const premiumForAll = `{"features": {"premium": {"default": true}}}`

var vip = map[string]any{"customer": "vip"}

// agent is a stand-in AppConfig agent: it answers with the status and body
// it is set to, and counts requests and the paths asked for.
type agent struct {
	srv  *httptest.Server
	hits atomic.Int64

	mu     sync.Mutex
	status int
	body   string
	paths  []string
}

func newAgent(t *testing.T, status int, body string) *agent {
	t.Helper()
	a := &agent{status: status, body: body}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.hits.Add(1)
		a.mu.Lock()
		a.paths = append(a.paths, r.Method+" "+r.URL.Path)
		status, body := a.status, a.body
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *agent) serve(status int, body string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.status, a.body = status, body
}

func (a *agent) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.paths...)
}

// probe is what a test reads back: the logs and the metrics of its calls.
type probe struct {
	logs bytes.Buffer
	log  *slog.Logger
	set  *metrics.Set
	ctx  context.Context
}

func newProbe(t *testing.T) *probe {
	t.Helper()
	p := &probe{set: metrics.NewSet()}
	p.log = slog.New(slog.NewJSONHandler(&p.logs, nil))
	p.ctx = metrics.WithSet(t.Context(), p.set)
	return p
}

// warnings returns the messages of the WARN records logged so far.
func (p *probe) warnings(t *testing.T) []string {
	t.Helper()
	var out []string
	for line := range strings.Lines(p.logs.String()) {
		var rec struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Error string `json:"error"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &rec), "log line %q", line)
		if rec.Level == slog.LevelWarn.String() {
			out = append(out, rec.Msg+": "+rec.Error)
		}
	}
	return out
}

// unavailable flushes the probe's metrics and returns the count of
// flags.MetricUnavailable in them.
func (p *probe) unavailable(t *testing.T) float64 {
	t.Helper()
	var buf bytes.Buffer
	em, err := metrics.NewEmitter(&buf, "NS", "svc")
	require.NoError(t, err)
	require.NoError(t, em.Flush(p.set))
	var total float64
	for line := range strings.Lines(buf.String()) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), "metrics line %q", line)
		switch v := rec[flags.MetricUnavailable].(type) {
		case float64:
			total += v
		case []any:
			for _, e := range v {
				total += e.(float64)
			}
		case nil:
		default:
			t.Fatalf("metric %s has value %#v", flags.MetricUnavailable, v)
		}
	}
	return total
}

func newSource(t *testing.T, agentURL string, maxAge time.Duration, log *slog.Logger) *flags.Source {
	t.Helper()
	s, err := flags.NewSource(agentURL, "orders", "prod", "feature-flags", maxAge, log)
	require.NoError(t, err)
	require.NotNil(t, s)
	return s
}

func TestNewSourceRejects(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		name   string
		url    string
		maxAge time.Duration
		log    *slog.Logger
		want   string
	}{
		{"empty URL", "", time.Minute, log, "URL"},
		{"relative path", "/agent", time.Minute, log, "URL"},
		{"host without scheme", "localhost:2772", time.Minute, log, "URL"},
		{"scheme without host", "http://", time.Minute, log, "URL"},
		{"unparsable URL", "http://[::1", time.Minute, log, "URL"},
		{"control character", "http://localhost:2772/\n", time.Minute, log, "URL"},
		{"zero max age", "http://localhost:2772", 0, log, "max age"},
		{"negative max age", "http://localhost:2772", -time.Second, log, "max age"},
		{"nil logger", "http://localhost:2772", time.Minute, nil, "logger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := flags.NewSource(tt.url, "orders", "prod", "feature-flags", tt.maxAge, tt.log)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		s, err := flags.NewSource("http://localhost:2772", "orders", "prod", "feature-flags", time.Nanosecond, log)
		require.NoError(t, err)
		assert.NotNil(t, s)
	})
}

func TestSourceRequestsConfigurationPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		suffix            string // appended to the agent's URL
		app, env, profile string
		want              string
	}{
		{
			"plain", "", "orders", "prod", "feature-flags",
			"/applications/orders/environments/prod/configurations/feature-flags",
		},
		{
			"agent URL with trailing slash", "/", "orders", "prod", "feature-flags",
			"/applications/orders/environments/prod/configurations/feature-flags",
		},
		{
			"other names", "", "orders-app", "dev-1", "flags",
			"/applications/orders-app/environments/dev-1/configurations/flags",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAgent(t, http.StatusOK, goodDoc)
			p := newProbe(t)
			s, err := flags.NewSource(a.srv.URL+tt.suffix, tt.app, tt.env, tt.profile, time.Hour, p.log)
			require.NoError(t, err)

			assert.True(t, s.Bool(p.ctx, "premium", vip, false))
			assert.False(t, s.Bool(p.ctx, "premium", map[string]any{"customer": "other"}, true))
			assert.Equal(t, []string{"GET " + tt.want}, a.requests())
			assert.Empty(t, p.warnings(t))
			assert.Zero(t, p.unavailable(t))
		})
	}
}

func TestSourceCachesForMaxAge(t *testing.T) {
	t.Parallel()

	t.Run("within max age one request", func(t *testing.T) {
		t.Parallel()
		a := newAgent(t, http.StatusOK, goodDoc)
		p := newProbe(t)
		s := newSource(t, a.srv.URL, time.Hour, p.log)

		assert.True(t, s.Bool(p.ctx, "premium", vip, false))
		// The agent changes its answer; the cached document still answers.
		a.serve(http.StatusOK, premiumForAll)
		assert.True(t, s.Bool(p.ctx, "premium", vip, false))
		assert.False(t, s.Bool(p.ctx, "premium", nil, true))
		assert.False(t, s.Bool(p.ctx, "ten_off", vip, true))
		assert.EqualValues(t, 1, a.hits.Load())
		assert.Empty(t, p.warnings(t))
		assert.Zero(t, p.unavailable(t))
	})

	t.Run("after max age refetches", func(t *testing.T) {
		t.Parallel()
		const maxAge = 50 * time.Millisecond
		a := newAgent(t, http.StatusOK, goodDoc)
		p := newProbe(t)
		s := newSource(t, a.srv.URL, maxAge, p.log)

		assert.False(t, s.Bool(p.ctx, "premium", nil, true))
		assert.EqualValues(t, 1, a.hits.Load())
		a.serve(http.StatusOK, premiumForAll)
		time.Sleep(maxAge + 30*time.Millisecond)
		assert.True(t, s.Bool(p.ctx, "premium", nil, false), "the new document should answer")
		assert.EqualValues(t, 2, a.hits.Load())
		assert.Empty(t, p.warnings(t))
		assert.Zero(t, p.unavailable(t))
	})

	t.Run("concurrent callers share one request", func(t *testing.T) {
		t.Parallel()
		a := newAgent(t, http.StatusOK, goodDoc)
		p := newProbe(t)
		s := newSource(t, a.srv.URL, time.Hour, p.log)

		var wg sync.WaitGroup
		results := make([]bool, 32)
		for i := range results {
			wg.Go(func() { results[i] = s.Bool(p.ctx, "premium", vip, false) })
		}
		wg.Wait()
		for i, got := range results {
			assert.True(t, got, "caller %d", i)
		}
		assert.EqualValues(t, 1, a.hits.Load())
	})
}

// failure puts an agent into a failing state.
type failure struct {
	name string
	fail func(a *agent)
	// hits tells whether the failure reaches the agent's handler.
	hits bool
}

var failures = []failure{
	{"agent down", func(a *agent) { a.srv.Close() }, false},
	{"agent answers 500", func(a *agent) { a.serve(http.StatusInternalServerError, `{"message": "boom"}`) }, true},
	{"agent answers 404", func(a *agent) { a.serve(http.StatusNotFound, goodDoc) }, true},
	{"invalid JSON", func(a *agent) { a.serve(http.StatusOK, `{"features": {`) }, true},
	{"empty body", func(a *agent) { a.serve(http.StatusOK, ``) }, true},
	{"invalid document", func(a *agent) {
		a.serve(http.StatusOK, `{"features": {"premium": {"rules": {}}}}`)
	}, true},
	{"document over 1 MB", func(a *agent) {
		a.serve(http.StatusOK, premiumForAll+strings.Repeat(" ", 1<<20))
	}, true},
}

func TestSourceFailureBeforeAnyGoodDocument(t *testing.T) {
	t.Parallel()
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			a := newAgent(t, http.StatusOK, goodDoc)
			f.fail(a)
			p := newProbe(t)
			s := newSource(t, a.srv.URL, time.Hour, p.log)

			// Every flag answers the caller's fallback, whichever it is.
			assert.True(t, s.Bool(p.ctx, "premium", vip, true))
			assert.False(t, s.Bool(p.ctx, "premium", vip, false))
			assert.True(t, s.Bool(p.ctx, "ten_off", nil, true))

			// One failed fetch: not retried within max age.
			if f.hits {
				assert.EqualValues(t, 1, a.hits.Load())
			}
			warnings := p.warnings(t)
			require.Len(t, warnings, 1, "one WARN for one failed fetch")
			assert.Contains(t, warnings[0], "feature flags unavailable")
			assert.Contains(t, warnings[0], "defaults")
			assert.InDelta(t, 1.0, p.unavailable(t), 0)
		})
	}
}

func TestSourceFailureKeepsLastGoodDocument(t *testing.T) {
	t.Parallel()
	const maxAge = 50 * time.Millisecond
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			a := newAgent(t, http.StatusOK, goodDoc)
			p := newProbe(t)
			s := newSource(t, a.srv.URL, maxAge, p.log)

			require.True(t, s.Bool(p.ctx, "premium", vip, false))
			require.Empty(t, p.warnings(t))

			f.fail(a)
			time.Sleep(maxAge + 30*time.Millisecond)

			// The last good document answers, not the fallback.
			assert.True(t, s.Bool(p.ctx, "premium", vip, false))
			assert.False(t, s.Bool(p.ctx, "premium", nil, true))
			assert.False(t, s.Bool(p.ctx, "ten_off", vip, true))

			// Each failed fetch logs one WARN and counts one metric. With
			// a 50 ms max age a slow machine may fetch more than once
			// after the sleep, so the counts are checked against each
			// other; TestSourceFailureNotRetriedWithinMaxAge checks the
			// exact number.
			warnings := p.warnings(t)
			require.NotEmpty(t, warnings, "a failed fetch logs a WARN")
			for _, w := range warnings {
				assert.Contains(t, w, "feature flags unavailable")
				assert.Contains(t, w, "last good")
			}
			assert.InDelta(t, float64(len(warnings)), p.unavailable(t), 0)
			if f.hits {
				assert.EqualValues(t, 1+len(warnings), a.hits.Load())
			}
		})
	}
}

func TestSourceFailureNotRetriedWithinMaxAge(t *testing.T) {
	t.Parallel()
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			a := newAgent(t, http.StatusOK, goodDoc)
			f.fail(a)
			p := newProbe(t)
			s := newSource(t, a.srv.URL, time.Hour, p.log)

			for range 5 {
				assert.True(t, s.Bool(p.ctx, "premium", nil, true))
			}
			if f.hits {
				assert.EqualValues(t, 1, a.hits.Load(), "a failed fetch is kept for max age")
			}
			assert.Len(t, p.warnings(t), 1)
			assert.InDelta(t, 1.0, p.unavailable(t), 0)
		})
	}
}

func TestSourceRecoversAfterMaxAge(t *testing.T) {
	t.Parallel()
	const maxAge = 50 * time.Millisecond
	a := newAgent(t, http.StatusInternalServerError, `oops`)
	p := newProbe(t)
	s := newSource(t, a.srv.URL, maxAge, p.log)

	assert.False(t, s.Bool(p.ctx, "premium", vip, false))
	assert.EqualValues(t, 1, a.hits.Load())

	// After max age it asks again, and the recovered agent's document is
	// used.
	a.serve(http.StatusOK, goodDoc)
	time.Sleep(maxAge + 30*time.Millisecond)
	assert.True(t, s.Bool(p.ctx, "premium", vip, false))
	assert.EqualValues(t, 2, a.hits.Load())
	assert.False(t, s.Bool(p.ctx, "premium", nil, true))
	assert.Len(t, p.warnings(t), 1, "only the failed fetch warns")
	assert.InDelta(t, 1.0, p.unavailable(t), 0)
}

func TestSourceWithoutMetricsSetStillAnswers(t *testing.T) {
	t.Parallel()
	a := newAgent(t, http.StatusInternalServerError, `oops`)
	var logs bytes.Buffer
	s := newSource(t, a.srv.URL, time.Hour, slog.New(slog.NewJSONHandler(&logs, nil)))

	assert.True(t, s.Bool(t.Context(), "premium", vip, true))
	assert.Contains(t, logs.String(), `"level":"WARN"`)
}
