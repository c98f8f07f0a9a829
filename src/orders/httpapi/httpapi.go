// Package httpapi is the orders service's HTTP port: it implements the
// strict server that oapi-codegen generates from api.yaml on top of the
// orders use cases, maps between the API's types and the domain's, and
// answers the domain's errors as problem documents, from one table
// (errors.go).
//
// Every request passes the platform's guards first (HEAD answered as GET,
// bounded JSON bodies, routes, bodies decoded strictly into the spec's
// types, security headers) and is logged once. No validator runs, at the
// edge or here: the generated routes, parameter types and body types carry
// the spec's shapes, the domain keeps the rules the spec states, and a
// fuzz test holds the verdicts to a validator's on the whole spec
// (docs/validation-and-errors.md). The function links no OpenAPI library:
// its cold start is the shorter for it (docs/performance.md).
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/google/uuid"

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
	strict := api.NewStrictHandlerWithOptions(&server{svc: svc}, []api.StrictMiddlewareFunc{noteOperation}, api.StrictHTTPServerOptions{
		// StrictBodies has already decoded the body; this only fires if the
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
	mux := http.NewServeMux()
	api.HandlerWithOptions(strict, api.StdHTTPServerOptions{
		BaseRouter: mux,
		// Bodies are looked at once the route is known: a request that
		// matches none is a 404 or 405 whatever it carries. The last
		// middleware runs first.
		Middlewares: []api.MiddlewareFunc{httpguard.StrictBodies(bodies), httpguard.JSONBodies(MaxBodyBytes), canonicalIDs},
		// A parameter that does not bind to its type: an order id that
		// is no UUID, a limit that is no integer, a header sent twice.
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			problem.Write(r.Context(), w, problem.Validation([]problem.Field{unboundParam(r, err)}))
		},
	})
	guarded := httpguard.SecureHeaders(httpguard.HeadAsGet(httpguard.Routes(mux)))
	return logging.Requests(log)(guarded), nil
}

// bodies are the types that api.yaml gives the operations' request bodies,
// by the route the generated server registers each on. A test holds it to
// the spec: an operation added with a body and left out here fails it.
var bodies = map[string]func() any{
	"POST /api/orders": func() any { return new(api.CreateOrderJSONRequestBody) },
}

// canonicalIDs refuses an order id that the generated binding takes but
// the spec's format (uuid) does not: uuid.Parse also reads an id without
// its hyphens, in braces or after urn:uuid:, none of which is the
// 36-character form (RFC 9562, section 4) that the API issues.
func canonicalIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.PathValue("orderId"); id != "" && len(id) != len(uuid.Nil.String()) {
			problem.Write(r.Context(), w, problem.Validation([]problem.Field{{Parameter: "orderId", Detail: mustBe["orderId"]}}))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// noteOperation names the operation on the request's log line.
func noteOperation(next api.StrictHandlerFunc, operation string) api.StrictHandlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, request any) (any, error) {
		logging.Note(ctx, slog.String("operation", operation))
		return next(ctx, w, r, request)
	}
}
