// Package localapi runs the local API (`make run`'s binary, src/cmd/local)
// for the suites that drive it: it builds the runner, starts it on a
// loopback port of the system's choosing with a moto_server of its own,
// waits until it serves, and stops it as Ctrl-C would.
package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-sam-blueprint/orders/tests/repo"
)

// Runner is a running local API.
type Runner struct {
	// URL is where it serves, on 127.0.0.1.
	URL string
	// PoolURL is where its stand-in for the Cognito user pool serves.
	PoolURL string
	cmd     *exec.Cmd

	output Buffer // stderr: the runner's own lines
	exited chan struct{}
}

// Buffer collects output as it comes: safe for concurrent writers and
// readers.
type Buffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is all that was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Build compiles the local runner into dir and returns its path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "local")
	cmd := exec.CommandContext(context.Background(), "go", "build", "-o", bin, filepath.Join(repo.Root(), "src", "cmd", "local"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build local runner: %w\n%s", err, out)
	}
	return bin, nil
}

// Start starts the runner bin on a loopback port of the system's choosing
// (PORT=0) with a DynamoDB of its own, and waits until it serves. stdout
// receives the function's log and EMF lines; env adds to or overrides the
// runner's environment.
func Start(bin string, stdout io.Writer, env ...string) (*Runner, error) {
	r := &Runner{exited: make(chan struct{})}
	// Stop ends it, as Ctrl-C would: no context does.
	r.cmd = exec.CommandContext(context.Background(), bin)
	r.cmd.Env = append(withoutVar(os.Environ(), "AWS_ENDPOINT_URL_DYNAMODB"),
		"PORT=0",
		"TEMPLATE="+filepath.Join(repo.Root(), "template.yaml"),
		"SPEC="+filepath.Join(repo.Root(), "api.yaml"),
		"FLAGS_FILE="+filepath.Join(repo.Root(), "src", "orders", "flags.json"))
	r.cmd.Env = append(r.cmd.Env, env...)
	r.cmd.Stdout = stdout
	r.cmd.Stderr = &r.output
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start runner: %w", err)
	}
	go func() {
		_ = r.cmd.Wait() // Stop reads the exit status from ProcessState.
		close(r.exited)
	}()
	if err := r.waitReady(60 * time.Second); err != nil {
		_ = r.Stop()
		return nil, err
	}
	return r, nil
}

func (r *Runner) waitReady(timeout time.Duration) error {
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

// serves reports whether the runner has printed its URL and its user
// pool's, and answers a list there, as alice.
func (r *Runner) serves() bool {
	if r.URL == "" || r.PoolURL == "" {
		m, pool := urlLine.FindStringSubmatch(r.Output()), poolLine.FindStringSubmatch(r.Output())
		if m == nil || pool == nil {
			return false
		}
		r.URL, r.PoolURL = m[1], pool[1]
	}
	token, err := r.Token(context.Background(), "alice")
	if err != nil {
		return false
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, r.URL+"/api/orders?limit=1", http.NoBody)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := probe.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Token is an access token of the local user pool's user (alice, bob),
// with scopes, or all of them when none are named.
func (r *Runner) Token(ctx context.Context, user string, scopes ...string) (string, error) {
	form := url.Values{"username": {user}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	return r.token(ctx, form)
}

// ExpiredToken is a token of the local user pool's user that has expired
// already.
func (r *Runner) ExpiredToken(ctx context.Context, user string) (string, error) {
	return r.token(ctx, url.Values{"username": {user}, "expires_in": {"0"}})
}

func (r *Runner) token(ctx context.Context, form url.Values) (string, error) {
	user := form.Get("username")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.PoolURL+"/local/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := probe.Do(req)
	if err != nil {
		return "", fmt.Errorf("token for %s: %w", user, err)
	}
	defer resp.Body.Close()
	var answer struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || answer.AccessToken == "" {
		return "", fmt.Errorf("token for %s: the pool answered %d", user, resp.StatusCode)
	}
	return answer.AccessToken, nil
}

// PID is the runner's process id.
func (r *Runner) PID() int { return r.cmd.Process.Pid }

// Output is what the runner printed on stderr so far.
func (r *Runner) Output() string { return r.output.String() }

// Stop sends SIGTERM, as Ctrl-C would, and waits for a clean exit.
func (r *Runner) Stop() error {
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
	// The runner listens on 127.0.0.1 only: nothing leaves loopback.
	urlLine    = regexp.MustCompile(`Orders API on (http://127\.0\.0\.1:\d+)`)
	poolLine   = regexp.MustCompile(`User pool: (http://127\.0\.0\.1:\d+)`)
	dynamoLine = regexp.MustCompile(`DynamoDB: moto_server at (http://[0-9.:]+)`)
)

// DynamoEndpoint is the moto_server the runner said it started.
func (r *Runner) DynamoEndpoint() string {
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

// Answers reports whether something accepts connections at url's host.
func Answers(ctx context.Context, target string) bool {
	host := strings.TrimPrefix(target, "http://")
	conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", host)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}
