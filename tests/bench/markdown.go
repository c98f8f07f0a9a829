package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// writeMarkdown records the results with the machine and its load, where
// the cold path goes, and how each figure was measured.
func writeMarkdown(ctx context.Context, path string, r *report) error {
	var b strings.Builder
	b.WriteString(`# Benchmarks

Recorded by ` + "`make bench RECORD=1`" + `; ` + "`make bench`" + ` measures your machine and writes
nothing. Both exit non-zero when a budget is missed. ` + "`make test`" + ` runs a smoke
of it (` + "`go test ./tests/bench`" + `): small counts, only the budgets that do not
depend on the machine, and no time asserted. Why the service is as fast as
it is, and what it chose to get there: [performance](docs/performance.md).

`)
	fmt.Fprintf(&b, "Measured %s on %s, %d cores, %s, %s.\n", time.Now().UTC().Format("2006-01-02"), cpuModel(), runtime.NumCPU(), memTotal(), goVersion(ctx))
	fmt.Fprintf(&b, "The machine's load (`/proc/loadavg`, over 1, 5 and 15 minutes): %s at the\nstart, %s at the end.\n\n",
		strings.TrimPrefix(r.loadBefore, "load "), strings.TrimPrefix(r.loadAfter, "load "))
	b.WriteString("| measure | value | budget |\n| --- | --- | --- |\n")
	for _, row := range r.rows {
		budget := row.budget
		switch {
		case budget == "":
			budget = "–"
		case !row.ok:
			budget += " **missed**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", row.measure, row.value, budget)
	}
	if r.profile != nil {
		r.profile.markdown(&b)
	}
	b.WriteString(method)
	b.WriteString(python)
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// markdown writes the profile as tables.
func (p *coldProfile) markdown(b *strings.Builder) {
	b.WriteString(`
## Where the cold path goes

Medians: of the timed pairs above; of package initialization, from
`)
	fmt.Fprintf(b, "%d more cold creates of each bootstrap run with `GODEBUG=inittrace=1` (the Go\n", p.runs)
	b.WriteString("runtime's report of each package's initialization, which slows it a little).\n\n")
	b.WriteString("| phase | orders | bare handler |\n| --- | --- | --- |\n")
	for _, f := range profileRows {
		fmt.Fprintf(b, "| %s | %s | %s |\n", f.name, ms(f.of(p.ours)), ms(f.of(p.bare)))
	}
	fmt.Fprintf(b, "| packages initialized | %d | %d |\n", p.ours.packages, p.bare.packages)
	b.WriteString(`
The orders bootstrap's slowest package initializations, with the bare
handler's where it has the package too:

| package | orders | bare handler |
| --- | --- | --- |
`)
	for _, pkg := range p.oursPackages[:min(profileTop, len(p.oursPackages))] {
		bare := "–"
		if d, ok := p.barePackages[pkg.name]; ok {
			bare = ms(d)
		}
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", pkg.name, ms(pkg.clock), bare)
	}
	fmt.Fprintf(b, `
The orders function's start-up steps after package initialization, each
timed as the first thing a fresh process does (`+"`tests/bench/coldsteps`"+`,
median of %d runs each):

| step | time |
| --- | --- |
`, p.runs)
	for i, s := range coldSteps {
		fmt.Fprintf(b, "| %s | %s |\n", s.what, ms(p.steps[i]))
	}
}

const method = `
## How each is measured

- **Cold path**: wall time from exec of a bootstrap to the answer of its
  first invocation, a create, as Lambda runs it: the bench serves the
  Lambda Runtime API itself on loopback (` + "`tests/bench/runtimeapi.go`" + `:
  ` + "`/runtime/invocation/next`" + `, ` + "`/response`" + `, ` + "`/error`" + `, ` + "`/init/error`" + `),
  with the create already waiting, as on a cold start, so no emulator's own
  start-up is in the figure. The baseline (` + "`tests/bench/bare`" + `, run by
  ` + "`tests/bench/baseline`" + `) is a bare aws-lambda-go handler that does the same
  DynamoDB work as the orders function's create, and nothing else: its client
  built as ` + "`src/app`" + ` builds the function's, the same two-item conditional
  ` + "`TransactWriteItems`" + ` of the order and its idempotency record (its test
  holds the two requests to the same shape). The orders function fetches
  its flags from an AppConfig agent stand-in serving
  ` + "`src/orders/flags.json`" + `, as it does from the agent in Lambda, and traces to
  X-Ray as deployed; the trace header says unsampled, as most are. Both are built the
  same way, get the function's variables from ` + "`template.yaml`" + ` and those
  Lambda sets, and run in pairs against fresh tables of the same
  moto_server, each going first in every other pair, after two pairs that
  are not counted; the ratio is the median of the pairs' ratios, with their
  range. The start-up is exec to the bootstrap's first GET of
  ` + "`/next`" + ` (Lambda's init phase), the first invocation the rest; the
  table above says where each goes.
- **Handler overhead**: creates through the whole function (routes, strict decoding,
  logs, metrics, idempotency, the X-Ray trace id) with DynamoDB answered in
  process by ` + "`src/orders/dynamo/dynamotest`" + `, so that the SDK's own request
  building, signing and parsing run; each invocation timed on its own.
  Three handlers take turns in blocks of 50 creates, 1,000 each a round,
  after a warm-up round: the function as deployed (spans are not recorded
  in process), the function with every span recorded and exported at the
  end of each invocation as a ` + "`TAGS=otlp`" + ` build does (to an exporter that
  discards them), and the bare handler. Each is judged by the median of
  its rounds' p50s, and against the bare handler by the median of the
  rounds' ratios: the function as deployed by both budgets, the
  ` + "`TAGS=otlp`" + ` build by the absolute one, its ratio shown. The absolute
  budget holds on a quiet machine (a 1-minute load average at most half
  the cores), the ratio on any.
- **go test -bench**: the same, per operation (` + "`src/app/app_bench_test.go`" + `).
- **Warm latency**: end to end against moto_server on this machine, which
  dominates it; a real DynamoDB answers in single-digit milliseconds.
- **Round trips**: DynamoDB calls counted by a proxy in front of
  moto_server, as a fresh orders bootstrap under the Runtime API serves, on
  fresh tables, its first create (which also fetches the flags: no DynamoDB
  call), then a replay of it, a get, a delete and a list.
- **Package size**: each function's arm64 bootstrap, zipped as ` + "`sam package`" + ` does.
- **Peak RSS**: VmHWM of the orders bootstrap after 1,000 mixed requests
  under the Runtime API.

Each measure gets fresh tables, and each cold pair its own: moto copies
every table that a transaction touches, so its transactions slow down as
the tables fill, which DynamoDB's do not. A bootstrap gets the function's
variables only, as in Lambda, none of this shell's (a CA bundle, an AWS
profile, ` + "`GOGC`" + `). The CPU is not Lambda's: a 256 MB function gets a fraction
of a vCPU, the bench a share of this machine, so the figures compare the
two bootstraps with each other, not with Lambda's.
`

const python = `
## The Python cookbook, for reference

Not measured by this bench, and not comparable row for row: figures that
issue 16 reports for the AWS Lambda Handler Cookbook's orders handler
(boto3), measured in November 2026 on this machine against moto_server.
Its cold path, process start to the first response, took 0.9 to 1.6 s
(1.38 s median, under load); a warm create took 35 ms against moto_server
(the Go function's, measured the same way then: 12 ms); its peak RSS was
87 MiB; a create makes 3 DynamoDB calls; its dependency layer zips to
3.4 MiB without boto3, which Lambda's Python runtime provides, and 18.3 MiB
with it.
`
