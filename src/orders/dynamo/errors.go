package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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
	if throttled(err) {
		return fmt.Errorf("%w: %w", orders.ErrUnavailable, err)
	}
	return err
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
