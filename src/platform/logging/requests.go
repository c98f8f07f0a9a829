package logging

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// maxLoggedBody bounds a request body kept for the DEBUG line.
const maxLoggedBody = 64 << 10

// Requests returns middleware that writes one INFO line per request
// ("request": method, path, status, duration, and what the handler noted
// with Note), and, at DEBUG only, a second line with both bodies: bodies
// are customer data.
func Requests(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			notes := &notes{}
			ctx := context.WithValue(r.Context(), notesKey{}, notes)
			debug := log.Enabled(ctx, slog.LevelDebug)
			rec := &recorder{ResponseWriter: w, status: http.StatusOK, keepBody: debug}
			var reqBody []byte
			if debug {
				reqBody = peekBody(r)
			}
			next.ServeHTTP(rec, r.WithContext(ctx))

			attrs := append([]slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.status),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			}, notes.all()...)
			log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
			if debug {
				log.LogAttrs(ctx, slog.LevelDebug, "request bodies",
					slog.String("request_body", string(reqBody)), slog.String("response_body", rec.body.String()))
			}
		})
	}
}

// Note adds attrs to the request's log line (see Requests): the operation
// that ran, the id of what it touched. Outside a logged request it does
// nothing.
func Note(ctx context.Context, attrs ...slog.Attr) {
	if n, ok := ctx.Value(notesKey{}).(*notes); ok {
		n.add(attrs)
	}
}

type notesKey struct{}

// notes are what a request's handlers noted for its log line.
type notes struct {
	mu    sync.Mutex
	attrs []slog.Attr
}

func (n *notes) add(attrs []slog.Attr) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.attrs = append(n.attrs, attrs...)
}

func (n *notes) all() []slog.Attr {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.attrs
}

// peekBody reads up to maxLoggedBody of the body for the log and puts
// everything back for the handler, read or not.
func peekBody(r *http.Request) []byte {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength > maxLoggedBody {
		return nil
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(io.LimitReader(r.Body, maxLoggedBody+1)) // A read error surfaces again when the handler reads.
	if buf.Len() == 0 {
		r.Body = http.NoBody // The body was empty: read to its end.
		return nil
	}
	r.Body = readCloser{io.MultiReader(bytes.NewReader(buf.Bytes()), r.Body), r.Body}
	if buf.Len() > maxLoggedBody {
		return nil
	}
	return buf.Bytes()
}

// readCloser reads the peeked bytes and then the rest, and closes the original body.
type readCloser struct {
	io.Reader
	io.Closer
}

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
