package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// peakRSS serves 1,000 mixed requests with one bootstrap under the
// Runtime API, and reads its peak resident memory (VmHWM).
func peakRSS(ctx context.Context, r *report, env *benchEnv, work string, t tables) error {
	bins, err := buildBinaries(ctx, work)
	if err != nil {
		return err
	}
	q, err := newRequests()
	if err != nil {
		return err
	}
	first, err := json.Marshal(q.newCreate())
	if err != nil {
		return err
	}
	p, inv, err := startProcess(ctx, bins.ours, env.functionVars(t), first, nil)
	if err != nil {
		return err
	}
	defer p.stop()
	answer, _, err := p.wait(inv)
	if err == nil {
		err = created(answer)
	}
	if err != nil {
		return err
	}
	var id string
	for i := range rssRequests {
		e := q.newCreate()
		switch {
		case i%4 == 1 && id != "":
			e = q.forID(q.get, id)
		case i%4 == 2:
			e = q.list
		}
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if answer, err = p.invoke(raw); err != nil {
			return err
		}
		if e.HTTPMethod == http.MethodPost {
			if err := created(answer); err != nil {
				return err
			}
			id = orderID(decodeResponse(answer))
		}
	}
	hwm, err := vmHWM(p.cmd.Process.Pid)
	if err != nil {
		return err
	}
	r.add(fmt.Sprintf("peak RSS after %d requests", rssRequests), mb(hwm), "≤ 25 MB", hwm <= budgetPeakRSSBytes)
	return nil
}

// vmHWM reads a process's peak resident memory.
func vmHWM(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
