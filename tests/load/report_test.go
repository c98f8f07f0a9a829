package load

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
)

// keptFailures bounds the unexpected answers a report quotes.
const keptFailures = 20

// opStats are one operation's answers.
type opStats struct {
	latencies []time.Duration
	statuses  map[int]int
}

// report is a run, summed up and checked.
type report struct {
	cfg      settings
	ran      ran
	ops      map[operation]*opStats
	all      *opStats
	waits    []time.Duration
	statuses map[int]int

	transportErrors int
	serverErrors    int
	unexpected      int
	failures        []string // the first keptFailures unexpected answers

	replays, replaysSent int
	created, deleted     int
	expected             int
	table                listing
	tableErr             error
	missing, extra       []uuid.UUID
	functionErrors       int
	serverErrorCauses    map[string]int // what the function logged for its 5xx answers
}

// newReport sums up a run; cause is what the function logged for a
// request id.
func newReport(cfg settings, r ran, w *workload, table listing, tableErr error, functionErrors int, cause func(requestID string) string) *report {
	rep := &report{
		cfg: cfg, ran: r, ops: map[operation]*opStats{}, all: &opStats{statuses: map[int]int{}},
		statuses: map[int]int{}, table: table, tableErr: tableErr, functionErrors: functionErrors,
		serverErrorCauses: map[string]int{},
	}
	for _, op := range operations {
		rep.ops[op] = &opStats{statuses: map[int]int{}}
	}
	for _, res := range r.results {
		rep.add(res)
		if res.status >= 500 {
			rep.serverErrorCauses[classify(cause(res.instance))]++
		}
	}
	for _, s := range append(slices.Collect(maps.Values(rep.ops)), rep.all) {
		slices.Sort(s.latencies)
	}
	slices.Sort(rep.waits)

	w.mu.Lock()
	rep.replays = w.replays
	rep.created = len(w.live)
	rep.deleted = len(w.deleted)
	w.mu.Unlock()
	rep.replaysSent = len(rep.ops[opReplay].latencies)
	want := w.expected()
	rep.expected = len(want)
	if tableErr == nil {
		for id := range want {
			if !table.ids[id] {
				rep.missing = append(rep.missing, id)
			}
		}
		for id := range table.ids {
			if !want[id] {
				rep.extra = append(rep.extra, id)
			}
		}
	}
	return rep
}

func (rep *report) add(res result) {
	for _, s := range []*opStats{rep.ops[res.op], rep.all} {
		s.latencies = append(s.latencies, res.latency)
		s.statuses[res.status]++
	}
	rep.statuses[res.status]++
	rep.waits = append(rep.waits, res.wait)
	switch {
	case res.status == 0:
		rep.transportErrors++
	case res.status >= 500:
		rep.serverErrors++
	}
	if res.failure != "" {
		rep.unexpected++
		if len(rep.failures) < keptFailures {
			rep.failures = append(rep.failures, fmt.Sprintf("%s: %d %s", res.op, res.status, res.failure))
		}
	}
}

// String is the summary that the test logs and writes to tests/output/load.txt.
func (rep *report) String() string {
	var b strings.Builder
	r := rep.ran
	answered := len(r.results)
	fmt.Fprintf(&b, "Load test of the orders API: the local runner, with its own moto_server, on loopback\n")
	fmt.Fprintf(&b, "run:        %s at %d req/s, %d workers, %s timeout per request, seed %d\n",
		rep.cfg.duration, rep.cfg.rate, workers, requestTimeout, rep.cfg.seed)
	fmt.Fprintf(&b, "requests:   %d sent of %d due (%d dropped: queue full), %d answered in %s\n",
		r.scheduled-r.dropped, r.scheduled, r.dropped, answered, r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "throughput: %.1f req/s achieved (target %d)\n", float64(answered)/r.elapsed.Seconds(), rep.cfg.rate)
	fmt.Fprintf(&b, "queue wait: p50 %s, p99 %s, max %s (from when due to sent)\n",
		ms(percentile(rep.waits, 50)), ms(percentile(rep.waits, 99)), ms(percentile(rep.waits, 100)))
	if r.cpu.ok {
		// Each is one process's CPU over the run's wall time: 100% is a
		// core kept busy, the ceiling of single-threaded moto_server.
		fmt.Fprintf(&b, "CPU:        API runner %s (%.0f%% of a core), moto_server %s (%.0f%% of a core)\n",
			r.cpu.runner.Round(10*time.Millisecond), 100*r.cpu.runner.Seconds()/r.elapsed.Seconds(),
			r.cpu.children.Round(10*time.Millisecond), 100*r.cpu.children.Seconds()/r.elapsed.Seconds())
	}
	b.WriteString("\n")

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\trequests\tshare\tp50\tp90\tp99\tmax\t\tstatuses")
	for _, op := range operations {
		rep.row(tw, string(op), rep.ops[op], answered)
	}
	rep.row(tw, "all", rep.all, answered)
	_ = tw.Flush()

	fmt.Fprintf(&b, "\nstatus codes: %s\n\nchecks:\n", histogram(rep.statuses))
	fmt.Fprintf(&b, "  transport errors and timeouts: %d\n", rep.transportErrors)
	fmt.Fprintf(&b, "  5xx answers:                   %d\n", rep.serverErrors)
	for _, c := range slices.Sorted(maps.Keys(rep.serverErrorCauses)) {
		fmt.Fprintf(&b, "    %d × %s\n", rep.serverErrorCauses[c], c)
	}
	fmt.Fprintf(&b, "  answers not as expected:       %d\n", rep.unexpected)
	fmt.Fprintf(&b, "  repeats replaying their order: %d of %d\n", rep.replays, rep.replaysSent)
	if rep.tableErr != nil {
		fmt.Fprintf(&b, "  table:                         not read: %v\n", rep.tableErr)
	} else {
		fmt.Fprintf(&b, "  table:                         %d orders listed in %d pages; expected %d (%d created - %d deleted); missing %d, extra %d, listed twice %d\n",
			len(rep.table.ids), rep.table.pages, rep.expected, rep.created, rep.deleted, len(rep.missing), len(rep.extra), len(rep.table.duplicates))
	}
	fmt.Fprintf(&b, "  function ERROR log lines:      %d\n", rep.functionErrors)
	for _, f := range rep.failures {
		fmt.Fprintf(&b, "  unexpected: %s\n", f)
	}
	return b.String()
}

func (rep *report) row(tw *tabwriter.Writer, name string, s *opStats, total int) {
	n := len(s.latencies)
	share := 0.0
	if total > 0 {
		share = 100 * float64(n) / float64(total)
	}
	fmt.Fprintf(tw, "%s\t%d\t%.0f%%\t%s\t%s\t%s\t%s\t\t%s\n", name, n, share,
		ms(percentile(s.latencies, 50)), ms(percentile(s.latencies, 90)),
		ms(percentile(s.latencies, 99)), ms(percentile(s.latencies, 100)), histogram(s.statuses))
}

var dynamoFailure = regexp.MustCompile(`operation error DynamoDB: (\w+),.*StatusCode: (\d+)`)

// classify names the cause of a 5xx from the error the function logged.
func classify(cause string) string {
	switch m := dynamoFailure.FindStringSubmatch(cause); {
	case cause == "":
		return "the function logged no error for it"
	case m != nil && strings.Contains(cause, "invalid character '<'"):
		// moto_server's own crash page (HTML), after the SDK's retries.
		return fmt.Sprintf("DynamoDB %s answered HTTP %s with an HTML error page: moto_server itself failed", m[1], m[2])
	case m != nil:
		return fmt.Sprintf("DynamoDB %s answered HTTP %s", m[1], m[2])
	default:
		return excerpt([]byte(cause))
	}
}

// percentile is the nearest-rank percentile p of sorted; 0 when empty.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

// histogram is "200:12 404:3", by status; status 0 is "none" (no answer).
func histogram(statuses map[int]int) string {
	parts := make([]string, 0, len(statuses))
	for _, status := range slices.Sorted(maps.Keys(statuses)) {
		name := fmt.Sprint(status)
		if status == 0 {
			name = "none"
		}
		parts = append(parts, fmt.Sprintf("%s:%d", name, statuses[status]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}
