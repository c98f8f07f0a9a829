package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// coldProfile is where the cold path goes: the phases of the timed pairs,
// package initialization from runs with GODEBUG=inittrace=1 (the Go
// runtime's report of each package's initialization), and the steps of
// the orders function's start-up, each timed as the first thing a fresh
// process does (tests/bench/coldsteps).
type coldProfile struct {
	runs int
	// The timed pairs' medians.
	ours, bare phases
	// oursPackages are the orders bootstrap's package initializations,
	// slowest first; barePackages the bare one's, by package.
	oursPackages []packageInit
	barePackages map[string]time.Duration
	// steps are the medians of the start-up's steps, in coldSteps' order.
	steps []time.Duration
}

// phases are one bootstrap's medians.
type phases struct {
	total, startup, invocation time.Duration
	// packageInit is the sum of every package's initialization (inittrace
	// runs), over packages of them.
	packageInit time.Duration
	packages    int
}

// coldSteps are the steps coldsteps times, and what each is.
var coldSteps = []struct{ name, what string }{
	{"config", "reading the configuration"},
	{"client", "building the DynamoDB client (as the bare handler builds its own)"},
	{"function", "building the whole function (app.New), all of the above included"},
}

// packageInit is one package's median initialization time.
type packageInit struct {
	name  string
	clock time.Duration
}

// inittrace lines: "init github.com/x/y @1.2 ms, 0.31 ms clock, 1234 bytes, 12 allocs".
var inittraceLine = regexp.MustCompile(`^init (\S+) @[\d.]+ ms, ([\d.]+) ms clock, \d+ bytes, \d+ allocs`)

// parseInittrace sums each package's initialization in one run.
func parseInittrace(out []byte) map[string]time.Duration {
	packages := map[string]time.Duration{}
	for line := range strings.SplitSeq(string(out), "\n") {
		if m := inittraceLine.FindStringSubmatch(line); m != nil {
			clock, _ := strconv.ParseFloat(m[2], 64)
			packages[m[1]] += time.Duration(clock * float64(time.Millisecond))
		}
	}
	return packages
}

// profileColdPath measures the profile: n cold creates of each bootstrap,
// alternating, with GODEBUG=inittrace=1 (which slows initialization a
// little: these are not the timed pairs), and each start-up step n times.
func profileColdPath(ctx context.Context, env *benchEnv, bins *binaries, n int, ours, bare *side) (*coldProfile, error) {
	q, err := newRequests()
	if err != nil {
		return nil, err
	}
	var oursRuns, bareRuns []map[string]time.Duration
	for i := range n {
		t, err := env.freshTables(ctx, fmt.Sprintf("profile%d-", i))
		if err != nil {
			return nil, err
		}
		for _, s := range []struct {
			bootstrap string
			into      *[]map[string]time.Duration
		}{{bins.ours, &oursRuns}, {bins.bare, &bareRuns}} {
			trace, err := inittrace(ctx, s.bootstrap, env.functionVars(t), q)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.bootstrap, err)
			}
			*s.into = append(*s.into, trace)
		}
		if err := t.drop(ctx); err != nil {
			return nil, err
		}
	}
	p := &coldProfile{
		runs: n, ours: pairPhases(ours, oursRuns), bare: pairPhases(bare, bareRuns),
		oursPackages: medianPackages(oursRuns), barePackages: map[string]time.Duration{},
	}
	for _, pkg := range medianPackages(bareRuns) {
		p.barePackages[pkg.name] = pkg.clock
	}
	if p.steps, err = timeSteps(ctx, bins.steps, env.functionVars(tables{env: env, prefix: "steps-"}), n); err != nil {
		return nil, err
	}
	return p, nil
}

// inittrace runs one cold create of bootstrap and reads its package
// initializations.
func inittrace(ctx context.Context, bootstrap string, vars map[string]string, q *requests) (map[string]time.Duration, error) {
	event, err := json.Marshal(q.newCreate())
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	p, first, err := startProcess(ctx, bootstrap, vars, event, &stderr, "GODEBUG=inittrace=1")
	if err != nil {
		return nil, err
	}
	answer, _, err := p.wait(first)
	p.stop()
	if err == nil {
		err = created(answer)
	}
	if err != nil {
		return nil, err
	}
	return parseInittrace(stderr.Bytes()), nil
}

// timeSteps runs coldsteps n times for each step, taking turns, and
// returns each step's median.
func timeSteps(ctx context.Context, bin string, vars map[string]string, n int) ([]time.Duration, error) {
	times := make([][]time.Duration, len(coldSteps))
	for range n {
		for i, s := range coldSteps {
			cmd := exec.CommandContext(ctx, bin, s.name) //nolint:gosec // The helper this run built.
			cmd.Env = lambdaEnv(bin, vars)
			out, err := cmd.Output()
			if err != nil {
				return nil, fmt.Errorf("coldsteps %s: %w", s.name, err)
			}
			us, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("coldsteps %s: %w", s.name, err)
			}
			times[i] = append(times[i], time.Duration(us)*time.Microsecond)
		}
	}
	out := make([]time.Duration, len(times))
	for i, d := range times {
		out[i] = percentile(d, 0.5)
	}
	return out, nil
}

// pairPhases are a side's medians from the timed pairs, and its package
// initialization from the inittrace runs.
func pairPhases(s *side, runs []map[string]time.Duration) phases {
	sums := make([]time.Duration, len(runs))
	for i, r := range runs {
		for _, d := range r {
			sums[i] += d
		}
	}
	return phases{
		total:       percentile(totals(s, func(c coldRun) time.Duration { return c.total }), 0.5),
		startup:     percentile(totals(s, func(c coldRun) time.Duration { return c.init }), 0.5),
		invocation:  percentile(totals(s, coldRun.invocation), 0.5),
		packageInit: percentile(sums, 0.5),
		packages:    len(runs[0]),
	}
}

// medianPackages is each package's median initialization, slowest first.
func medianPackages(runs []map[string]time.Duration) []packageInit {
	clocks := map[string][]time.Duration{}
	for _, r := range runs {
		for name, d := range r {
			clocks[name] = append(clocks[name], d)
		}
	}
	out := make([]packageInit, 0, len(clocks))
	for name, d := range clocks {
		for len(d) < len(runs) {
			d = append(d, 0)
		}
		out = append(out, packageInit{name: name, clock: percentile(d, 0.5)})
	}
	slices.SortFunc(out, func(a, b packageInit) int {
		return cmp.Or(cmp.Compare(b.clock, a.clock), cmp.Compare(a.name, b.name))
	})
	return out
}

// profileTop is how many packages the profile lists.
const profileTop = 12

// profileRows are the phases of a cold create, in the order it runs them,
// as the profile shows them.
var profileRows = []struct {
	name string
	of   func(phases) time.Duration
}{
	{"exec to the answer of the first create (the timed pairs)", func(p phases) time.Duration { return p.total }},
	{"start-up: exec to the first GET of /next", func(p phases) time.Duration { return p.startup }},
	{"of which package initialization, summed (inittrace runs)", func(p phases) time.Duration { return p.packageInit }},
	{"of which the rest: exec, the runtime, main (the difference)", func(p phases) time.Duration { return p.startup - p.packageInit }},
	{"first invocation: /next to the answer", func(p phases) time.Duration { return p.invocation }},
}

// print writes the profile to the terminal.
func (p *coldProfile) print(w *strings.Builder) {
	fmt.Fprintf(w, "  where the cold path goes (medians; package initialization from %d runs with GODEBUG=inittrace=1):\n", p.runs)
	fmt.Fprintf(w, "    %-62s %10s %10s\n", "", "orders", "bare")
	for _, f := range profileRows {
		fmt.Fprintf(w, "    %-62s %10s %10s\n", f.name, ms(f.of(p.ours)), ms(f.of(p.bare)))
	}
	fmt.Fprintf(w, "    packages initialized: %d and %d; the orders bootstrap's slowest:\n", p.ours.packages, p.bare.packages)
	for _, pkg := range p.oursPackages[:min(profileTop, len(p.oursPackages))] {
		bare := "–"
		if d, ok := p.barePackages[pkg.name]; ok {
			bare = ms(d)
		}
		fmt.Fprintf(w, "    %-62s %10s %10s\n", pkg.name, ms(pkg.clock), bare)
	}
	fmt.Fprintln(w, "    the orders function's start-up steps, each first in a fresh process:")
	for i, s := range coldSteps {
		fmt.Fprintf(w, "    %-62s %10s\n", s.what, ms(p.steps[i]))
	}
}
