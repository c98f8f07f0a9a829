// Package e2e drives the orders API end to end through the generated Go
// client: against the local runner (`make run`) that TestMain starts, or
// against a deployed API when API_URL is set.
package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
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

// runner is a running local API: the binary behind `make run`.
type runner struct {
	URL string
	cmd *exec.Cmd

	mu     sync.Mutex
	output strings.Builder // stderr: the runner's own lines
	stdout syncBuffer      // the function's log and EMF lines
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

// startRunner starts the runner on a port of the system's choosing (PORT=0)
// with a DynamoDB of its own, and waits until it serves. env adds to or
// overrides its environment.
func startRunner(bin string, env ...string) (*runner, error) {
	r := &runner{exited: make(chan struct{})}
	r.cmd = exec.Command(bin)
	r.cmd.Env = append(withoutVar(os.Environ(), "AWS_ENDPOINT_URL_DYNAMODB"),
		"PORT=0", "TEMPLATE=../../template.yaml", "SPEC=../../api.yaml", "FLAGS_FILE=../../src/flags/flags.json")
	r.cmd.Env = append(r.cmd.Env, env...)
	pipe, err := r.cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("runner output: %w", err)
	}
	r.cmd.Stdout = &r.stdout
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
	probe      = &http.Client{Timeout: time.Second}
	urlLine    = regexp.MustCompile(`Orders API on (http://[0-9.:]+)`)
	dynamoLine = regexp.MustCompile(`DynamoDB: moto_server at (http://[0-9.:]+)`)
)

// DynamoEndpoint is the moto_server the runner said it started.
func (r *runner) DynamoEndpoint() string {
	if m := dynamoLine.FindStringSubmatch(r.Output()); m != nil {
		return m[1]
	}
	return ""
}

func withoutVar(env []string, name string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// answers reports whether something accepts connections at url's host.
func answers(ctx context.Context, url string) bool {
	host := strings.TrimPrefix(url, "http://")
	conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", host)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// syncBuffer is a bytes.Buffer safe for a writer and readers at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Stdout is what the function wrote: its JSON log lines and EMF metrics.
func (r *runner) Stdout() string { return r.stdout.String() }
