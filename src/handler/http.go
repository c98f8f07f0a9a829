package handler

import (
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/go-sam-blueprint/orders/src/api"
)

// maxBodyBytes bounds a request body. An order is well under 100 bytes.
const maxBodyBytes = 16 << 10

// New returns the HTTP handler for every operation in api.yaml, with each
// request validated against the spec before the operation runs.
func New(svc Service) (http.Handler, error) {
	if svc == nil {
		return nil, errors.New("handler: nil service")
	}
	spec, err := api.GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("load embedded api spec: %w", err)
	}
	strict := api.NewStrictHandlerWithOptions(&server{svc: svc}, nil, api.StrictHTTPServerOptions{
		// The validator has already read the body; this only fires if the
		// generated decoder disagrees with it.
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeProblem(r.Context(), w, invalidJSON(err))
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeProblem(r.Context(), w, problemFor(r.Context(), err))
		},
	})
	mux := api.HandlerWithOptions(strict, api.StdHTTPServerOptions{
		// Parameters have passed validation by now, so this only fires if
		// the generated binding disagrees with the validator.
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			invalid := api.InvalidParam{Detail: "is not valid"}
			if pe, ok := errors.AsType[*api.InvalidParamFormatError](err); ok {
				invalid.Parameter = &pe.ParamName
			}
			writeProblem(r.Context(), w, validationProblem([]api.InvalidParam{invalid}))
		},
	})
	return secureHeaders(jsonBodies(validator(spec)(mux))), nil
}

// secureHeaders sets the headers every answer carries: an API response is
// never to be sniffed as another type, nor cached.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// jsonBodies bounds request bodies and reads a body without a Content-Type
// as JSON, which the Python cookbook's clients rely on. Any other media type
// is refused with 415.
func jsonBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBodyBytes {
			writeProblem(r.Context(), w, bodyTooLarge())
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if r.ContentLength != 0 {
			ct := r.Header.Get("Content-Type")
			if ct == "" {
				r.Header.Set("Content-Type", "application/json")
			} else if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
				writeProblem(r.Context(), w, newProblem(http.StatusUnsupportedMediaType, typeBlank, "", "send the body as application/json"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
