// Package load puts the orders API under a steady, mixed load for a fixed
// time and checks that it holds: the local runner of `make run` (built and
// started as tests/e2e does, with a moto_server of its own, on loopback
// only) gets an open-loop stream of creates, replays, gets, deletes and
// list pages; every answer is checked, then the table is paged through the
// API and must hold exactly the orders created less those deleted.
//
// TestLoad is the entry point. Plain `go test ./tests/load` (and so `make
// test`) runs it for 5 s at 25 requests a second, which a busy two-core
// machine keeps up with; `make load` runs it for 60 s at 100. The
// environment tunes it:
//
//	LOAD_DURATION     how long to send (a Go duration; default 5s, at most 60s)
//	LOAD_RATE         requests a second (default 25, at most 1000)
//	LOAD_SEED         the workload's random seed, to repeat a run's choices
//	LOAD_MAX_DROPPED  the share of due requests that may go unsent, in
//	                  percent (default 1): a run that sends much less than
//	                  it was asked to measures less than it says, and fails
//
// The summary (throughput, latency per operation, status codes) goes to the
// test log and to tests/output/load.txt.
package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
)

const (
	defaultDuration = 5 * time.Second
	maxDuration     = 60 * time.Second
	defaultRate     = 25
	maxRate         = 1000
	// defaultMaxDropped is the share of due requests, in percent, that a
	// run may fail to send and still pass.
	defaultMaxDropped = 1.0
	// workers bounds the requests in flight. The scheduler queues up to as
	// many again; a request that finds the queue full when it is due is
	// counted as dropped: the stack (in practice moto_server, which serves
	// one request at a time) did not keep up with the rate.
	workers = 32
	// requestTimeout bounds every request; the runner's own function
	// timeout (the template's, 10 s) answers first.
	requestTimeout = 15 * time.Second
	summaryFile    = "../output/load.txt"
)

// settings are a run's parameters.
type settings struct {
	duration   time.Duration
	rate       int
	seed       uint64
	maxDropped float64 // percent of the due requests
	notes      []string
}

func settingsFromEnv() (settings, error) {
	s := settings{duration: defaultDuration, rate: defaultRate, maxDropped: defaultMaxDropped, seed: uint64(time.Now().UnixNano())} //nolint:gosec // A clock is never negative.
	if v := os.Getenv("LOAD_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return s, fmt.Errorf("LOAD_DURATION=%q: want a positive Go duration such as 60s", v)
		}
		if d > maxDuration {
			s.notes = append(s.notes, fmt.Sprintf("LOAD_DURATION=%s capped at %s", d, maxDuration))
			d = maxDuration
		}
		s.duration = d
	}
	if v := os.Getenv("LOAD_RATE"); v != "" {
		r, err := strconv.Atoi(v)
		if err != nil || r < 1 || r > maxRate {
			return s, fmt.Errorf("LOAD_RATE=%q: want requests a second, 1 to %d", v, maxRate)
		}
		s.rate = r
	}
	if v := os.Getenv("LOAD_MAX_DROPPED"); v != "" {
		p, err := strconv.ParseFloat(v, 64)
		if err != nil || p < 0 || p > 100 {
			return s, fmt.Errorf("LOAD_MAX_DROPPED=%q: want a percentage, 0 to 100", v)
		}
		s.maxDropped = p
	}
	if v := os.Getenv("LOAD_SEED"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return s, fmt.Errorf("LOAD_SEED=%q: want an unsigned integer", v)
		}
		s.seed = seed
	}
	return s, nil
}

// TestLoad sends the workload, then checks every answer and the table. It
// ignores API_URL on purpose: it reads the whole table at the end, which
// only an API of its own makes exact, and it never leaves loopback.
func TestLoad(t *testing.T) {
	cfg, err := settingsFromEnv()
	require.NoError(t, err)
	for _, note := range cfg.notes {
		t.Log(note)
	}
	r, err := startRunner(runnerBin)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, r.Stop()) })

	transport := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: workers, IdleConnTimeout: time.Minute}
	token, err := r.Token(t.Context(), "alice")
	require.NoError(t, err)
	// One customer, as every request is alice's: the listing at the end
	// pages through all the orders the run made.
	client := &http.Client{Transport: bearer{token: token, next: transport}}
	t.Cleanup(transport.CloseIdleConnections)

	w := newWorkload(cfg.seed)
	before := cpuOf(r.PID())
	ran := drive(t.Context(), client, r.URL, w, cfg)
	ran.cpu = cpuOf(r.PID()).since(before)
	table, tableErr := listAll(t.Context(), client, r.URL)
	functionErrors, firstErrors := r.stdout.Errors()

	rep := newReport(cfg, ran, w, table, tableErr, functionErrors, r.stdout.Cause)
	summary := rep.String()
	t.Log("\n" + summary)
	require.NoError(t, os.MkdirAll(filepath.Dir(summaryFile), 0o750))
	require.NoError(t, os.WriteFile(summaryFile, []byte(summary), 0o600))

	// What was never sent was never measured: a run that fell behind its
	// rate says so, and fails, rather than report figures for a load it
	// did not apply (issue 15: 3,595 of 6,000 dropped had passed).
	if ran.scheduled > 0 {
		dropped := 100 * float64(ran.dropped) / float64(ran.scheduled)
		assert.LessOrEqual(t, dropped, cfg.maxDropped,
			"%d of %d due requests (%.1f%%) were never sent: the stack or this machine did not keep up with %d req/s; lower LOAD_RATE, or run on a quieter machine",
			ran.dropped, ran.scheduled, dropped, cfg.rate)
	}
	assert.Zero(t, rep.transportErrors, "every request got an answer in time")
	assert.Zero(t, rep.serverErrors, "no 5xx")
	assert.Empty(t, rep.failures, "every answer is the one expected (%d unexpected)", rep.unexpected)
	require.NoError(t, tableErr, "page through the table")
	assert.Empty(t, table.duplicates, "the listing names each order once")
	assert.Empty(t, rep.missing, "every order created and not deleted is in the table")
	assert.Empty(t, rep.extra, "the table holds no order that was not created, or that was deleted")
	assert.Zero(t, functionErrors, "the function logged no errors: %v", firstErrors)
	if len(ran.results) >= 300 { // enough for both to be all but certain
		assert.Positive(t, rep.replays, "some creates were repeats, and were replayed")
		assert.Positive(t, rep.deleted, "some orders were deleted")
	}
}

// ran is what drive did.
type ran struct {
	results   []result
	scheduled int           // requests the rate called for: duration × rate
	dropped   int           // of those, the ones that found the queue full and were not sent
	elapsed   time.Duration // from the start to the last answer
	cpu       cpu           // used by the runner and moto_server meanwhile
}

// drive sends the workload's requests at cfg.rate for cfg.duration through
// a pool of workers, open loop: the clock, not the answers, sets the pace.
// Request i is due at start + i/rate; a wake-up of the ticker sends every
// request due by then, so a late wake-up loses none. A request is dropped,
// and counted, when the queue in front of the workers is full. drive
// returns once every request sent has its answer.
func drive(ctx context.Context, client *http.Client, base string, w *workload, cfg settings) ran {
	jobs := make(chan job, workers)
	results := make(chan result, workers)
	var pool sync.WaitGroup
	for range workers {
		pool.Go(func() {
			for j := range jobs {
				results <- w.send(ctx, client, base, j)
			}
		})
	}
	collected := make(chan []result)
	go func() {
		var all []result
		for res := range results {
			all = append(all, res)
		}
		collected <- all
	}()

	interval := time.Second / time.Duration(cfg.rate)
	total := int(cfg.duration / interval)
	var out ran
	start := time.Now()
	tick := time.NewTicker(interval)
	for out.scheduled < total && ctx.Err() == nil {
		now := <-tick.C
		for due := min(int(now.Sub(start)/interval), total); out.scheduled < due; out.scheduled++ {
			// Only this goroutine sends on jobs, so room now is room at the send.
			if len(jobs) == cap(jobs) {
				out.dropped++
				continue
			}
			jobs <- w.next(start.Add(time.Duration(out.scheduled+1) * interval))
		}
	}
	tick.Stop()
	close(jobs)
	pool.Wait()
	close(results)
	out.results = <-collected
	out.elapsed = time.Since(start)
	return out
}

// listing is the table as the API lists it.
type listing struct {
	ids        map[uuid.UUID]bool
	duplicates []uuid.UUID
	pages      int
}

// listAll pages through GET /api/orders, 100 at a time, to the last page.
func listAll(ctx context.Context, client *http.Client, base string) (listing, error) {
	l := listing{ids: map[uuid.UUID]bool{}}
	token := ""
	for l.pages < 10000 {
		path := base + "/api/orders?limit=100"
		if token != "" {
			path += "&next_token=" + url.QueryEscape(token)
		}
		page, err := getPage(ctx, client, path)
		if err != nil {
			return l, err
		}
		l.pages++
		for _, o := range page.Orders {
			if l.ids[o.Id] {
				l.duplicates = append(l.duplicates, o.Id)
			}
			l.ids[o.Id] = true
		}
		if page.NextToken == nil {
			return l, nil
		}
		token = *page.NextToken
	}
	return l, errors.New("the listing did not end within 10000 pages")
}

func getPage(ctx context.Context, client *http.Client, path string) (api.OrderPage, error) {
	var page api.OrderPage
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, http.NoBody)
	if err != nil {
		return page, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return page, fmt.Errorf("list orders: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return page, fmt.Errorf("list orders: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return page, fmt.Errorf("list orders: %w", err)
	}
	return page, nil
}

// bearer sends every request with a token, as a client of the API does.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(req)
}
