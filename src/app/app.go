// Package app builds the orders service from its configuration: the one
// place where the layers are wired together, for the Lambda entry point and
// for the local runner alike.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/orders/dynamo"
	"github.com/go-sam-blueprint/orders/src/orders/httpapi"
	"github.com/go-sam-blueprint/orders/src/platform/config"
	"github.com/go-sam-blueprint/orders/src/platform/cors"
	"github.com/go-sam-blueprint/orders/src/platform/flags"
	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
	"github.com/go-sam-blueprint/orders/src/platform/lambdahttp"
	"github.com/go-sam-blueprint/orders/src/platform/logging"
	"github.com/go-sam-blueprint/orders/src/platform/metrics"
	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

// The SDK's retries of a failed DynamoDB call (throttled, 5xx, dropped
// connection): 3 attempts in all, with jittered backoff of at most 1 s
// each, so at most 2 s of waiting in a 10 s function. Each attempt is cut
// short by the invocation's deadline too (lambdahttp.Lambda), so a call
// never outlives the function: when DynamoDB keeps failing, the client gets
// a 503 or 504 problem in time, and retries.
const (
	maxAttempts = 3
	maxBackoff  = time.Second
	// baseDelay is DynamoDB's own (the SDK's default for other services is
	// 50 ms); throttling errors back off from 1 s, within maxBackoff.
	baseDelay = 25 * time.Millisecond
)

func newRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
		o.BaseDelay = baseDelay
	})
}

// New returns the Lambda handler of the orders service, writing its logs
// and metrics to out (stdout in Lambda, where CloudWatch Logs reads both).
// The DynamoDB client is built from cfg.AWS, the endpoint included, so the
// same binary talks to AWS or to a local DynamoDB; dbOpts change its
// options last (tests and benchmarks give it an HTTP client of their own).
func New(ctx context.Context, cfg config.Config, out io.Writer, dbOpts ...func(*dynamodb.Options)) (lambdahttp.Func, error) {
	log := logging.New(out, cfg.LogLevel,
		slog.String("service", cfg.ServiceName),
		slog.String("function_version", cfg.FunctionVersion))
	emitter, err := metrics.NewEmitter(out, cfg.MetricsNamespace, cfg.ServiceName)
	if err != nil {
		return nil, err
	}
	flushTraces, _, err := tracing.Setup(ctx, tracing.Options{
		Exporter: cfg.TracingExporter, Service: cfg.ServiceName, DaemonAddress: string(cfg.XRayDaemonAddress),
	})
	if err != nil {
		return nil, err
	}
	db := newDynamoDB(cfg.AWS, cfg.TracingExporter != "none", dbOpts...)

	records, err := idempotency.NewRecords(cfg.IdempotencyTable, cfg.IdempotencyTTL)
	if err != nil {
		return nil, fmt.Errorf("idempotency: %w", err)
	}
	store, err := dynamo.NewStore(db, cfg.OrdersTable, records)
	if err != nil {
		return nil, fmt.Errorf("orders store: %w", err)
	}
	source, err := flags.NewSource(cfg.AppConfig.AgentURL, cfg.AppConfig.Application, cfg.AppConfig.Environment,
		cfg.AppConfig.Profile, cfg.AppConfig.MaxAge, log)
	if err != nil {
		return nil, fmt.Errorf("feature flags: %w", err)
	}
	svc, err := orders.NewService(store, orders.WithFlags(source))
	if err != nil {
		return nil, fmt.Errorf("orders service: %w", err)
	}
	h, err := httpapi.New(svc, log)
	if err != nil {
		return nil, fmt.Errorf("http handler: %w", err)
	}
	// The allowed origin may read every answer of the function; API
	// Gateway marks its own answers and the preflights (docs/cors.md).
	h = cors.Headers(cfg.CORSAllowOrigin)(h)
	return lambdahttp.Lambda(h, lambdahttp.Telemetry{
		Log: log, Metrics: emitter, FlushTraces: flushTraces, Service: cfg.ServiceName,
	}), nil
}

// newDynamoDB builds the client from config.AWS alone, without the SDK's
// config package (config.AWS says why, and docs/configuration.md which of
// the SDK's variables that leaves out).
func newDynamoDB(env config.AWS, traced bool, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	o := dynamodb.Options{
		Region:      env.Region,
		Credentials: credentials.NewStaticCredentialsProvider(env.AccessKeyID, string(env.SecretAccessKey), string(env.SessionToken)),
		Retryer:     newRetryer(),
	}
	if endpoint := env.ResolvedDynamoDBEndpoint(); endpoint != "" {
		o.BaseEndpoint = aws.String(endpoint)
	}
	if env.UseFIPSEndpoint {
		o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
	}
	if env.UseDualStackEndpoint {
		o.EndpointOptions.UseDualStackEndpoint = aws.DualStackEndpointStateEnabled
	}
	if traced {
		o.APIOptions = append(o.APIOptions, tracing.AWSMiddleware)
	}
	return dynamodb.New(o, opts...)
}
