package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// coldRun is one cold start: from exec of the bootstrap to the answer of
// its first invocation, a create, and the part of it before the bootstrap
// first asked the Runtime API for an event (its start-up: Lambda's init
// phase).
type coldRun struct {
	total, init time.Duration
}

// invocation is the part after the start-up: the first invocation itself.
func (c coldRun) invocation() time.Duration { return c.total - c.init }

// coldStart runs bootstrap for one create, as Lambda does on a cold start:
// the invocation waits at the Runtime API before the process starts.
func coldStart(ctx context.Context, bootstrap string, vars map[string]string, event []byte) (coldRun, error) {
	p, first, err := startProcess(ctx, bootstrap, vars, event, nil)
	if err != nil {
		return coldRun{}, err
	}
	defer p.stop()
	answer, at, err := p.wait(first)
	if err != nil {
		return coldRun{}, err
	}
	if err := created(answer); err != nil {
		return coldRun{}, err
	}
	return coldRun{total: at.Sub(p.started), init: p.api.firstNext().Sub(p.started)}, nil
}

// created checks that an answer is a create's 200.
func created(answer []byte) error {
	if decodeResponse(answer).StatusCode != http.StatusOK {
		return fmt.Errorf("the create failed: %s", answer)
	}
	return nil
}

// decodeResponse reads a bootstrap's answer as API Gateway would; a zero
// response when it is none.
func decodeResponse(answer []byte) events.APIGatewayProxyResponse {
	var resp events.APIGatewayProxyResponse
	_ = json.Unmarshal(answer, &resp)
	return resp
}

// side is one of the two bootstraps a cold pair compares.
type side struct {
	bootstrap string
	vars      func(tables) map[string]string
	runs      []coldRun
}

// coldPairs runs the orders bootstrap and the bare one back to back, n
// times after warm pairs that are not counted (the first exec of a new
// binary reads it from disk), each pair with fresh tables and each
// bootstrap going first in every other pair, so that neither always
// follows the other's exit.
func coldPairs(ctx context.Context, env *benchEnv, bins *binaries, warm, n int) (ours, bare *side, err error) {
	ours = &side{bootstrap: bins.ours, vars: env.functionVars}
	bare = &side{bootstrap: bins.bare, vars: env.functionVars}
	q, err := newRequests()
	if err != nil {
		return nil, nil, err
	}
	for i := range warm + n {
		t, err := env.freshTables(ctx, fmt.Sprintf("cold%d-", i))
		if err != nil {
			return nil, nil, err
		}
		pair := []*side{ours, bare}
		if i%2 == 1 {
			slices.Reverse(pair)
		}
		for _, s := range pair {
			event, err := json.Marshal(q.newCreate())
			if err != nil {
				return nil, nil, err
			}
			run, err := coldStart(ctx, s.bootstrap, s.vars(t), event)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", s.bootstrap, err)
			}
			if i >= warm {
				s.runs = append(s.runs, run)
			}
		}
		if err := t.drop(ctx); err != nil {
			return nil, nil, err
		}
	}
	return ours, bare, nil
}

// pairRatios are ours/bare, pair by pair, of what of.
func pairRatios(ours, bare *side, of func(coldRun) time.Duration) []float64 {
	ratios := make([]float64, len(ours.runs))
	for i := range ours.runs {
		ratios[i] = float64(of(ours.runs[i])) / float64(of(bare.runs[i]))
	}
	slices.Sort(ratios)
	return ratios
}

func totals(s *side, of func(coldRun) time.Duration) []time.Duration {
	out := make([]time.Duration, len(s.runs))
	for i, r := range s.runs {
		out[i] = of(r)
	}
	return out
}

func medianFloat(sorted []float64) float64 { return sorted[len(sorted)/2] }

// coldPath times exec to the answer of a first create, for the orders
// bootstrap and for the bare one, in pairs, against the minimal Runtime
// API; the ratio is the median of the pairs' ratios. Then it measures
// where the cold path goes, and prints it.
func coldPath(ctx context.Context, r *report, env *benchEnv, work string) error {
	bins, err := buildBinaries(ctx, work)
	if err != nil {
		return err
	}
	ours, bare, err := coldPairs(ctx, env, bins, coldWarmPairs, coldPairCount)
	if err != nil {
		return err
	}
	total := func(c coldRun) time.Duration { return c.total }
	r.add(fmt.Sprintf("cold path, exec to the first create's answer: orders (median of %d)", len(ours.runs)),
		ms(percentile(totals(ours, total), 0.5)), "", true)
	r.add(fmt.Sprintf("cold path, exec to the first create's answer: bare handler (median of %d)", len(bare.runs)),
		ms(percentile(totals(bare, total), 0.5)), "", true)
	ratios := pairRatios(ours, bare, total)
	ratio := medianFloat(ratios)
	r.add("cold path ratio orders / bare handler (median of the pairs' ratios)", fmt.Sprintf("%.2f× (%.2f–%.2f)", ratio, ratios[0], ratios[len(ratios)-1]),
		fmt.Sprintf("≤ %.2f×", budgetColdRatio), ratio <= budgetColdRatio)

	prof, err := profileColdPath(ctx, env, bins, profileRuns, ours, bare)
	if err != nil {
		return err
	}
	var b strings.Builder
	prof.print(&b)
	fmt.Fprint(os.Stderr, b.String())
	r.profile = prof
	return nil
}
