// Package logging writes structured JSON logs in Lambda's JSON log format
// (the keys of aws-lambda-go's lambdacontext log handler: timestamp, level,
// message, requestId), with fields that every line of an invocation
// carries: the Lambda request id from the context, and whatever the
// invocation added with With (correlation id, trace id, cold start).
//
// lambdacontext.NewLogHandler itself fixes its output (stdout), format and
// level when the program starts; this handler takes them from the typed
// configuration instead, so that the local runner and the tests can set
// them too.
package logging

import (
	"context"
	"io"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// New returns a logger that writes JSON lines to w at level and above,
// each with attrs (the service name, the function's version) and, inside
// an invocation, the Lambda request id and the function's name.
func New(w io.Writer, level slog.Leveler, attrs ...slog.Attr) *slog.Logger {
	json := slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level:       level,
		ReplaceAttr: lambdacontext.ReplaceAttr,
	})
	return slog.New(&contextHandler{next: json.WithAttrs(attrs)})
}

type ctxKey struct{}

// With returns a context whose log lines carry attrs too.
func With(ctx context.Context, attrs ...slog.Attr) context.Context {
	prev, _ := ctx.Value(ctxKey{}).([]slog.Attr)
	all := make([]slog.Attr, 0, len(prev)+len(attrs))
	all = append(append(all, prev...), attrs...)
	return context.WithValue(ctx, ctxKey{}, all)
}

// functionName reads the function's name from its ARN,
// arn:aws:lambda:region:account:function:name[:qualifier].
func functionName(arn string) string {
	parts := strings.SplitN(arn, ":", 8)
	if len(parts) < 7 || parts[5] != "function" {
		return ""
	}
	return parts[6]
}

// contextHandler adds the context's fields to every record.
type contextHandler struct {
	next slog.Handler
}

func (h *contextHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		r.AddAttrs(slog.String("requestId", lc.AwsRequestID))
		if name := functionName(lc.InvokedFunctionArn); name != "" {
			r.AddAttrs(slog.String("function_name", name))
		}
	}
	if attrs, ok := ctx.Value(ctxKey{}).([]slog.Attr); ok {
		r.AddAttrs(attrs...)
	}
	return h.next.Handle(ctx, r)
}

func (h *contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &contextHandler{next: h.next.WithAttrs(attrs)}
}

func (h *contextHandler) WithGroup(name string) slog.Handler {
	return &contextHandler{next: h.next.WithGroup(name)}
}
