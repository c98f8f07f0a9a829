package problem_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/problem"
)

func TestNew(t *testing.T) {
	t.Parallel()
	blank := problem.New(http.StatusNotFound, problem.TypeBlank, "ignored", "no such thing")
	assert.Equal(t, "Not Found", blank.Title, "about:blank takes the status text as its title")
	typed := problem.New(http.StatusBadRequest, problem.Type("x"), "Bad x.", "")
	assert.Equal(t, "https://github.com/go-sam-blueprint/orders/blob/main/docs/problems.md#x", typed.Type)
	assert.Equal(t, "Bad x.", typed.Title)
}

// Validation lists every failing part once, in a stable order, and counts them.
func TestValidation(t *testing.T) {
	t.Parallel()
	p := problem.Validation([]problem.Field{
		{Pointer: "#/b", Detail: "is required"},
		{Parameter: "limit", Detail: "must be at most 100"},
		{Pointer: "#/a", Detail: "is required"},
		{Pointer: "#/b", Detail: "is required"},
	})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Equal(t, problem.TypeValidation, p.Type)
	assert.Equal(t, "3 parts of the request are not valid", p.Detail)
	assert.Equal(t, []problem.Field{
		{Parameter: "limit", Detail: "must be at most 100"},
		{Pointer: "#/a", Detail: "is required"},
		{Pointer: "#/b", Detail: "is required"},
	}, p.Errors)
	assert.Equal(t, "1 part of the request is not valid", problem.Validation([]problem.Field{{Pointer: "#", Detail: "x"}}).Detail)
}

func TestWrite(t *testing.T) {
	t.Parallel()
	p := problem.Status(http.StatusServiceUnavailable, "busy")
	p.RetryAfter = 2
	rec := httptest.NewRecorder()
	problem.Write(problem.WithRequestID(context.Background(), "req-1"), rec, p)

	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, problem.ContentType, rec.Header().Get("Content-Type"))
	assert.Equal(t, "2", rec.Header().Get("Retry-After"))
	assert.JSONEq(t, `{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"busy","instance":"req-1"}`, rec.Body.String())

	rec = httptest.NewRecorder()
	problem.Write(context.Background(), rec, problem.Status(http.StatusNotFound, ""))
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.Equal(t, map[string]any{"type": "about:blank", "title": "Not Found", "status": 404.0}, body,
		"no empty members, no Retry-After")
	assert.Empty(t, rec.Header().Get("Retry-After"))
}
