package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// coldProfile is where a bootstrap's cold path goes, from runs with
// GODEBUG=inittrace=1: the Go runtime's own report of each package's
// initialization, and the Runtime API's view of the rest.
type coldProfile struct {
	runs         int
	ours, bare   startupProfile
	oursPackages []packageInit // the orders bootstrap's, slowest first
	barePackages map[string]time.Duration
}

// startupProfile is one bootstrap's median figures.
type startupProfile struct {
	// packageInit is the sum of every package's initialization; initEnd
	// is when the last one ended, from the process's start.
	packageInit, initEnd time.Duration
	// main is from the end of package initialization to the first GET of
	// /next: what main does before it waits for an event.
	main time.Duration
	// invocation is from the first /next to the first answer.
	invocation time.Duration
	total      time.Duration
	// packages counts the packages initialized.
	packages int
}

// packageInit is one package's median initialization time.
type packageInit struct {
	name  string
	clock time.Duration
	bytes int64
}

// inittrace lines: "init github.com/x/y @1.2 ms, 0.31 ms clock, 1234 bytes, 12 allocs".
var inittraceLine = regexp.MustCompile(`^init (\S+) @([\d.]+) ms, ([\d.]+) ms clock, (\d+) bytes, (\d+) allocs`)

type inittraceRun struct {
	packages map[string]packageInit
	sum, end time.Duration
	run      coldRun
}

func parseInittrace(out []byte, run coldRun) inittraceRun {
	r := inittraceRun{packages: map[string]packageInit{}, run: run}
	for line := range strings.SplitSeq(string(out), "\n") {
		m := inittraceLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		at, _ := strconv.ParseFloat(m[2], 64)
		clock, _ := strconv.ParseFloat(m[3], 64)
		size, _ := strconv.ParseInt(m[4], 10, 64)
		d := time.Duration(clock * float64(time.Millisecond))
		p := r.packages[m[1]]
		p.name, p.clock, p.bytes = m[1], p.clock+d, p.bytes+size
		r.packages[m[1]] = p
		r.sum += d
		r.end = max(r.end, time.Duration((at+clock)*float64(time.Millisecond)))
	}
	return r
}

// profileColdPath runs each bootstrap n times, alternating, with
// GODEBUG=inittrace=1, and takes the median of each figure. (Tracing
// initialization slows it a little; these runs are not the timed pairs.)
func profileColdPath(ctx context.Context, env *benchEnv, bins *binaries, n int) (*coldProfile, error) {
	q, err := newRequests()
	if err != nil {
		return nil, err
	}
	var ours, bare []inittraceRun
	for i := range n {
		t, err := env.freshTables(ctx, fmt.Sprintf("profile%d-", i))
		if err != nil {
			return nil, err
		}
		for _, s := range []struct {
			bootstrap string
			into      *[]inittraceRun
		}{{bins.ours, &ours}, {bins.bare, &bare}} {
			event, err := json.Marshal(q.newCreate())
			if err != nil {
				return nil, err
			}
			var stderr bytes.Buffer
			p, first, err := startProcess(ctx, s.bootstrap, env.functionVars(t), event, &stderr, "GODEBUG=inittrace=1")
			if err != nil {
				return nil, err
			}
			answer, at, err := p.wait(first)
			run := coldRun{total: at.Sub(p.started), init: p.api.firstNext().Sub(p.started)}
			p.stop()
			if err == nil {
				err = created(answer)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.bootstrap, err)
			}
			*s.into = append(*s.into, parseInittrace(stderr.Bytes(), run))
		}
		if err := t.drop(ctx); err != nil {
			return nil, err
		}
	}
	prof := &coldProfile{runs: n, ours: summarize(ours), bare: summarize(bare), barePackages: map[string]time.Duration{}}
	prof.oursPackages = medianPackages(ours)
	for _, p := range medianPackages(bare) {
		prof.barePackages[p.name] = p.clock
	}
	return prof, nil
}

func summarize(runs []inittraceRun) startupProfile {
	med := func(of func(inittraceRun) time.Duration) time.Duration {
		d := make([]time.Duration, len(runs))
		for i, r := range runs {
			d[i] = of(r)
		}
		return percentile(d, 0.5)
	}
	return startupProfile{
		packageInit: med(func(r inittraceRun) time.Duration { return r.sum }),
		initEnd:     med(func(r inittraceRun) time.Duration { return r.end }),
		main:        med(func(r inittraceRun) time.Duration { return r.run.init - r.end }),
		invocation:  med(func(r inittraceRun) time.Duration { return r.run.invocation() }),
		total:       med(func(r inittraceRun) time.Duration { return r.run.total }),
		packages:    len(runs[0].packages),
	}
}

// medianPackages is each package's median initialization, slowest first.
func medianPackages(runs []inittraceRun) []packageInit {
	clocks := map[string][]time.Duration{}
	sizes := map[string]int64{}
	for _, r := range runs {
		for name, p := range r.packages {
			clocks[name] = append(clocks[name], p.clock)
			sizes[name] = p.bytes
		}
	}
	out := make([]packageInit, 0, len(clocks))
	for name, d := range clocks {
		for len(d) < len(runs) {
			d = append(d, 0)
		}
		out = append(out, packageInit{name: name, clock: percentile(d, 0.5), bytes: sizes[name]})
	}
	slices.SortFunc(out, func(a, b packageInit) int {
		return cmp.Or(cmp.Compare(b.clock, a.clock), cmp.Compare(a.name, b.name))
	})
	return out
}

// profileTop is how many packages the profile lists.
const profileTop = 12

// profilePhases are the figures of a startupProfile, in the order the
// cold path runs them.
var profilePhases = []struct {
	name string
	of   func(startupProfile) time.Duration
}{
	{"package initialization, summed", func(s startupProfile) time.Duration { return s.packageInit }},
	{"package initialization ended, from the runtime's start", func(s startupProfile) time.Duration { return s.initEnd }},
	{"exec, runtime and main, to the first GET of /next", func(s startupProfile) time.Duration { return s.main }},
	{"first invocation, /next to the answer", func(s startupProfile) time.Duration { return s.invocation }},
	{"exec to the answer", func(s startupProfile) time.Duration { return s.total }},
}

// print writes the profile to the terminal.
func (p *coldProfile) print(w *strings.Builder) {
	fmt.Fprintf(w, "  where the cold path goes (median of %d runs each, GODEBUG=inittrace=1):\n", p.runs)
	fmt.Fprintf(w, "    %-58s %10s %10s\n", "", "orders", "bare")
	for _, f := range profilePhases {
		fmt.Fprintf(w, "    %-58s %10s %10s\n", f.name, ms(f.of(p.ours)), ms(f.of(p.bare)))
	}
	fmt.Fprintf(w, "    packages initialized: %d and %d; the orders bootstrap's slowest:\n", p.ours.packages, p.bare.packages)
	for _, pkg := range p.oursPackages[:min(profileTop, len(p.oursPackages))] {
		bare := "–"
		if d, ok := p.barePackages[pkg.name]; ok {
			bare = ms(d)
		}
		fmt.Fprintf(w, "    %-58s %10s %10s\n", pkg.name, ms(pkg.clock), bare)
	}
}

// profile measures where the cold path goes, and prints it.
func profile(ctx context.Context, r *report, env *benchEnv, work string) error {
	bins, err := buildBinaries(ctx, work)
	if err != nil {
		return err
	}
	prof, err := profileColdPath(ctx, env, bins, profileRuns)
	if err != nil {
		return err
	}
	var b strings.Builder
	prof.print(&b)
	fmt.Fprint(os.Stderr, b.String())
	r.profile = prof
	return nil
}
