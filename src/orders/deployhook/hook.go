// Package deployhook is the orders service's pre-traffic hook: before
// CodeDeploy shifts any traffic to the new versions of the orders
// functions, it invokes each of them with the sample events under events/,
// holds every answer to api.yaml, and reports Succeeded or Failed to
// CodeDeploy, which rolls the deployment back on Failed
// (docs/deployment.md, "Gradual deployments").
//
// It tests the functions from outside, as API Gateway calls them: through
// Lambda, never by running their code. It acts as a reserved caller
// (Caller), never as a customer, and deletes the order it creates.
package deployhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/platform/config"
	"github.com/go-sam-blueprint/orders/src/platform/logging"
)

// Event is what CodeDeploy sends a lifecycle hook: the deployment and the
// hook execution to report on. It names no function or version; the hook
// finds the versions in its environment (Functions).
type Event struct {
	DeploymentID                  string `json:"DeploymentId"`
	LifecycleEventHookExecutionID string `json:"LifecycleEventHookExecutionId"`
}

// Invoker invokes a Lambda function: *lambda.Client, or a fake in tests.
type Invoker interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Reporter tells CodeDeploy a hook's outcome: *codedeploy.Client, or a
// fake in tests.
type Reporter interface {
	PutLifecycleEventHookExecutionStatus(ctx context.Context, in *codedeploy.PutLifecycleEventHookExecutionStatusInput, opts ...func(*codedeploy.Options)) (*codedeploy.PutLifecycleEventHookExecutionStatusOutput, error)
}

// Config is what the hook's function reads from its environment.
type Config struct {
	Functions Functions
	// AWS is the function's region and credentials, which Lambda sets.
	AWS config.AWS
	// LogLevel is the function's application log level (LoggingConfig).
	LogLevel config.Level `env:"AWS_LAMBDA_LOG_LEVEL" envDefault:"INFO"`
}

// Time the hook keeps for its report: the checks stop this long before the
// invocation's deadline, so that CodeDeploy hears Failed rather than
// waiting an hour for a hook that timed out.
const (
	reportReserve = 5 * time.Second
	reportTimeout = 4 * time.Second
)

// Hook runs the pre-traffic checks and reports them.
type Hook struct {
	invoker   Invoker
	reporter  Reporter
	functions Functions
	answers   *answers
	log       *slog.Logger
	// newKey returns the Idempotency-Key of a run's create: a new one for
	// each run, so that runs in parallel (one per deployment group) or a
	// retried run never replay one another's order.
	newKey func() string
}

// New returns the hook, which invokes functions through invoker, reports
// through reporter and logs to log.
func New(invoker Invoker, reporter Reporter, functions Functions, log *slog.Logger) (*Hook, error) {
	a, err := newAnswers()
	if err != nil {
		return nil, err
	}
	return &Hook{
		invoker: invoker, reporter: reporter, functions: functions, answers: a, log: log,
		newKey: func() string { return Caller + "-" + uuid.NewString() },
	}, nil
}

// Handle runs the checks and reports their outcome to CodeDeploy, exactly
// once, whatever happened: Succeeded when every new version answered as
// api.yaml allows, Failed otherwise, the hook's own errors and panics
// included. It returns an error only when the event names nothing to
// report to or the report failed; Lambda then retries the (asynchronous)
// invocation, and each run creates and deletes an order of its own.
func (h *Hook) Handle(ctx context.Context, e Event) error {
	if e.DeploymentID == "" || e.LifecycleEventHookExecutionID == "" {
		return fmt.Errorf("deployhook: the event %+v names no deployment and hook execution to report to", e)
	}
	ctx = logging.With(ctx, slog.String("deployment_id", e.DeploymentID))
	status := types.LifecycleEventStatusSucceeded
	if err := h.check(ctx); err != nil {
		status = types.LifecycleEventStatusFailed
		h.log.ErrorContext(ctx, "the new versions failed the pre-traffic checks: CodeDeploy rolls the deployment back", slog.String("error", err.Error()))
	} else {
		h.log.InfoContext(ctx, "the new versions passed the pre-traffic checks")
	}
	return h.report(ctx, e, status)
}

// check runs the checks, a panic being a failure, and stops them in time
// for the report.
func (h *Hook) check(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("deployhook: the checks panicked: %v", r)
		}
	}()
	cancel := func() {}
	if deadline, ok := ctx.Deadline(); ok {
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-reportReserve))
	}
	defer cancel()
	return h.run(ctx)
}

func (h *Hook) report(ctx context.Context, e Event, status types.LifecycleEventStatus) error {
	// The checks' context may be done; the report must still go.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	_, err := h.reporter.PutLifecycleEventHookExecutionStatus(ctx, &codedeploy.PutLifecycleEventHookExecutionStatusInput{
		DeploymentId:                  aws.String(e.DeploymentID),
		LifecycleEventHookExecutionId: aws.String(e.LifecycleEventHookExecutionID),
		Status:                        status,
	})
	if err != nil {
		return fmt.Errorf("deployhook: report %s to CodeDeploy: %w", status, err)
	}
	h.log.InfoContext(ctx, "reported to CodeDeploy", slog.String("status", string(status)))
	return nil
}

// errNoOrderID is a create's answer without the new order's id.
var errNoOrderID = errors.New("the answer names no order id")
