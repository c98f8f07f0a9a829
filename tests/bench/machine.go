package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// loadAverage is the machine's load as /proc/loadavg gives it: the
// 1, 5 and 15 minute averages of runnable processes.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "load unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "load unknown"
	}
	return "load " + strings.Join(f[:3], " ")
}

func cores() string { return fmt.Sprintf("%d cores", runtime.NumCPU()) }

// machineIsQuiet reports whether a load average, as loadAverage gives
// it, left at least half of the machine's cores idle over the last
// minute: on a busier machine, a time measures the neighbours as much as
// the code.
func machineIsQuiet(load string) bool {
	f := strings.Fields(strings.TrimPrefix(load, "load "))
	if len(f) == 0 {
		return false
	}
	one, err := strconv.ParseFloat(f[0], 64)
	return err == nil && one <= float64(runtime.NumCPU())/2
}

func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	raw, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown memory"
	}
	var kb int64
	for line := range strings.SplitSeq(string(raw), "\n") {
		if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
			return fmt.Sprintf("%d GiB", kb>>20)
		}
	}
	return "unknown memory"
}

func goVersion(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}
