package logging_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/logging"
)

func TestRequestsLogOneLineWithTheHandlersNotes(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	h := logging.Requests(logging.New(&out, slog.LevelInfo))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logging.Note(r.Context(), slog.String("operation", "GetThing"), slog.String("thing_id", "t-1"))
		w.WriteHeader(http.StatusTeapot)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/things", strings.NewReader("secret body")))

	got := lines(t, &out)
	require.Len(t, got, 1, "one line per request at INFO")
	line := got[0]
	assert.Equal(t, "request", line["message"])
	assert.Equal(t, "POST", line["method"])
	assert.Equal(t, "/things", line["path"])
	assert.EqualValues(t, http.StatusTeapot, line["status"])
	assert.Contains(t, line, "duration_ms")
	assert.Equal(t, "GetThing", line["operation"])
	assert.Equal(t, "t-1", line["thing_id"])
	assert.NotContains(t, out.String(), "secret body", "bodies are customer data")
}

// At DEBUG the bodies are logged too, and the handler still reads the
// whole body, however long.
func TestRequestsLogBodiesAtDebugOnly(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{"short": "hello", "longer than what is logged": strings.Repeat("x", 70_000)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			var read []byte
			h := logging.Requests(logging.New(&out, slog.LevelDebug))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				read, _ = io.ReadAll(r.Body)
				_, _ = w.Write([]byte("answer"))
			}))
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
			req.ContentLength = -1 // as a chunked request arrives: the length is not known up front
			h.ServeHTTP(httptest.NewRecorder(), req)

			assert.Equal(t, body, string(read), "the handler reads the whole body")
			got := lines(t, &out)
			require.Len(t, got, 2)
			assert.Equal(t, "request bodies", got[1]["message"])
			assert.Equal(t, "answer", got[1]["response_body"])
			if len(body) < 65_536 {
				assert.Equal(t, body, got[1]["request_body"])
			} else {
				assert.Empty(t, got[1]["request_body"], "too long to log")
			}
		})
	}
}

func TestNoteOutsideARequestDoesNothing(t *testing.T) {
	t.Parallel()
	assert.NotPanics(t, func() { logging.Note(context.Background(), slog.String("k", "v")) })
}
