package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/go-sam-blueprint/orders/tests/repo"
)

// build compiles a Lambda bootstrap for this machine, as make build does
// for arm64.
func build(ctx context.Context, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Dir = repo.Root()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %w\n%s", pkg, err, msg)
	}
	return nil
}

// binaries are what the bench runs: the orders function's bootstrap and
// the bare handler's, and the helper that times the orders function's
// start-up steps, built for this machine once a run.
type binaries struct {
	ours, bare, steps string
}

var built *binaries

// oursOverride, when set, is the orders bootstrap to run (-bootstrap).
var oursOverride string

func buildBinaries(ctx context.Context, work string) (*binaries, error) {
	if built != nil {
		return built, nil
	}
	b := &binaries{
		ours: filepath.Join(work, "orders", "bootstrap"), bare: filepath.Join(work, "baseline", "bootstrap"),
		steps: filepath.Join(work, "coldsteps", "coldsteps"),
	}
	if oursOverride != "" {
		b.ours = oursOverride
	} else if err := build(ctx, "./src/cmd/orders", b.ours); err != nil {
		return nil, err
	}
	if err := build(ctx, "./tests/bench/baseline", b.bare); err != nil {
		return nil, err
	}
	if err := build(ctx, "./tests/bench/coldsteps", b.steps); err != nil {
		return nil, err
	}
	built = b
	return b, nil
}

// lambdaEnv is the environment a bootstrap gets here, as in Lambda: the
// function's variables, those Lambda sets for every function, and none of
// this shell's settings (an AWS profile, a CA bundle, shared config files,
// GOGC, GODEBUG), which would slow either bootstrap as they never do in
// Lambda. The shared files are pointed nowhere, as Lambda has none. (The
// CPU is not Lambda's: a 256 MB function gets a fraction of a vCPU, the
// bench a share of this machine.)
func lambdaEnv(bootstrap string, vars map[string]string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "LANG=en_US.UTF-8", "TZ=:UTC",
		"LAMBDA_TASK_ROOT=" + filepath.Dir(bootstrap), "_HANDLER=bootstrap",
		"AWS_LAMBDA_FUNCTION_NAME=orders-bench-CreateOrderFunction", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/orders-bench/CreateOrder",
		"AWS_LAMBDA_LOG_STREAM_NAME=2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent",
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// process is a bootstrap running under a Runtime API of its own.
type process struct {
	cmd     *exec.Cmd
	api     *runtimeAPI
	exited  chan struct{}
	started time.Time
}

// startProcess starts a bootstrap with first already queued, as a cold
// start is: Lambda starts the environment for an invocation that waits.
// stderr receives what the bootstrap writes there (nil: nothing).
func startProcess(ctx context.Context, bootstrap string, vars map[string]string, first []byte, stderr io.Writer, extraEnv ...string) (*process, *call, error) {
	api, err := startRuntimeAPI(ctx)
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(bootstrap) //nolint:gosec,noctx // The bootstrap this run built; stop ends it.
	cmd.Env = append(lambdaEnv(bootstrap, vars), append(extraEnv, "AWS_LAMBDA_RUNTIME_API="+api.addr)...)
	cmd.Stdout, cmd.Stderr = benchLog, benchLog
	if stderr != nil {
		cmd.Stderr = stderr
	}
	inv := api.invoke(first)
	p := &process{cmd: cmd, api: api, exited: make(chan struct{})}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		api.close()
		return nil, nil, fmt.Errorf("start %s: %w", bootstrap, err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	return p, inv, nil
}

// wait returns the answer to inv and when it arrived.
func (p *process) wait(inv *call) ([]byte, time.Time, error) {
	return p.api.wait(inv, p.exited)
}

// invoke sends one more event and waits for its answer.
func (p *process) invoke(event []byte) ([]byte, error) {
	answer, _, err := p.wait(p.api.invoke(event))
	return answer, err
}

// stop ends the bootstrap and its Runtime API.
func (p *process) stop() {
	_ = p.cmd.Process.Kill()
	<-p.exited
	p.api.close()
}

// benchLog receives what the bootstraps print, to read when an invocation
// fails (BENCH_FUNCTION_LOG names a file); by default, nothing.
var benchLog = func() io.Writer {
	if path := os.Getenv("BENCH_FUNCTION_LOG"); path != "" {
		if f, err := os.Create(path); err == nil { //nolint:gosec // A path the developer names.
			return f
		}
	}
	return io.Discard
}()
