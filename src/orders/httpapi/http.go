package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/go-sam-blueprint/orders/src/api"
)

// undecodable answers a body that passed validation but does not decode
// into the generated types: JSON Schema counts 1.0 and 1e2 as integers,
// Go's int does not.
func undecodable(err error) api.Problem {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
		pointer := jsonPointer(strings.Split(te.Field, "."))
		return validationProblem([]api.InvalidParam{{Pointer: &pointer, Detail: "must be written as a whole number, without a fraction or an exponent"}})
	}
	return invalidJSON(err)
}

// unboundParam names the parameter that the generated binding refused.
func unboundParam(err error) api.InvalidParam {
	if e, ok := errors.AsType[*api.TooManyValuesForParamError](err); ok {
		return api.InvalidParam{Parameter: &e.ParamName, Detail: "must be sent once"}
	}
	if e, ok := errors.AsType[*api.InvalidParamFormatError](err); ok {
		return api.InvalidParam{Parameter: &e.ParamName, Detail: "is not valid"}
	}
	if e, ok := errors.AsType[*api.UnmarshalingParamError](err); ok {
		return api.InvalidParam{Parameter: &e.ParamName, Detail: "is not valid"}
	}
	if e, ok := errors.AsType[*api.RequiredParamError](err); ok {
		return api.InvalidParam{Parameter: &e.ParamName, Detail: "is required"}
	}
	if e, ok := errors.AsType[*api.RequiredHeaderError](err); ok {
		return api.InvalidParam{Parameter: &e.ParamName, Detail: "is required"}
	}
	return api.InvalidParam{Detail: "is not valid"}
}

// maxBodyBytes bounds a request body. An order is well under 100 bytes.
const maxBodyBytes = 16 << 10

// httpHandler holds what the HTTP layer shares across requests.
type httpHandler struct {
	log *slog.Logger
}

// New returns the HTTP handler for every operation in api.yaml, with each
// request validated against the spec before the operation runs, and one log
// line per request.
func New(svc Service, log *slog.Logger) (http.Handler, error) {
	if svc == nil || log == nil {
		return nil, errors.New("handler: a service and a logger are needed")
	}
	spec, err := api.RequestSpec()
	if err != nil {
		return nil, fmt.Errorf("load embedded api spec: %w", err)
	}
	h := &httpHandler{log: log}
	strict := api.NewStrictHandlerWithOptions(&server{svc: svc}, []api.StrictMiddlewareFunc{recordOperation}, api.StrictHTTPServerOptions{
		// The validator has already read the body; this only fires if the
		// generated decoder disagrees with it.
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeProblem(r.Context(), w, undecodable(err))
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			h.writeError(r.Context(), w, err)
		},
	})
	mux := api.HandlerWithOptions(strict, api.StdHTTPServerOptions{
		// Parameters have passed validation by now, so this fires only
		// where the generated binding is stricter than the spec: a header
		// sent twice, say.
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeProblem(r.Context(), w, validationProblem([]api.InvalidParam{unboundParam(err)}))
		},
	})
	return h.logRequests(secureHeaders(jsonBodies(validator(spec)(mux)))), nil
}

// requestInfo is what the inner layers tell the request log about a request.
type requestInfo struct {
	operation string
	orderID   string
}

type infoKey struct{}

// recordOperation notes which operation runs, and on which order.
func recordOperation(next api.StrictHandlerFunc, operation string) api.StrictHandlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, request any) (any, error) {
		info, _ := ctx.Value(infoKey{}).(*requestInfo)
		if info != nil {
			info.operation = operation
			switch req := request.(type) {
			case api.GetOrderRequestObject:
				info.orderID = req.OrderId.String()
			case api.DeleteOrderRequestObject:
				info.orderID = req.OrderId.String()
			}
		}
		resp, err := next(ctx, w, r, request)
		if created, ok := resp.(api.CreateOrder200JSONResponse); ok && info != nil {
			info.orderID = created.Body.Id.String()
		}
		return resp, err
	}
}

// logRequests writes one INFO line per request: operation, status,
// duration and order id. Bodies are logged only at DEBUG: they are customer
// data.
func (h *httpHandler) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		ctx := context.WithValue(r.Context(), infoKey{}, info)
		debug := h.log.Enabled(ctx, slog.LevelDebug)
		rec := &recorder{ResponseWriter: w, status: http.StatusOK, keepBody: debug}
		var reqBody []byte
		if debug {
			reqBody = peekBody(r)
		}
		next.ServeHTTP(rec, r.WithContext(ctx))

		attrs := []slog.Attr{
			slog.String("operation", info.operation),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		}
		if info.orderID != "" {
			attrs = append(attrs, slog.String("order_id", info.orderID))
		}
		h.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
		if debug {
			h.log.LogAttrs(ctx, slog.LevelDebug, "request bodies",
				slog.String("request_body", string(reqBody)), slog.String("response_body", rec.body.String()))
		}
	})
}

// peekBody reads the body and puts it back for the handler.
func peekBody(r *http.Request) []byte {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength > maxBodyBytes {
		return nil
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(r.Body) // A read error surfaces again when the handler reads.
	r.Body = http.NoBody
	if buf.Len() > 0 {
		r.Body = readCloser{bytes.NewReader(buf.Bytes())}
	}
	return buf.Bytes()
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// recorder remembers the status, and the body when asked.
type recorder struct {
	http.ResponseWriter
	status   int
	keepBody bool
	body     bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.keepBody {
		r.body.Write(p)
	}
	return r.ResponseWriter.Write(p)
}

// hsts is the Strict-Transport-Security policy of answers served over
// HTTPS: a year, subdomains included (API Gateway serves only HTTPS).
const hsts = "max-age=31536000; includeSubDomains"

// secureHeaders sets the headers every answer carries: an API response is
// never to be sniffed as another type, nor cached; and, when it was served
// over HTTPS (API Gateway says so in X-Forwarded-Proto), browsers are to
// use nothing else for a year. Over plain HTTP (make run) there is no HSTS:
// browsers ignore it there, and it would pin localhost to HTTPS.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		if overHTTPS(r) {
			h.Set("Strict-Transport-Security", hsts)
		}
		next.ServeHTTP(w, r)
	})
}

// overHTTPS reports whether the client's connection was HTTPS: TLS here,
// or X-Forwarded-Proto https from the proxy in front (its first value, the
// client's own hop).
func overHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// jsonBodies bounds request bodies and reads a body without a Content-Type
// as JSON, which the Python cookbook's clients rely on. Any other media type
// is refused with 415. It then reads the body and refuses, with 400, what
// encoding/json would accept silently but wrongly (see checkJSON).
func jsonBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBodyBytes {
			writeProblem(r.Context(), w, bodyTooLarge())
			return
		}
		if r.ContentLength != 0 {
			ct := r.Header.Get("Content-Type")
			if ct == "" {
				r.Header.Set("Content-Type", "application/json")
			} else if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
				writeProblem(r.Context(), w, newProblem(http.StatusUnsupportedMediaType, typeBlank, "", "send the body as application/json"))
				return
			}
		}
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				writeProblem(r.Context(), w, bodyTooLarge())
				return
			}
			writeProblem(r.Context(), w, invalidBody("the request body could not be read"))
			return
		}
		if detail := checkJSON(body); detail != "" {
			writeProblem(r.Context(), w, invalidBody(detail))
			return
		}
		r.Body = readCloser{bytes.NewReader(body)}
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}
