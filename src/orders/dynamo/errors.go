package dynamo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
)

// translate turns what DynamoDB and the idempotency records answered into
// the domain's errors: this is the one place that knows which DynamoDB
// failures mean what to the domain. A call that ctx cut short says so, as
// a context error; anything else it does not know stays as it is, an
// internal failure.
func translate(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		// The deadline ended the call, whatever the SDK made of it.
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	if errors.Is(err, idempotency.ErrPayloadMismatch) {
		return orders.ErrIdempotencyKeyReused
	}
	if inProgress, ok := errors.AsType[*idempotency.InProgressError](err); ok {
		return &orders.ConflictError{RetryAfter: inProgress.RetryAfter}
	}
	if throttled(err) || unreachable(err) {
		return fmt.Errorf("%w: %w", orders.ErrUnavailable, err)
	}
	return err
}

// unreachable reports whether err means DynamoDB could not be reached or
// failed on its side, after the SDK's retries: the connection refused,
// reset or timed out, the answer cut short, or DynamoDB's own 5xx. A
// retry later may well succeed, and nothing in the request is at fault:
// issue 15, finding 4 asked for one answer to one failure, 503 with
// Retry-After, where it had been a 500 or a 503 by the luck of the SDK's
// retry budget. Only what is left, a request DynamoDB refused as invalid
// or a table that does not exist, is the service's own bug, a 500.
func unreachable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false // the function's own deadline (a 504), which is a net.Error too
	}
	if _, ok := errors.AsType[*smithyhttp.RequestSendError](err); ok {
		return true
	}
	if _, ok := errors.AsType[*smithy.DeserializationError](err); ok {
		return true // the answer was cut short or garbled on the way
	}
	// DynamoDB's own 5xx. (The status is a number here: this package
	// knows DynamoDB, not HTTP.)
	if respErr, ok := errors.AsType[*awshttp.ResponseError](err); ok && respErr.HTTPStatusCode() >= 500 {
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// throttleCodes are the error codes of throttling answers that the SDK
// knows (ProvisionedThroughputExceededException, ThrottlingException,
// RequestLimitExceeded, ...) and unmodelled 429s.
var throttleCodes = retry.IsErrorThrottles(retry.DefaultThrottles)

// throttled reports whether err means DynamoDB (or the SDK's own retry
// budget) turned the call away for now: a retry later will do.
func throttled(err error) bool {
	if throttleCodes.IsErrorThrottle(err).Bool() {
		return true
	}
	// The SDK's client-side retry quota is spent: DynamoDB has been
	// failing for a while, and retries wait until calls succeed again.
	if _, ok := errors.AsType[ratelimit.QuotaExceededError](err); ok {
		return true
	}
	// A transaction whose item was throttled is cancelled, not retried by
	// the SDK.
	if canceled, ok := errors.AsType[*types.TransactionCanceledException](err); ok {
		for _, r := range canceled.CancellationReasons {
			if aws.ToString(r.Code) == "ThrottlingError" {
				return true
			}
		}
	}
	return false
}
