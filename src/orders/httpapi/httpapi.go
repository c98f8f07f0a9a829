// Package httpapi is the orders service's HTTP port: it implements the
// strict server that oapi-codegen generates from api.yaml on top of the
// orders use cases, maps between the API's types and the domain's, and
// answers the domain's errors as problem documents, from one table
// (errors.go).
//
// Every request passes the platform's guards first (HEAD answered as GET,
// bounded JSON bodies, validation against the spec, security headers) and
// is logged once.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/platform/httpguard"
	"github.com/go-sam-blueprint/orders/src/platform/logging"
	"github.com/go-sam-blueprint/orders/src/platform/problem"
)

// MaxBodyBytes bounds a request body. An order is well under 100 bytes.
const MaxBodyBytes = 16 << 10

// New returns the HTTP handler of every operation in api.yaml over svc.
func New(svc Service, log *slog.Logger) (http.Handler, error) {
	if svc == nil || log == nil {
		return nil, errors.New("httpapi: a service and a logger are needed")
	}
	spec, err := api.RequestSpec()
	if err != nil {
		return nil, fmt.Errorf("load embedded api spec: %w", err)
	}
	strict := api.NewStrictHandlerWithOptions(&server{svc: svc}, []api.StrictMiddlewareFunc{noteOperation}, api.StrictHTTPServerOptions{
		// The validator has already read the body; this only fires if the
		// generated decoder disagrees with it.
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			problem.Write(r.Context(), w, httpguard.Undecodable(err))
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			p := problemFor(err)
			if p.Status >= http.StatusInternalServerError {
				// The cause stays in the log, once; the client only learns
				// the request id to quote, and whether to retry.
				log.ErrorContext(r.Context(), "request failed", "error", err)
			}
			problem.Write(r.Context(), w, p)
		},
	})
	mux := api.HandlerWithOptions(strict, api.StdHTTPServerOptions{
		// Parameters have passed validation by now, so this fires only
		// where the generated binding is stricter than the spec: a header
		// sent twice, say.
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			problem.Write(r.Context(), w, problem.Validation([]problem.Field{unboundParam(err)}))
		},
	})
	guarded := httpguard.SecureHeaders(httpguard.HeadAsGet(spec)(httpguard.JSONBodies(MaxBodyBytes)(httpguard.Validate(spec)(mux))))
	return logging.Requests(log)(guarded), nil
}

// noteOperation names the operation on the request's log line.
func noteOperation(next api.StrictHandlerFunc, operation string) api.StrictHandlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, request any) (any, error) {
		logging.Note(ctx, slog.String("operation", operation))
		return next(ctx, w, r, request)
	}
}
