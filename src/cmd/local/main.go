// Command local serves the orders API on a developer's machine the way
// `sam local start-api` does, without Docker: every HTTP request becomes
// the API Gateway REST proxy event that the deployed function receives and
// is handed to the same Lambda handler. Unless AWS_ENDPOINT_URL_DYNAMODB
// names a DynamoDB already, it starts moto_server and creates the tables
// that template.yaml defines.
//
// Usage: go run ./src/cmd/local  (or make run); PORT overrides 3000.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/app"
	"github.com/go-sam-blueprint/orders/src/config"
	"github.com/go-sam-blueprint/orders/src/gateway"
	"github.com/go-sam-blueprint/orders/src/localdynamo"
	"github.com/go-sam-blueprint/orders/src/sam"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "make run:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stdout, nil)))
	templatePath := getenv("TEMPLATE", "template.yaml")
	port := getenv("PORT", "3000")

	tmpl, err := sam.Load(templatePath)
	if err != nil {
		return err
	}
	// Claim the port first, so that a busy port fails before anything starts.
	listener, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return fmt.Errorf("%w (set PORT to use another port)", err)
	}
	defer listener.Close()

	dynamo, stopDynamo, err := localDynamoDB(ctx)
	if err != nil {
		return err
	}
	defer stopDynamo()

	if err := setFunctionEnv(tmpl); err != nil {
		return err
	}
	if err := createTables(ctx, tmpl); err != nil {
		return err
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	invoke, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	spec, err := api.GetSwagger()
	if err != nil {
		return fmt.Errorf("load embedded api spec: %w", err)
	}
	srv := &http.Server{
		Handler: gateway.New(spec, gateway.Invoke(invoke), gateway.Options{
			FunctionName: "OrdersFunction",
			AccessLog:    os.Stderr,
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	url := "http://" + listener.Addr().String()
	fmt.Fprintf(os.Stderr, "Orders API on %s (try: curl %s/api/orders)\nDynamoDB: %s\nCtrl-C stops it.\n", url, url, dynamo)

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(listener) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(os.Stderr, "Stopping.")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
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
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": "us-east-1"} {
		if os.Getenv(k) == "" {
			_ = os.Setenv(k, v)
		}
	}
	if endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"); endpoint != "" {
		return endpoint + " (from AWS_ENDPOINT_URL_DYNAMODB)", func() {}, nil
	}
	fmt.Fprintln(os.Stderr, "Starting a local DynamoDB (moto_server)...")
	srv, err := localdynamo.Start(ctx)
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

// setFunctionEnv gives this process the environment that template.yaml
// gives the functions; a variable already set in the shell wins, as with
// `sam local --env-vars`.
func setFunctionEnv(tmpl *sam.Template) error {
	vars, err := tmpl.Environment()
	if err != nil {
		return fmt.Errorf("function environment: %w", err)
	}
	for k, v := range vars {
		if _, set := os.LookupEnv(k); !set {
			_ = os.Setenv(k, v)
		}
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
	return localdynamo.CreateTables(ctx, dynamodb.NewFromConfig(awsCfg), tables, "")
}

func getenv(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
