package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/logging"
)

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

func TestLinesCarryLambdaFormatAndContext(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := logging.New(&buf, slog.LevelInfo, slog.String("service", "orders"))

	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		AwsRequestID:       "lambda-req",
		InvokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:fn:live",
	})
	ctx = logging.With(ctx, slog.String("correlation_id", "apigw-req"))
	ctx = logging.With(ctx, slog.Bool("cold_start", true))
	log.InfoContext(ctx, "hello", "order_id", "o-1")

	got := lines(t, &buf)
	require.Len(t, got, 1)
	line := got[0]
	assert.Equal(t, "hello", line["message"])
	assert.Equal(t, "INFO", line["level"])
	assert.NotEmpty(t, line["timestamp"])
	assert.Equal(t, "lambda-req", line["requestId"])
	assert.Equal(t, "apigw-req", line["correlation_id"])
	assert.Equal(t, true, line["cold_start"])
	assert.Equal(t, "orders", line["service"])
	assert.Equal(t, "fn", line["function_name"])
	assert.Equal(t, "o-1", line["order_id"])
	assert.NotContains(t, line, "msg")
	assert.NotContains(t, line, "time")
}

func TestLevel(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := logging.New(&buf, slog.LevelWarn)
	log.Info("hidden")
	log.Debug("hidden")
	log.Warn("shown")
	got := lines(t, &buf)
	require.Len(t, got, 1)
	assert.Equal(t, "shown", got[0]["message"])
	assert.False(t, log.Enabled(context.Background(), slog.LevelInfo))
}

func TestWithDoesNotLeakBetweenContexts(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := logging.New(&buf, slog.LevelInfo)
	base := logging.With(context.Background(), slog.String("a", "1"))
	one := logging.With(base, slog.String("b", "2"))
	two := logging.With(base, slog.String("c", "3"))
	log.InfoContext(one, "one")
	log.InfoContext(two, "two")
	log.With("grouped", true).WithGroup("g").InfoContext(two, "three", "k", "v")
	got := lines(t, &buf)
	require.Len(t, got, 3)
	assert.Equal(t, "2", got[0]["b"])
	assert.NotContains(t, got[0], "c")
	assert.Equal(t, "3", got[1]["c"])
	assert.NotContains(t, got[1], "b")
	assert.Equal(t, true, got[2]["grouped"])
	assert.Equal(t, map[string]any{"k": "v", "a": "1", "c": "3"}, got[2]["g"])
}
