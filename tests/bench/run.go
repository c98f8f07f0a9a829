package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
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

	"github.com/go-sam-blueprint/orders/src/app"
	"github.com/go-sam-blueprint/orders/src/local/motoserver"
	"github.com/go-sam-blueprint/orders/src/local/sam"
	"github.com/go-sam-blueprint/orders/src/platform/config"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
	"github.com/go-sam-blueprint/orders/tests/repo"
)

// The budgets (issues 7 and 16), in the units the table prints.
const (
	budgetColdRatio     = 1.25
	budgetOverheadP50   = 100 * time.Microsecond
	budgetOverheadRatio = 2.0
	budgetZipBytes      = 5 << 20
	budgetPeakRSSBytes  = 25 << 20
	budgetRoundTrips    = 1
)

// The counts of a full run, and of the smoke that make test runs.
const (
	coldWarmPairs       = 2
	coldPairCount       = 61
	profileRuns         = 11
	rssRequests         = 1000
	overheadRounds      = 9
	overheadPerRound    = 1000
	overheadBlock       = 50
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
	// profile is where the cold path goes (profile.go), when measured.
	profile *coldProfile
	// load is the machine's load average at the start and at the end.
	loadBefore, loadAfter string
}

// options are a run's settings (main's flags).
type options struct {
	// smoke runs small counts and only the machine-independent measures.
	smoke bool
	// out is where the results are written, relative to the repository;
	// "" writes them nowhere.
	out string
	// only, when set, limits a run to the measures whose names contain it.
	only string
	// bootstrap, when set, is the orders bootstrap to run instead of one
	// built from src/cmd/orders.
	bootstrap string
}

func (o options) wanted(name string) bool { return o.only == "" || strings.Contains(name, o.only) }

func (r *report) add(measure, value, budget string, ok bool) {
	r.rows = append(r.rows, row{measure, value, budget, ok})
	mark := ""
	if budget != "" && !ok {
		mark = "   <-- over budget"
	}
	fmt.Fprintf(os.Stderr, "  %-58s %-36s %s%s\n", measure, value, budget, mark)
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

func run(opts options) error {
	ctx := context.Background()
	r := &report{loadBefore: loadAverage()}
	fmt.Fprintf(os.Stderr, "bench: %s (%s)\n", r.loadBefore, cores())
	work, err := os.MkdirTemp("", "bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	oursOverride = opts.bootstrap

	fmt.Fprintln(os.Stderr, "bench: starting moto_server and the AppConfig agent stand-in...")
	env, err := newBenchEnv(ctx)
	if err != nil {
		return err
	}
	defer env.close()
	fmt.Fprintln(os.Stderr, "bench: measuring")
	measures := []struct {
		name  string
		smoke bool
		run   func(t tables) error
	}{
		// The in-process measures first, while the machine has only its
		// own load: the others start processes and fill moto_server.
		{"overhead", false, func(tables) error { return overhead(ctx, r, env) }},
		{"round trips", true, func(t tables) error { return roundTrips(ctx, r, env, work, t) }},
		{"size", true, func(tables) error { return packageSizes(ctx, r, work) }},
		{"warm", true, func(t tables) error {
			return warmLatency(ctx, r, env, t, pick(opts.smoke, smokeWarmIterations, warmIterations))
		}},
		{"go bench", false, func(tables) error { return goBench(ctx, r) }},
		{"cold", false, func(tables) error { return coldPath(ctx, r, env, work) }},
		{"rss", false, func(t tables) error { return peakRSS(ctx, r, env, work, t) }},
	}
	for i, m := range measures {
		if (opts.smoke && !m.smoke) || !opts.wanted(m.name) {
			continue
		}
		t, err := env.freshTables(ctx, fmt.Sprintf("bench%d-", i))
		if err != nil {
			return err
		}
		if err := m.run(t); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
	}
	r.loadAfter = loadAverage()
	fmt.Fprintf(os.Stderr, "bench: %s at the end (%s)\n", r.loadAfter, cores())
	if opts.out != "" {
		out := opts.out
		if !filepath.IsAbs(out) {
			out = filepath.Join(repo.Root(), out)
		}
		if err := writeMarkdown(ctx, out, r); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "bench: recorded in", opts.out)
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

// benchEnv is what every measure shares: moto_server with the template's
// table definitions, the AppConfig agent stand-in, and the functions'
// variables from template.yaml.
type benchEnv struct {
	moto   *motoserver.Server
	agent  *agent
	db     *dynamodb.Client
	tables []sam.Table
	vars   map[string]string
}

func newBenchEnv(ctx context.Context) (*benchEnv, error) {
	tmpl, err := sam.Load(filepath.Join(repo.Root(), "template.yaml"))
	if err != nil {
		return nil, err
	}
	defs, err := tmpl.Tables()
	if err != nil {
		return nil, err
	}
	vars, err := tmpl.Environment()
	if err != nil {
		return nil, err
	}
	moto, err := motoserver.Start(ctx)
	if err != nil {
		return nil, err
	}
	ag, err := startAgent(ctx)
	if err != nil {
		_ = moto.Stop()
		return nil, err
	}
	db := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(moto.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", ""),
	})
	return &benchEnv{moto: moto, agent: ag, db: db, tables: defs, vars: vars}, nil
}

func (e *benchEnv) close() {
	e.agent.close()
	_ = e.moto.Stop()
}

// tables are the template's tables in moto_server, under a prefix. Each
// measure, and each pair of cold starts, gets fresh ones: moto copies
// every table a transaction touches, so its transactions, and with them
// the creates, slow down as the tables fill; DynamoDB's do not.
type tables struct {
	env    *benchEnv
	prefix string
}

func (e *benchEnv) freshTables(ctx context.Context, prefix string) (tables, error) {
	if err := motoserver.CreateTables(ctx, e.db, e.tables, prefix); err != nil {
		return tables{}, err
	}
	return tables{env: e, prefix: prefix}, nil
}

// drop deletes the tables, so that moto_server holds only the ones in use.
func (t tables) drop(ctx context.Context) error {
	for i := range t.env.tables {
		name := t.prefix + aws.ToString(t.env.tables[i].Create.TableName)
		if _, err := t.env.db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &name}); err != nil {
			return fmt.Errorf("delete table %s: %w", name, err)
		}
	}
	return nil
}

// functionVars is the create function's environment, as Lambda gives it,
// for tables: template.yaml's variables, the tables' names, the AppConfig
// agent stand-in (a cold create fetches its flags, as in Lambda), the
// credentials and region Lambda sets, and moto_server as DynamoDB.
// Tracing is on, as deployed; the Runtime API's trace header says
// unsampled, so no document is sent to the daemon's address, and what is
// measured is what tracing costs an unsampled request.
func (e *benchEnv) functionVars(t tables) map[string]string {
	vars := maps.Clone(e.vars)
	maps.Copy(vars, map[string]string{
		"ORDERS_TABLE_NAME": t.prefix + "OrdersTable", "IDEMPOTENCY_TABLE_NAME": t.prefix + "IdempotencyTable",
		"APPCONFIG_AGENT_URL":   e.agent.url,
		"APPCONFIG_APPLICATION": "orders", "APPCONFIG_ENVIRONMENT": "bench", "APPCONFIG_PROFILE": "flags",
		"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_SESSION_TOKEN": "bench",
		"AWS_ENDPOINT_URL_DYNAMODB": e.moto.Endpoint, "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
	})
	return vars
}

// function is the orders function in this process, with its DynamoDB
// traffic through client.
func function(ctx context.Context, client *http.Client, vars map[string]string, opts ...func(*dynamodb.Options)) (lambdahttp.Func, error) {
	cfg, err := config.LoadFrom(vars)
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
func warmLatency(ctx context.Context, r *report, env *benchEnv, t tables, n int) error {
	fn, err := function(ctx, &http.Client{}, env.functionVars(t))
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
