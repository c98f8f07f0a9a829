package httpapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/platform/problem"
)

// The problem types of this API beyond the platform's, documented in
// docs/problems.md.
var (
	typeInvalidPageToken = problem.Type("invalid-next-token")
	typeKeyReused        = problem.Type("idempotency-key-reused")
	typeInProgress       = problem.Type("idempotency-in-progress")
)

// unavailableRetryAfter is what a client is told to wait, in seconds, when
// the storage turned it away: the SDK has already retried with backoff,
// and DynamoDB's throttling clears within seconds as on-demand capacity
// adapts.
const unavailableRetryAfter = 1

// answers is the one table from the domain's errors to the answers a
// client sees, in the order they are tried. An error none of them matches
// is a 500 that reveals nothing.
var answers = []struct {
	match  func(error) bool
	answer func(error) problem.Problem
}{
	// Only reached when the edge let a request through without a verified
	// caller (an API deployed without its authorizer, or sam local
	// start-api, which runs no Cognito authorizer): no one owns anything.
	{is(orders.ErrNoOwner), always(problem.Problem{
		Type: problem.TypeBlank, Title: http.StatusText(http.StatusUnauthorized), Status: http.StatusUnauthorized,
		Detail: "send an access token of the API's user pool", Challenge: "Bearer",
	})},
	{is(orders.ErrNotFound), always(problem.Status(http.StatusNotFound, "no order has this id"))},
	{is(orders.ErrInvalidPageToken), always(problem.New(http.StatusBadRequest, typeInvalidPageToken, "The next_token is not valid.",
		"next_token must be a next_token this API returned, unchanged; start again without it"))},
	{is(orders.ErrIdempotencyKeyReused), always(problem.New(http.StatusUnprocessableEntity, typeKeyReused,
		"The Idempotency-Key was used with another request.", "send a new Idempotency-Key for a different order"))},
	{isType[*orders.ConflictError], conflict},
	{isType[*orders.InvalidError], invalid},
	{is(orders.ErrUnavailable), always(problem.Problem{
		Type: problem.TypeBlank, Title: http.StatusText(http.StatusServiceUnavailable), Status: http.StatusServiceUnavailable,
		Detail: fmt.Sprintf("the service is busy; retry after %d second", unavailableRetryAfter), RetryAfter: unavailableRetryAfter,
	})},
	// The invocation's deadline (see lambdahttp) ran out first.
	{is(context.DeadlineExceeded, context.Canceled), always(problem.Status(http.StatusGatewayTimeout, "the request did not finish in time"))},
}

// problemFor answers err, an error of the orders use cases.
func problemFor(err error) problem.Problem {
	for _, a := range answers {
		if a.match(err) {
			return a.answer(err)
		}
	}
	return problem.Status(http.StatusInternalServerError, "")
}

func conflict(err error) problem.Problem {
	e, _ := errors.AsType[*orders.ConflictError](err)
	seconds := max(1, int(math.Ceil(e.RetryAfter.Seconds())))
	p := problem.New(http.StatusConflict, typeInProgress, "A request with this Idempotency-Key is in progress.",
		fmt.Sprintf("retry after %d seconds", seconds))
	p.RetryAfter = seconds
	return p
}

// fieldsOf names, for each field of the domain's rules, the part of the
// request that carries it.
var fieldsOf = map[string]problem.Field{
	orders.FieldCustomerName:   {Pointer: "#/customer_name"},
	orders.FieldItemCount:      {Pointer: "#/order_item_count"},
	orders.FieldPageSize:       {Parameter: "limit"},
	orders.FieldPageToken:      {Parameter: "next_token"},
	orders.FieldIdempotencyKey: {Parameter: "Idempotency-Key"},
}

func invalid(err error) problem.Problem {
	e, _ := errors.AsType[*orders.InvalidError](err)
	fields := make([]problem.Field, len(e.Violations))
	for i, v := range e.Violations {
		fields[i] = fieldsOf[v.Field]
		fields[i].Detail = v.Reason
	}
	return problem.Validation(fields)
}

func is(targets ...error) func(error) bool {
	return func(err error) bool {
		for _, t := range targets {
			if errors.Is(err, t) {
				return true
			}
		}
		return false
	}
}

func isType[T error](err error) bool {
	_, ok := errors.AsType[T](err)
	return ok
}

func always(p problem.Problem) func(error) problem.Problem {
	return func(error) problem.Problem { return p }
}

// mustBe says what a parameter of a type other than string must be, for
// when it does not bind to its type. A test holds it to api.yaml.
var mustBe = map[string]string{
	"orderId": "must be a UUID",
	"limit":   "must be an integer",
}

// unboundParam names the parameter of r that the generated binding
// refused. A query parameter sent twice is refused too: the spec gives it
// one value, and which of the two the client meant is a guess.
func unboundParam(r *http.Request, err error) problem.Field {
	if e, ok := errors.AsType[*api.TooManyValuesForParamError](err); ok {
		return problem.Field{Parameter: e.ParamName, Detail: "must be sent once"}
	}
	if e, ok := errors.AsType[*api.InvalidParamFormatError](err); ok {
		if len(r.URL.Query()[e.ParamName]) > 1 {
			return problem.Field{Parameter: e.ParamName, Detail: "must be sent once"}
		}
		return problem.Field{Parameter: e.ParamName, Detail: cmp.Or(mustBe[e.ParamName], "is not valid")}
	}
	if e, ok := errors.AsType[*api.UnmarshalingParamError](err); ok {
		return problem.Field{Parameter: e.ParamName, Detail: cmp.Or(mustBe[e.ParamName], "is not valid")}
	}
	if e, ok := errors.AsType[*api.RequiredParamError](err); ok {
		return problem.Field{Parameter: e.ParamName, Detail: "is required"}
	}
	if e, ok := errors.AsType[*api.RequiredHeaderError](err); ok {
		return problem.Field{Parameter: e.ParamName, Detail: "is required"}
	}
	return problem.Field{Detail: "is not valid"}
}
