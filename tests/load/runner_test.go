package load

// This file mirrors tests/e2e/runner_test.go: the same build, start-up,
// readiness probe and stop of the local runner (`make run`'s binary), cut
// down to what the load test needs. It is a copy rather than a shared
// package so that neither suite's harness constrains the other; keep the
// two in step when the runner's start-up changes.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// runner is a running local API, on loopback, with a moto_server of its own.
type runner struct {
	URL string
	cmd *exec.Cmd

	mu     sync.Mutex
	output strings.Builder // stderr: the runner's own lines (start-up, access log)
	stdout *errorLines     // the function's log and EMF lines, of which only ERROR lines are kept
	exited chan struct{}
}

// buildRunner compiles the local runner into dir.
func buildRunner(dir string) (string, error) {
	bin := filepath.Join(dir, "local")
	cmd := exec.Command("go", "build", "-o", bin, "../../src/cmd/local")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build local runner: %w\n%s", err, out)
	}
	return bin, nil
}

// startRunner starts the runner on a loopback port of the system's
// choosing (PORT=0) with a DynamoDB of its own, and waits until it serves.
func startRunner(bin string) (*runner, error) {
	r := &runner{exited: make(chan struct{}), stdout: &errorLines{}}
	r.cmd = exec.Command(bin)
	r.cmd.Env = append(withoutVar(os.Environ(), "AWS_ENDPOINT_URL_DYNAMODB"),
		"PORT=0", "TEMPLATE=../../template.yaml", "SPEC=../../api.yaml", "FLAGS_FILE=../../src/flags/flags.json")
	pipe, err := r.cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("runner output: %w", err)
	}
	r.cmd.Stdout = r.stdout
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start runner: %w", err)
	}
	go func() {
		scanner := bufio.NewScanner(pipe)
		for scanner.Scan() {
			r.mu.Lock()
			r.output.WriteString(scanner.Text() + "\n")
			r.mu.Unlock()
		}
		_ = r.cmd.Wait() // Stop reads the exit status from ProcessState.
		close(r.exited)
	}()
	if err := r.waitReady(60 * time.Second); err != nil {
		_ = r.Stop()
		return nil, err
	}
	return r, nil
}

func (r *runner) waitReady(timeout time.Duration) error {
	deadline := time.After(timeout)
	for !r.serves() {
		select {
		case <-r.exited:
			return fmt.Errorf("runner exited at start:\n%s", r.Output())
		case <-deadline:
			return fmt.Errorf("runner did not serve within %s:\n%s", timeout, r.Output())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// serves reports whether the runner has printed its URL and answers there.
func (r *runner) serves() bool {
	if r.URL == "" {
		m := urlLine.FindStringSubmatch(r.Output())
		if m == nil {
			return false
		}
		r.URL = m[1]
	}
	resp, err := probe.Get(r.URL + "/api/orders?limit=1") //nolint:noctx // probe's timeout bounds it.
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Output is what the runner printed on stderr so far.
func (r *runner) Output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.output.String()
}

// Stop sends SIGTERM, as Ctrl-C would, and waits for a clean exit.
func (r *runner) Stop() error {
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal runner: %w", err)
	}
	select {
	case <-r.exited:
	case <-time.After(20 * time.Second):
		_ = r.cmd.Process.Kill()
		return errors.New("runner did not stop within 20s of SIGTERM")
	}
	if code := r.cmd.ProcessState.ExitCode(); code != 0 {
		return fmt.Errorf("runner exited with %d:\n%s", code, r.Output())
	}
	return nil
}

var (
	probe = &http.Client{Timeout: time.Second}
	// The runner listens on 127.0.0.1 only: the load never leaves loopback.
	urlLine = regexp.MustCompile(`Orders API on (http://127\.0\.0\.1:\d+)`)
)

func withoutVar(env []string, name string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// errorLines reads the function's stdout (a JSON log line and an EMF line
// per request, megabytes over a long run) and keeps only its ERROR lines:
// how many, the first few, and each one's error by correlation id (the
// API Gateway request id, which a problem answer quotes as its instance).
type errorLines struct {
	mu      sync.Mutex
	partial []byte
	lines   int
	errors  int
	first   []string
	causes  map[string]string // correlation id → error
}

const (
	keptErrorLines = 5
	keptCauses     = 10000
)

func (e *errorLines) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.partial = append(e.partial, p...)
	for {
		i := bytes.IndexByte(e.partial, '\n')
		if i < 0 {
			break
		}
		e.line(e.partial[:i])
		e.partial = e.partial[i+1:]
	}
	// Keep the unfinished line only; let the backing array go.
	e.partial = append([]byte(nil), e.partial...)
	return len(p), nil
}

func (e *errorLines) line(l []byte) {
	e.lines++
	if !bytes.Contains(l, []byte(`"level":"ERROR"`)) {
		return
	}
	e.errors++
	if len(e.first) < keptErrorLines {
		e.first = append(e.first, string(l))
	}
	var entry struct {
		CorrelationID string `json:"correlation_id"`
		Error         string `json:"error"`
	}
	if json.Unmarshal(l, &entry) == nil && entry.CorrelationID != "" && len(e.causes) < keptCauses {
		if e.causes == nil {
			e.causes = map[string]string{}
		}
		e.causes[entry.CorrelationID] = entry.Error
	}
}

// Cause is the error the function logged for the request with this
// correlation id; "" when it logged none.
func (e *errorLines) Cause(correlationID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.causes[correlationID]
}

// Errors is how many ERROR lines the function wrote, and the first few.
func (e *errorLines) Errors() (count int, first []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.errors, append([]string(nil), e.first...)
}
