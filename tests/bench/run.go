package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/go-sam-blueprint/orders/src/app"
	"github.com/go-sam-blueprint/orders/src/local/motoserver"
	"github.com/go-sam-blueprint/orders/src/local/sam"
	"github.com/go-sam-blueprint/orders/src/orders/dynamo/dynamotest"
	"github.com/go-sam-blueprint/orders/src/platform/config"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
	"github.com/go-sam-blueprint/orders/src/platform/tracing"
	"github.com/go-sam-blueprint/orders/src/platform/tracing/invocation"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// The budgets of issue 7, in the units the table prints.
const (
	budgetColdRatio     = 1.5
	budgetOverheadP50   = 100 * time.Microsecond
	budgetZipBytes      = 5 << 20
	budgetPeakRSSBytes  = 25 << 20
	rieVersion          = "v0.0.0-20261030222936-bef5c4ba774d"
	coldRuns            = 41
	rssRequests         = 1000
	overheadRounds      = 5
	overheadPerRound    = 1000
	warmIterations      = 200
	smokeWarmIterations = 20
)

// row is one line of the results table.
type row struct {
	measure, value, budget string
	// ok is false when the value misses its budget.
	ok bool
}

type report struct {
	rows []row
}

// only, when set, limits a run to the measures whose names contain it.
var only string

func wanted(name string) bool { return only == "" || strings.Contains(name, only) }

func (r *report) add(measure, value, budget string, ok bool) {
	r.rows = append(r.rows, row{measure, value, budget, ok})
	mark := ""
	if budget != "" && !ok {
		mark = "   <-- over budget"
	}
	fmt.Fprintf(os.Stderr, "  %-52s %-28s %s%s\n", measure, value, budget, mark)
}

func (r *report) missed() []string {
	var out []string
	for _, row := range r.rows {
		if row.budget != "" && !row.ok {
			out = append(out, row.measure)
		}
	}
	return out
}

func run(smoke bool, out string) error {
	ctx := context.Background()
	work, err := os.MkdirTemp("", "bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	fmt.Fprintln(os.Stderr, "bench: starting moto_server and the template's tables...")
	moto, err := motoserver.Start(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = moto.Stop() }()
	r := &report{}
	fmt.Fprintln(os.Stderr, "bench: measuring")
	measures := []struct {
		name  string
		smoke bool
		run   func(t tables) error
	}{
		{"round trips", true, func(t tables) error { return roundTrips(ctx, r, t) }},
		{"size", true, func(tables) error { return packageSizes(ctx, r, work) }},
		{"warm", true, func(t tables) error {
			return warmLatency(ctx, r, t, pick(smoke, smokeWarmIterations, warmIterations))
		}},
		{"overhead", false, func(tables) error { return overhead(ctx, r) }},
		{"go bench", false, func(tables) error { return goBench(ctx, r) }},
		{"cold", false, func(t tables) error { return coldPath(ctx, r, work, t) }},
		{"rss", false, func(t tables) error { return peakRSS(ctx, r, work, t) }},
	}
	for i, m := range measures {
		if (smoke && !m.smoke) || !wanted(m.name) {
			continue
		}
		t, err := newTables(ctx, moto.Endpoint, fmt.Sprintf("bench%d-", i))
		if err != nil {
			return err
		}
		if err := m.run(t); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
	}
	if out != "" {
		if err := writeMarkdown(ctx, filepath.Join(repo.Root(), out), r); err != nil {
			return err
		}
	}
	if missed := r.missed(); len(missed) > 0 {
		return fmt.Errorf("over budget: %s", strings.Join(missed, "; "))
	}
	fmt.Fprintln(os.Stderr, "bench: every budget met")
	return nil
}

func pick(smoke bool, small, full int) int {
	if smoke {
		return small
	}
	return full
}

// tables are the template's tables in moto_server, under a prefix. Each
// measure gets fresh ones: moto copies every table a transaction touches,
// so its transactions, and with them the orders function's creates, slow
// down as earlier measures fill the tables; DynamoDB's do not.
type tables struct {
	endpoint, prefix string
}

func newTables(ctx context.Context, endpoint, prefix string) (tables, error) {
	tmpl, err := sam.Load(filepath.Join(repo.Root(), "template.yaml"))
	if err != nil {
		return tables{}, err
	}
	defs, err := tmpl.Tables()
	if err != nil {
		return tables{}, err
	}
	db := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", ""),
	})
	if err := motoserver.CreateTables(ctx, db, defs, prefix); err != nil {
		return tables{}, err
	}
	return tables{endpoint: endpoint, prefix: prefix}, nil
}

// env is the function's environment, as Lambda would give it, for these
// tables and no AppConfig agent: the flags fall back to their defaults
// after one refused connection. Tracing is on, as deployed; the emulator
// samples nothing, so no document is sent to the daemon's address, and
// what is measured is what tracing costs an unsampled request.
func (t tables) env() map[string]string {
	return map[string]string{
		"ORDERS_TABLE_NAME": t.prefix + "OrdersTable", "IDEMPOTENCY_TABLE_NAME": t.prefix + "IdempotencyTable",
		"APPCONFIG_APPLICATION": "a", "APPCONFIG_ENVIRONMENT": "e", "APPCONFIG_PROFILE": "p",
		"APPCONFIG_AGENT_URL": "http://127.0.0.1:9", "APPCONFIG_MAX_AGE_SECONDS": "3600",
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
		"AWS_ENDPOINT_URL_DYNAMODB": t.endpoint, "AWS_LAMBDA_FUNCTION_TIMEOUT": "10",
		"TRACING_EXPORTER": "xray", "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
	}
}

// counter counts the HTTP requests, that is the DynamoDB round trips.
type counter struct {
	next  http.RoundTripper
	calls atomic.Int64
}

func (c *counter) RoundTrip(req *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	return c.next.RoundTrip(req)
}

// function is the orders function in this process, with its DynamoDB
// traffic through client.
func function(ctx context.Context, client *http.Client, t tables, opts ...func(*dynamodb.Options)) (lambdahttp.Func, error) {
	cfg, err := config.LoadFrom(t.env())
	if err != nil {
		return nil, err
	}
	return app.New(ctx, cfg, io.Discard, append(opts, func(o *dynamodb.Options) { o.HTTPClient = client })...)
}

func loadEvent(name string) (events.APIGatewayProxyRequest, error) {
	var e events.APIGatewayProxyRequest
	raw, err := os.ReadFile(filepath.Join(repo.Root(), "events", name))
	if err != nil {
		return e, err
	}
	err = json.Unmarshal(raw, &e)
	return e, err
}

// requests builds the events of each operation.
type requests struct {
	create, get, del, list events.APIGatewayProxyRequest
}

// creates numbers the creates of a run, so that no two bodies are alike
// and none is a replay of another measure's.
var creates atomic.Int64

func newRequests() (*requests, error) {
	var q requests
	var err error
	for name, e := range map[string]*events.APIGatewayProxyRequest{
		"create_order.json": &q.create, "get_order.json": &q.get, "delete_order.json": &q.del, "list_orders.json": &q.list,
	} {
		if *e, err = loadEvent(name); err != nil {
			return nil, err
		}
	}
	return &q, nil
}

// newCreate is a create with a body of its own, so that it is no replay.
func (q *requests) newCreate() events.APIGatewayProxyRequest {
	e := q.create
	n := creates.Add(1)
	e.Body = fmt.Sprintf(`{"customer_name":"Bench %d","order_item_count":%d}`, n/1000, n%1000+1)
	return e
}

func (q *requests) forID(e events.APIGatewayProxyRequest, id string) events.APIGatewayProxyRequest {
	e.Path = "/api/orders/" + id
	e.PathParameters = map[string]string{"orderId": id}
	return e
}

// invoke runs one event and requires a 200.
func invoke(ctx context.Context, fn lambdahttp.Func, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	resp, err := fn(ctx, e)
	if err != nil {
		return resp, err
	}
	if resp.StatusCode != http.StatusOK {
		return resp, fmt.Errorf("%s %s: %d: %s", e.HTTPMethod, e.Path, resp.StatusCode, resp.Body)
	}
	return resp, nil
}

func orderID(resp events.APIGatewayProxyResponse) string {
	var o struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal([]byte(resp.Body), &o)
	return o.ID
}

// roundTrips counts the DynamoDB calls of each operation against moto.
func roundTrips(ctx context.Context, r *report, t tables) error {
	c := &counter{next: http.DefaultTransport}
	fn, err := function(ctx, &http.Client{Transport: c}, t)
	if err != nil {
		return err
	}
	q, err := newRequests()
	if err != nil {
		return err
	}
	create := q.newCreate()
	// Warm the flags' first (failed) fetch, which is no DynamoDB call.
	created, err := invoke(ctx, fn, create)
	if err != nil {
		return err
	}
	id := orderID(created)
	c.calls.Store(0)
	steps := []struct {
		name  string
		event events.APIGatewayProxyRequest
		max   int64
	}{
		{"first create", q.newCreate(), 2},
		{"replay", create, 1},
		{"get", q.forID(q.get, id), 1},
		{"delete", q.forID(q.del, id), 1},
		{"list", q.list, 1},
	}
	for i := range steps {
		s := &steps[i]
		if _, err := invoke(ctx, fn, s.event); err != nil {
			return err
		}
		n := c.calls.Swap(0)
		r.add("DynamoDB round trips: "+s.name, strconv.FormatInt(n, 10), fmt.Sprintf("≤ %d", s.max), n <= s.max)
	}
	return nil
}

// packageSizes zips each function's bootstrap as sam package does.
func packageSizes(ctx context.Context, r *report, work string) error {
	out := filepath.Join(work, "artifacts")
	tmpl, err := sam.Load(filepath.Join(repo.Root(), "template.yaml"))
	if err != nil {
		return err
	}
	var fns []string
	for id := range tmpl.Resources {
		if tmpl.Resources[id].Type == "AWS::Serverless::Function" {
			fns = append(fns, id)
		}
	}
	slices.Sort(fns)
	for _, fn := range fns {
		dir := filepath.Join(out, fn)
		cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", repo.Root(), "build-"+fn, "ARTIFACTS_DIR="+dir)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("make build-%s: %w\n%s", fn, err, msg)
		}
		size, err := zipSize(filepath.Join(dir, "bootstrap"))
		if err != nil {
			return err
		}
		r.add("zipped package: "+fn+" (arm64)", mb(size), "≤ 5.0 MB", size <= budgetZipBytes)
	}
	return nil
}

func zipSize(path string) (int64, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // The bootstrap this run built.
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("bootstrap")
	if err != nil {
		return 0, err
	}
	if _, err := w.Write(raw); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return int64(buf.Len()), nil
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d.Nanoseconds())/1000) }

// warmLatency times each operation end to end against moto_server.
func warmLatency(ctx context.Context, r *report, t tables, n int) error {
	fn, err := function(ctx, &http.Client{}, t)
	if err != nil {
		return err
	}
	q, err := newRequests()
	if err != nil {
		return err
	}
	if _, err := invoke(ctx, fn, q.newCreate()); err != nil { // warm-up
		return err
	}
	ids := make([]string, 0, n)
	times := map[string][]time.Duration{}
	timed := func(name string, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		start := time.Now()
		resp, err := invoke(ctx, fn, e)
		times[name] = append(times[name], time.Since(start))
		return resp, err
	}
	for range n {
		resp, err := timed("create", q.newCreate())
		if err != nil {
			return err
		}
		ids = append(ids, orderID(resp))
	}
	for _, id := range ids {
		if _, err := timed("get", q.forID(q.get, id)); err != nil {
			return err
		}
		if _, err := timed("list", q.list); err != nil {
			return err
		}
	}
	for _, id := range ids {
		if _, err := timed("delete", q.forID(q.del, id)); err != nil {
			return err
		}
	}
	for _, op := range []string{"create", "get", "delete", "list"} {
		d := times[op]
		r.add(fmt.Sprintf("warm latency vs moto_server: %s (n=%d)", op, len(d)),
			fmt.Sprintf("p50 %s, p99 %s", ms(percentile(d, 0.5)), ms(percentile(d, 0.99))), "", true)
	}
	return nil
}

// overhead times creates with DynamoDB answered in process: what the
// function itself costs, with every utility on and the SDK's own request
// building and parsing; as deployed (spans are not recorded in process),
// and with spans recorded and exported at the end of each invocation, as
// a bootstrap built with TAGS=otlp does, to an exporter that discards
// them. The two alternate in rounds, and each is judged by its fastest
// round: on a shared machine, a slower round measures the neighbours.
func overhead(ctx context.Context, r *report) error {
	fake := tables{endpoint: "http://dynamodb.test"}
	deployed, err := function(ctx, dynamotest.NewTransport().Client(), fake)
	if err != nil {
		return err
	}
	exporting, err := invocation.NewTracerProvider(tracetest.NewNoopExporter(), "orders")
	if err != nil {
		return err
	}
	traced, err := function(ctx, dynamotest.NewTransport().Client(), fake,
		func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, tracing.AWSMiddleware) })
	if err != nil {
		return err
	}
	defer otel.SetTracerProvider(otel.GetTracerProvider())
	variants := []struct {
		measure string
		fn      lambdahttp.Func
		tracer  trace.TracerProvider
	}{
		{"handler overhead: create p50", deployed, noop.NewTracerProvider()},
		{"handler overhead, spans exported (TAGS=otlp): create p50", flushing(traced, exporting.ForceFlush), exporting},
	}
	q, err := newRequests()
	if err != nil {
		return err
	}
	p50s := make([][]time.Duration, len(variants))
	all := make([][]time.Duration, len(variants))
	for round := range overheadRounds + 1 {
		for i, v := range variants {
			otel.SetTracerProvider(v.tracer)
			d, err := timeCreates(ctx, q, v.fn)
			if err != nil {
				return err
			}
			if round == 0 {
				continue // warm-up
			}
			p50s[i] = append(p50s[i], percentile(d, 0.5))
			all[i] = append(all[i], d...)
		}
	}
	for i, v := range variants {
		slices.Sort(p50s[i])
		best, worst := p50s[i][0], p50s[i][len(p50s[i])-1]
		r.add(fmt.Sprintf("%s (best of %d rounds of %d)", v.measure, overheadRounds, overheadPerRound),
			fmt.Sprintf("%s (rounds %s–%s; p99 %s)", us(best), us(best), us(worst), us(percentile(all[i], 0.99))),
			"≤ 100 µs", best <= budgetOverheadP50)
	}
	return nil
}

// timeCreates times overheadPerRound creates, one by one.
func timeCreates(ctx context.Context, q *requests, fn lambdahttp.Func) ([]time.Duration, error) {
	d := make([]time.Duration, 0, overheadPerRound)
	for range overheadPerRound {
		e := q.newCreate()
		start := time.Now()
		if _, err := invoke(ctx, fn, e); err != nil {
			return nil, err
		}
		d = append(d, time.Since(start))
	}
	return d, nil
}

// flushing runs flush after each invocation of fn, as httpapi.Lambda does
// with the exporter's flush.
func flushing(fn lambdahttp.Func, flush func(context.Context) error) lambdahttp.Func {
	return func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		resp, err := fn(ctx, e)
		if ferr := flush(ctx); ferr != nil {
			return resp, ferr
		}
		return resp, err
	}
}

var benchLine = regexp.MustCompile(`^Benchmark(\w+)-\d+\s+\d+\s+([\d.]+) ns/op\s+(\d+) B/op\s+(\d+) allocs/op`)

// goBench runs the package's Go benchmarks for ns, bytes and allocations per
// operation.
func goBench(ctx context.Context, r *report) error {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "3000x", "./src/app")
	cmd.Dir = repo.Root()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go test -bench: %w\n%s", err, out)
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		if m := benchLine.FindStringSubmatch(line); m != nil {
			ns, _ := strconv.ParseFloat(m[2], 64)
			r.add("go test -bench: "+m[1], fmt.Sprintf("%s/op, %s B/op, %s allocs/op", us(time.Duration(ns)), m[3], m[4]), "", true)
		}
	}
	return nil
}

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

// rie builds the AWS Lambda Runtime Interface Emulator.
func rie(ctx context.Context, work string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@"+rieVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+work)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the Runtime Interface Emulator: %w\n%s", err, msg)
	}
	return filepath.Join(work, "aws-lambda-rie"), nil
}

// lambdaEnv is the environment a bootstrap gets here: the function's
// variables and PATH, and none of this shell's settings (an AWS profile, a
// CA bundle, shared config files, GOGC), which would slow the bare
// handler's LoadDefaultConfig, or either bootstrap, as they never do in
// Lambda. The shared files are pointed nowhere, as Lambda has none. (The
// CPU is not Lambda's: a 256 MB function gets a fraction of a vCPU, the
// bench all of this machine.)
func lambdaEnv(vars map[string]string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent",
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// lambda is a bootstrap running under the emulator.
type lambda struct {
	cmd    *exec.Cmd
	invoke string
}

func freePort(ctx context.Context) (string, error) {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

func startLambda(ctx context.Context, rieBin, bootstrap string, t tables) (*lambda, error) {
	p1, err := freePort(ctx)
	if err != nil {
		return nil, err
	}
	p2, err := freePort(ctx)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, rieBin, "--runtime-interface-emulator-address", "127.0.0.1:"+p1,
		"--runtime-api-address", "127.0.0.1:"+p2, bootstrap)
	cmd.Env = lambdaEnv(t.env())
	cmd.Stdout, cmd.Stderr = benchLog, benchLog
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the emulator: %w", err)
	}
	return &lambda{cmd: cmd, invoke: "http://127.0.0.1:" + p1 + "/2015-03-31/functions/function/invocations"}, nil
}

func (l *lambda) stop() {
	_ = l.cmd.Process.Kill()
	_ = l.cmd.Wait()
}

// call sends one invocation; while the emulator is still starting, it
// tries again at once.
func (l *lambda) call(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	var resp events.APIGatewayProxyResponse
	body, err := json.Marshal(e)
	if err != nil {
		return resp, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.invoke, bytes.NewReader(body))
		if err != nil {
			return resp, err
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			if time.Now().After(deadline) {
				return resp, fmt.Errorf("the emulator did not answer: %w", err)
			}
			time.Sleep(200 * time.Microsecond)
			continue
		}
		raw, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if err != nil {
			return resp, err
		}
		if err := json.Unmarshal(raw, &resp); err != nil || resp.StatusCode != http.StatusOK {
			return resp, fmt.Errorf("invocation failed: %s", raw)
		}
		return resp, nil
	}
}

// binaries are what the emulator runs: itself, the orders bootstrap and the
// bare baseline, built for this machine once a run.
type binaries struct {
	rie, ours, bare string
}

var built *binaries

func buildBinaries(ctx context.Context, work string) (*binaries, error) {
	if built != nil {
		return built, nil
	}
	rieBin, err := rie(ctx, work)
	if err != nil {
		return nil, err
	}
	b := &binaries{rie: rieBin, ours: filepath.Join(work, "orders", "bootstrap"), bare: filepath.Join(work, "baseline", "bootstrap")}
	if err := build(ctx, "./src/cmd/orders", b.ours); err != nil {
		return nil, err
	}
	if err := build(ctx, "./tests/bench/baseline", b.bare); err != nil {
		return nil, err
	}
	built = b
	return b, nil
}

// coldPath times process start to the first answer of a create, for the
// orders bootstrap and for the bare baseline, alternating A and B.
func coldPath(ctx context.Context, r *report, work string, t tables) error {
	bins, err := buildBinaries(ctx, work)
	if err != nil {
		return err
	}
	rieBin, ours, bare := bins.rie, bins.ours, bins.bare
	q, err := newRequests()
	if err != nil {
		return err
	}
	first := func(bootstrap string) (time.Duration, error) {
		start := time.Now()
		l, err := startLambda(ctx, rieBin, bootstrap, t)
		if err != nil {
			return 0, err
		}
		defer l.stop()
		if _, err := l.call(ctx, q.newCreate()); err != nil {
			return 0, err
		}
		return time.Since(start), nil
	}
	var a, b []time.Duration
	timed := func(bootstrap string, into *[]time.Duration) func() error {
		return func() error {
			d, err := first(bootstrap)
			*into = append(*into, d)
			return err
		}
	}
	for i := range coldRuns {
		// Each goes first in every other pair, so that neither always
		// follows the other's exit.
		pair := []func() error{timed(ours, &a), timed(bare, &b)}
		if i%2 == 1 {
			slices.Reverse(pair)
		}
		for _, run := range pair {
			if err := run(); err != nil {
				return err
			}
		}
	}
	// The ratio pair by pair, A and B run back to back, holds when the
	// machine's speed drifts during the run; its median is the figure.
	ratios := make([]float64, len(a))
	for i := range a {
		ratios[i] = float64(a[i]) / float64(b[i])
	}
	slices.Sort(ratios)
	ratio := ratios[len(ratios)/2]
	r.add(fmt.Sprintf("cold path to first create: orders (median of %d)", coldRuns), ms(percentile(a, 0.5)), "", true)
	r.add(fmt.Sprintf("cold path to first create: bare handler, with LoadDefaultConfig (median of %d)", coldRuns), ms(percentile(b, 0.5)), "", true)
	r.add("cold path ratio orders / bare (median of pairs)", fmt.Sprintf("%.2f× (%.2f–%.2f)", ratio, ratios[0], ratios[len(ratios)-1]),
		"≤ 1.5×", ratio <= budgetColdRatio)
	return nil
}

// peakRSS serves 1,000 requests under the emulator and reads the
// bootstrap's peak resident memory.
func peakRSS(ctx context.Context, r *report, work string, t tables) error {
	bins, err := buildBinaries(ctx, work)
	if err != nil {
		return err
	}
	bootstrap := bins.ours
	l, err := startLambda(ctx, bins.rie, bootstrap, t)
	if err != nil {
		return err
	}
	defer l.stop()
	q, err := newRequests()
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
		resp, err := l.call(ctx, e)
		if err != nil {
			return err
		}
		if e.HTTPMethod == http.MethodPost {
			id = orderID(resp)
		}
	}
	hwm, err := bootstrapPeakRSS(bootstrap)
	if err != nil {
		return err
	}
	r.add(fmt.Sprintf("peak RSS after %d requests", rssRequests), mb(hwm), "≤ 25 MB", hwm <= budgetPeakRSSBytes)
	return nil
}

// bootstrapPeakRSS finds the running bootstrap and reads its VmHWM.
func bootstrapPeakRSS(bootstrap string) (int64, error) {
	procs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		return 0, err
	}
	for _, p := range procs {
		raw, err := os.ReadFile(p) //nolint:gosec // /proc files.
		if err != nil || !bytes.HasPrefix(raw, []byte(bootstrap+"\x00")) && string(raw) != bootstrap {
			continue
		}
		status, err := os.ReadFile(filepath.Join(filepath.Dir(p), "status")) //nolint:gosec // /proc files.
		if err != nil {
			continue
		}
		for line := range strings.SplitSeq(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, errors.New("the bootstrap process was not found under /proc")
}

// benchLog receives what the emulated functions print, to read when an
// invocation fails.
var benchLog = func() io.Writer {
	if path := os.Getenv("BENCH_FUNCTION_LOG"); path != "" {
		if f, err := os.Create(path); err == nil { //nolint:gosec // A path the developer names.
			return f
		}
	}
	return io.Discard
}()
