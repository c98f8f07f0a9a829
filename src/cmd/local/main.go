// Command local serves the orders API on a developer's machine the way
// `sam local start-api` does, without Docker: every HTTP request becomes
// the API Gateway REST proxy event that the deployed function receives and
// is handed to the same Lambda handler, in the environment that
// template.yaml gives the function. Unless AWS_ENDPOINT_URL_DYNAMODB names
// a DynamoDB already, it starts moto_server and creates the template's
// tables; it serves the feature flags file through a stand-in of the
// AppConfig Agent extension.
//
// The function's log and metric lines go to stdout, as in Lambda; the
// runner's own lines go to stderr.
//
// It stands in for the template's Cognito user pool too, on PORT+1, with
// the users alice and bob: API Gateway's authorizer is emulated, so a
// request needs a token as deployed.
//
// Usage: make run. PARAMETER_OVERRIDES sets the template's parameters as
// sam deploy --parameter-overrides does (CorsAllowOrigin=...). PORT
// (3000; 0 picks a free port), TEMPLATE
// (template.yaml), SPEC (api.yaml) and FLAGS_FILE (src/orders/flags.json)
// override defaults. `local tables` (make tables) only creates the
// template's tables in the DynamoDB that AWS_ENDPOINT_URL_DYNAMODB names,
// for sam local and DynamoDB Local. `local token` (make token) prints an
// access token from the user pool of the make run on PORT: of user AS
// (alice), with the scopes SCOPE (all).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/api/openapi"
	"github.com/go-sam-blueprint/orders/src/app"
	"github.com/go-sam-blueprint/orders/src/local/gateway"
	"github.com/go-sam-blueprint/orders/src/local/motoserver"
	"github.com/go-sam-blueprint/orders/src/local/sam"
	"github.com/go-sam-blueprint/orders/src/local/xraydaemon"
	"github.com/go-sam-blueprint/orders/src/platform/apidocs"
	"github.com/go-sam-blueprint/orders/src/platform/config"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", command(), err)
		os.Exit(1)
	}
}

// command names what the developer ran, for the errors it prints.
func command() string {
	switch {
	case len(os.Args) > 1 && os.Args[1] == "tables":
		return "make tables"
	case len(os.Args) > 1 && os.Args[1] == "token":
		return "make token"
	case os.Getenv("EVENT") != "":
		return "make invoke"
	}
	return "make run"
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stdout, nil)))
	if len(os.Args) > 1 && os.Args[1] == "token" {
		return tokenOnly(ctx)
	}
	tmpl, err := sam.Load(getenv("TEMPLATE", "template.yaml"))
	if err != nil {
		return err
	}
	// The stack's parameters, as sam deploy and sam local take them:
	// PARAMETER_OVERRIDES="CorsAllowOrigin=http://localhost:5173".
	if overrides := os.Getenv("PARAMETER_OVERRIDES"); overrides != "" {
		values, err := sam.ParseParameterOverrides(overrides)
		if err != nil {
			return err
		}
		if err := tmpl.SetParameters(values); err != nil {
			return fmt.Errorf("PARAMETER_OVERRIDES: %w", err)
		}
	}
	switch {
	case len(os.Args) > 1 && os.Args[1] == "tables":
		return tablesOnly(ctx, tmpl)
	case os.Getenv("EVENT") != "":
		return invokeOnly(ctx, tmpl, os.Getenv("EVENT"))
	}
	return serveAPI(ctx, tmpl, getenv("PORT", "3000"))
}

// serveAPI is make run: the API on port, until Ctrl-C.
func serveAPI(ctx context.Context, tmpl *sam.Template, port string) error {
	// Claim the port first, so that a busy port fails before anything starts.
	listener, err := (&net.ListenConfig{}).Listen(ctx, "tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return fmt.Errorf("%w (set PORT to use another port)", err)
	}
	defer listener.Close()
	pool, pools, err := startUserPool(ctx, tmpl, port)
	if err != nil {
		return err
	}
	defer pool.Stop() //nolint:errcheck,contextcheck // Stop bounds its own shutdown; on the way out nothing is left to report to.
	env, err := startEnvironment(ctx, tmpl)
	if err != nil {
		return err
	}
	defer env.stop()
	h, err := env.fns.gateway(getenv("SPEC", "api.yaml"), tmpl, pools)
	if err != nil {
		return err
	}
	url := "http://" + listener.Addr().String()
	token := "make -s token"
	if port != "3000" {
		token = "PORT=" + port + " " + token
	}
	fmt.Fprintf(os.Stderr, "Orders API on %s (try: curl -H \"Authorization: Bearer $(%s)\" %s/api/orders; docs: %s/swagger)\n"+
		"DynamoDB: %s\nFeature flags: %s (edits apply within %s)\nX-Ray: %s\n%s\nCtrl-C stops it.\n",
		url, token, url, url, env.dynamo, env.flagsPath, env.cfg.AppConfig.MaxAge, env.xray, describePool(pool))
	return serve(ctx, &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, listener)
}

// invokeOnly is make invoke: one event through its function.
func invokeOnly(ctx context.Context, tmpl *sam.Template, event string) error {
	env, err := startEnvironment(ctx, tmpl)
	if err != nil {
		return err
	}
	defer env.stop()
	return invoke(ctx, env.fns, event)
}

// environment is what the functions run in locally: the feature flags'
// agent, a DynamoDB with the template's tables, an X-Ray daemon, and the
// variables the template gives them.
type environment struct {
	fns       *functions
	cfg       config.Config
	flagsPath string
	dynamo    string     // which DynamoDB, for the start-up lines
	xray      xrayDaemon // where the trace documents go
	stops     []func()
}

// startEnvironment starts what the functions need, then the functions.
func startEnvironment(ctx context.Context, tmpl *sam.Template) (env *environment, err error) {
	env = &environment{flagsPath: getenv("FLAGS_FILE", "src/orders/flags.json")}
	defer func() {
		if err != nil {
			env.stop()
		}
	}()
	agentURL, stopAgent, err := startAgent(ctx, env.flagsPath)
	if err != nil {
		return nil, err
	}
	env.stops = append(env.stops, stopAgent)
	setDefault("APPCONFIG_AGENT_URL", agentURL)

	dynamo, stopDynamo, err := localDynamoDB(ctx)
	if err != nil {
		return nil, err
	}
	env.dynamo, env.stops = dynamo, append(env.stops, stopDynamo)
	if env.xray, err = localXRay(ctx); err != nil {
		return nil, err
	}
	env.stops = append(env.stops, func() { _ = env.xray.Stop() })

	if err := setFunctionEnv(tmpl); err != nil {
		return nil, err
	}
	if err := createTables(ctx, tmpl); err != nil {
		return nil, err
	}
	if env.cfg, err = config.Load(); err != nil {
		return nil, err
	}
	if env.fns, err = newFunctions(ctx, env.cfg); err != nil {
		return nil, err
	}
	return env, nil
}

// stop stops what startEnvironment started, the last first.
func (env *environment) stop() {
	for i := len(env.stops) - 1; i >= 0; i-- {
		env.stops[i]()
	}
}

// functions are the template's functions, in this process: the orders
// service (one handler for every operation) and the docs.
type functions struct {
	orders, docs lambdahttp.Func
}

func newFunctions(ctx context.Context, cfg config.Config) (*functions, error) {
	orders, err := app.New(ctx, cfg, os.Stdout)
	if err != nil {
		return nil, err
	}
	spec, err := openapi.Document()
	if err != nil {
		return nil, fmt.Errorf("load embedded api spec: %w", err)
	}
	docsHandler, err := apidocs.New(spec, apidocs.Assets())
	if err != nil {
		return nil, err
	}
	return &functions{orders: orders, docs: lambdahttp.Adapt(docsHandler)}, nil
}

// gateway is the API Gateway stand-in in front of the functions. It routes
// by api.yaml itself, as API Gateway imports it (the code's embedded copy
// leaves out the docs operations), to each function of the template with
// that function's timeout: the docs function serves the docs, and every
// other function is the orders bootstrap, which serves every operation.
func (f *functions) gateway(specPath string, tmpl *sam.Template, pools map[string]gateway.UserPool) (http.Handler, error) {
	spec, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", specPath, err)
	}
	timeouts, err := tmpl.Timeouts()
	if err != nil {
		return nil, err
	}
	fns := map[string]gateway.Function{}
	for id, timeout := range timeouts {
		invoke := gateway.Invoke(f.orders)
		if id == "DocsFunction" {
			invoke = gateway.Invoke(f.docs)
		}
		fns[id] = gateway.Function{Invoke: invoke, Timeout: timeout}
	}
	g, err := gateway.New(spec, gateway.Options{AccessLog: os.Stderr, Functions: fns, UserPools: pools, Template: tmpl})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// invoke runs one event file through its function, as `sam local invoke
// -e` does, and prints the proxy response on stdout.
func invoke(ctx context.Context, f *functions, path string) error {
	raw, err := os.ReadFile(path) //nolint:gosec // The event file the developer named.
	if err != nil {
		return fmt.Errorf("read event: %w", err)
	}
	var event events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &event); err != nil {
		return fmt.Errorf("event %s is not an API Gateway REST proxy event: %w", path, err)
	}
	fn := f.orders
	if strings.HasPrefix(event.Path, "/swagger") {
		fn = f.docs
	}
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       uuid.NewString(),
		InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:local",
	})
	resp, err := fn(ctx, event)
	if err != nil {
		return fmt.Errorf("function error: %w", err)
	}
	out, err := json.MarshalIndent(resp, "", "  ")
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	fmt.Println(string(out))
	return nil
}

// serve runs srv until ctx is done, then shuts it down gracefully.
func serve(ctx context.Context, srv *http.Server, listener net.Listener) error {
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(listener) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(os.Stderr, "Stopping.")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// localDynamoDB starts moto_server unless AWS_ENDPOINT_URL_DYNAMODB names a
// DynamoDB already. It returns a description of the one in use and how to
// stop what was started.
func localDynamoDB(ctx context.Context) (string, func(), error) {
	// Local DynamoDBs accept any credentials; never send real ones.
	setDefault("AWS_ACCESS_KEY_ID", "local")
	setDefault("AWS_SECRET_ACCESS_KEY", "local")
	setDefault("AWS_REGION", "us-east-1")
	if endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"); endpoint != "" {
		return endpoint + " (from AWS_ENDPOINT_URL_DYNAMODB)", func() {}, nil
	}
	fmt.Fprintln(os.Stderr, "Starting a local DynamoDB (moto_server)...")
	srv, err := motoserver.Start(ctx)
	if err != nil {
		return "", nil, err
	}
	_ = os.Setenv("AWS_ENDPOINT_URL_DYNAMODB", srv.Endpoint)
	stop := func() {
		if err := srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "make run:", err)
		}
	}
	return "moto_server at " + srv.Endpoint + " (started for this run; its data goes when it stops)", stop, nil
}

// localXRay starts the X-Ray daemon stand-in, which checks every document
// the function sends and says on stderr what it rejects, unless
// AWS_XRAY_DAEMON_ADDRESS names a daemon already (a test's own). It
// returns where the documents go.
func localXRay(ctx context.Context) (xrayDaemon, error) {
	if addr := os.Getenv("AWS_XRAY_DAEMON_ADDRESS"); addr != "" {
		return xrayDaemon{addr: addr}, nil
	}
	d, err := xraydaemon.Start(ctx, xraydaemon.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))))
	if err != nil {
		return xrayDaemon{}, fmt.Errorf("start the X-Ray daemon stand-in: %w", err)
	}
	setDefault("AWS_XRAY_DAEMON_ADDRESS", d.Addr())
	return xrayDaemon{addr: d.Addr(), own: d}, nil
}

// xrayDaemon is where the function's trace documents go.
type xrayDaemon struct {
	addr string
	own  *xraydaemon.Daemon // nil for a daemon of someone else's
}

func (x xrayDaemon) String() string {
	if x.own == nil {
		return "documents go to the daemon at " + x.addr
	}
	return "stand-in daemon at " + x.addr + " (checks every document, warns here of a bad one)"
}

// Stop stops the stand-in this runner started.
func (x xrayDaemon) Stop() error {
	if x.own == nil {
		return nil
	}
	return x.own.Stop()
}

// setFunctionEnv gives this process the environment that template.yaml
// and Lambda give the function; a variable already set in the shell wins,
// as with `sam local --env-vars`.
func setFunctionEnv(tmpl *sam.Template) error {
	vars, err := tmpl.Environment()
	if err != nil {
		return fmt.Errorf("function environment: %w", err)
	}
	// One process serves every function: each invocation's Lambda context
	// names its own function, as api.yaml routes it.
	vars["AWS_LAMBDA_FUNCTION_NAME"] = "local"
	vars["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
	for k, v := range vars {
		setDefault(k, v)
	}
	return nil
}

// setDefault sets an environment variable that is not set yet.
func setDefault(key, value string) {
	if _, set := os.LookupEnv(key); !set {
		_ = os.Setenv(key, value)
	}
}

// tablesOnly creates the template's tables in the DynamoDB that
// AWS_ENDPOINT_URL_DYNAMODB names, and says which.
func tablesOnly(ctx context.Context, tmpl *sam.Template) error {
	endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB")
	if endpoint == "" {
		return errors.New("set AWS_ENDPOINT_URL_DYNAMODB to the DynamoDB to create the tables in (DynamoDB Local: http://127.0.0.1:8000)")
	}
	setDefault("AWS_ACCESS_KEY_ID", "local")
	setDefault("AWS_SECRET_ACCESS_KEY", "local")
	setDefault("AWS_REGION", "us-east-1")
	if err := createTables(ctx, tmpl); err != nil {
		return fmt.Errorf("%w (is a DynamoDB listening at %s?)", err, endpoint)
	}
	tables, err := tmpl.Tables()
	if err != nil {
		return err
	}
	for i := range tables {
		fmt.Fprintf(os.Stderr, "Table %s is in %s\n", tables[i].LogicalID, endpoint)
	}
	return nil
}

func createTables(ctx context.Context, tmpl *sam.Template) error {
	tables, err := tmpl.Tables()
	if err != nil {
		return err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS configuration: %w", err)
	}
	return motoserver.CreateTables(ctx, dynamodb.NewFromConfig(awsCfg), tables, "")
}

func getenv(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
