package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
	"github.com/go-sam-blueprint/orders/src/orders"
)

// Problem types of this API, documented in docs/problems.md. Every other
// problem is about:blank: its status code says it all.
const (
	problemTypeBase        = "https://github.com/go-sam-blueprint/orders/blob/main/docs/problems.md#"
	typeBlank              = "about:blank"
	typeValidation         = problemTypeBase + "validation-error"
	typeInvalidJSON        = problemTypeBase + "invalid-json"
	typeInvalidPageToken   = problemTypeBase + "invalid-next-token"
	typeKeyReused          = problemTypeBase + "idempotency-key-reused"
	typeInProgress         = problemTypeBase + "idempotency-in-progress"
	problemContentType     = "application/problem+json"
	titleValidation        = "The request is not valid."
	titleInvalidJSON       = "The request body is not valid JSON."
	titleInvalidPageToken  = "The next_token is not valid."
	detailInvalidPageToken = "next_token must be a next_token this API returned, unchanged; start again without it"
)

// newProblem returns a problem of the given type; about:blank problems take
// the status text as their title, as RFC 9457 asks.
func newProblem(status int, typ, title, detail string) api.Problem {
	if typ == typeBlank {
		title = http.StatusText(status)
	}
	p := api.Problem{Type: typ, Title: title, Status: status}
	if detail != "" {
		p.Detail = &detail
	}
	return p
}

// writeError answers an error from the orders logic. This is the one place
// where domain errors become HTTP answers.
func (h *httpHandler) writeError(ctx context.Context, w http.ResponseWriter, err error) {
	var p api.Problem
	switch {
	case errors.Is(err, orders.ErrNotFound):
		p = newProblem(http.StatusNotFound, typeBlank, "", "no order has this id")
	case errors.Is(err, orders.ErrInvalidPageToken):
		p = newProblem(http.StatusBadRequest, typeInvalidPageToken, titleInvalidPageToken, detailInvalidPageToken)
	case errors.Is(err, idempotency.ErrPayloadMismatch):
		p = newProblem(http.StatusUnprocessableEntity, typeKeyReused, "The Idempotency-Key was used with another request.",
			"send a new Idempotency-Key for a different order")
	default:
		if inProgress, ok := errors.AsType[*idempotency.InProgressError](err); ok {
			seconds := int(inProgress.RetryAfter.Seconds())
			w.Header().Set("Retry-After", strconv.Itoa(seconds))
			p = newProblem(http.StatusConflict, typeInProgress, "A request with this Idempotency-Key is in progress.",
				fmt.Sprintf("retry after %d seconds", seconds))
			break
		}
		// The cause stays in the log, once; the client only learns the
		// request id to quote, and whether to retry.
		h.log.ErrorContext(ctx, "request failed", "error", err)
		p = serverProblem(ctx, w, err)
	}
	writeProblem(ctx, w, p)
}

// throttleRetryAfter is what a throttled client is told to wait, in
// seconds: the SDK has already retried with backoff, and DynamoDB's
// throttling clears within seconds as on-demand capacity adapts.
const throttleRetryAfter = 1

// serverProblem answers a failure that is not the client's: 503 with
// Retry-After when DynamoDB throttled the call (after the SDK's own retries
// gave up), 504 when the invocation ran out of time, 500 otherwise. None
// says more than its status.
func serverProblem(ctx context.Context, w http.ResponseWriter, err error) api.Problem {
	switch {
	case throttled(err):
		w.Header().Set("Retry-After", strconv.Itoa(throttleRetryAfter))
		return newProblem(http.StatusServiceUnavailable, typeBlank, "",
			fmt.Sprintf("the service is busy; retry after %d second", throttleRetryAfter))
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), ctx.Err() != nil:
		return newProblem(http.StatusGatewayTimeout, typeBlank, "", "the request did not finish in time")
	}
	return newProblem(http.StatusInternalServerError, typeBlank, "", "")
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

// writeProblem answers with p as application/problem+json, tagged with the
// request id so that a client can quote it.
func writeProblem(ctx context.Context, w http.ResponseWriter, p api.Problem) {
	if id := requestID(ctx); id != "" {
		p.Instance = &id
	}
	body, err := json.Marshal(p)
	if err != nil {
		// A Problem always marshals; this guards against a future field that does not.
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
		p.Status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", problemContentType)
	w.WriteHeader(p.Status)
	_, _ = w.Write(body) // The client has gone if this fails; nothing is left to tell it.
}

// requestID is API Gateway's id of the request, the correlation id that
// its access logs carry too; "" outside API Gateway.
func requestID(ctx context.Context) string {
	if gw, ok := core.GetAPIGatewayContextFromContext(ctx); ok {
		return gw.RequestID
	}
	return ""
}
