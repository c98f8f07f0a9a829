package config_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/config"
)

// minimal holds the variables without a default.
var minimal = map[string]string{
	"ORDERS_TABLE_NAME":      "orders-dev",
	"IDEMPOTENCY_TABLE_NAME": "idempotency-dev",
	"APPCONFIG_APPLICATION":  "orders",
	"APPCONFIG_ENVIRONMENT":  "dev",
	"APPCONFIG_PROFILE":      "flags",
	// Lambda's own.
	"AWS_REGION":            "eu-west-1",
	"AWS_ACCESS_KEY_ID":     "AKID",
	"AWS_SECRET_ACCESS_KEY": "SECRET",
}

func with(extra map[string]string) map[string]string {
	vars := maps.Clone(minimal)
	maps.Copy(vars, extra)
	return vars
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.LoadFrom(minimal)
	require.NoError(t, err)
	assert.Equal(t, config.Config{
		ServiceName:      "orders",
		MetricsNamespace: "Orders",
		OrdersTable:      "orders-dev",
		IdempotencyTable: "idempotency-dev",
		IdempotencyTTL:   5 * time.Minute,
		AppConfig: config.AppConfig{
			AgentURL: "http://localhost:2772", Application: "orders", Environment: "dev", Profile: "flags",
			MaxAge: time.Minute,
		},
		TracingExporter: "none",
		LogLevel:        config.Level(slog.LevelInfo),
		AWS:             config.AWS{Region: "eu-west-1", AccessKeyID: "AKID", SecretAccessKey: "SECRET"},
	}, cfg)
	assert.Empty(t, cfg.AWS.ResolvedDynamoDBEndpoint(), "DynamoDB's regional endpoint")
}

func TestValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		vars  map[string]string
		check func(t *testing.T, c config.Config)
	}{
		{"seconds", map[string]string{"IDEMPOTENCY_TTL_SECONDS": "90", "APPCONFIG_MAX_AGE_SECONDS": "5"}, func(t *testing.T, c config.Config) {
			t.Helper()
			assert.Equal(t, 90*time.Second, c.IdempotencyTTL)
			assert.Equal(t, 5*time.Second, c.AppConfig.MaxAge)
		}},
		{"lambda levels", map[string]string{"AWS_LAMBDA_LOG_LEVEL": "DEBUG"}, func(t *testing.T, c config.Config) {
			t.Helper()
			assert.Equal(t, slog.LevelDebug, c.LogLevel.Level())
		}},
		{"trace", map[string]string{"AWS_LAMBDA_LOG_LEVEL": "TRACE"}, func(t *testing.T, c config.Config) {
			t.Helper()
			assert.Less(t, c.LogLevel.Level(), slog.LevelDebug)
		}},
		{"fatal", map[string]string{"AWS_LAMBDA_LOG_LEVEL": "fatal"}, func(t *testing.T, c config.Config) {
			t.Helper()
			assert.Greater(t, c.LogLevel.Level(), slog.LevelError)
		}},
		{"function", map[string]string{"AWS_LAMBDA_FUNCTION_VERSION": "$LATEST"}, func(t *testing.T, c config.Config) {
			t.Helper()
			assert.Equal(t, "$LATEST", c.FunctionVersion)
		}},
		{"otlp", map[string]string{"TRACING_EXPORTER": "otlp"}, func(t *testing.T, c config.Config) {
			t.Helper()
			assert.Equal(t, "otlp", c.TracingExporter)
		}},
		{"xray", map[string]string{"TRACING_EXPORTER": "xray", "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.2:2000"}, func(t *testing.T, c config.Config) {
			t.Helper()
			assert.Equal(t, "xray", c.TracingExporter)
			assert.Equal(t, config.DaemonAddress("169.254.79.2:2000"), c.XRayDaemonAddress)
		}},
		{"a CORS origin", map[string]string{"CORS_ALLOW_ORIGIN": "https://app.example.com:8443"}, func(t *testing.T, c config.Config) {
			t.Helper()
			assert.Equal(t, "https://app.example.com:8443", c.CORSAllowOrigin)
		}},
		{"session token", map[string]string{"AWS_SESSION_TOKEN": "TOKEN"}, func(t *testing.T, c config.Config) {
			t.Helper()
			assert.Equal(t, "TOKEN", string(c.AWS.SessionToken))
		}},
		{"local dynamodb", map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"}, func(t *testing.T, c config.Config) {
			t.Helper()
			assert.Equal(t, "http://127.0.0.1:8000", c.AWS.ResolvedDynamoDBEndpoint())
		}},
		{"every service's endpoint", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, func(t *testing.T, c config.Config) {
			t.Helper()
			assert.Equal(t, "http://127.0.0.1:4566", c.AWS.ResolvedDynamoDBEndpoint())
		}},
		{"dynamodb's endpoint first", map[string]string{
			"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000",
		}, func(t *testing.T, c config.Config) {
			t.Helper()
			assert.Equal(t, "http://127.0.0.1:8000", c.AWS.ResolvedDynamoDBEndpoint())
		}},
		{"fips and dual stack", map[string]string{"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"}, func(t *testing.T, c config.Config) {
			t.Helper()
			assert.True(t, c.AWS.UseFIPSEndpoint)
			assert.True(t, c.AWS.UseDualStackEndpoint)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.LoadFrom(with(tt.vars))
			require.NoError(t, err)
			tt.check(t, cfg)
		})
	}
}

// One error names every problem, so that a broken deployment is fixed in
// one go.
func TestEveryProblemInOneError(t *testing.T) {
	t.Parallel()
	_, err := config.LoadFrom(map[string]string{
		"ORDERS_TABLE_NAME":         "",
		"IDEMPOTENCY_TTL_SECONDS":   "5m",
		"APPCONFIG_MAX_AGE_SECONDS": "0",
		"AWS_LAMBDA_LOG_LEVEL":      "LOUD",
		"TRACING_EXPORTER":          "zipkin",
		"AWS_ENDPOINT_URL_DYNAMODB": "ftp://local:pa55word@localhost:8000",
		"CORS_ALLOW_ORIGIN":         "https://app.example.com/app",
	})
	require.Error(t, err)
	for _, want := range []string{
		"invalid configuration",
		"ORDERS_TABLE_NAME", "IDEMPOTENCY_TABLE_NAME",
		"APPCONFIG_APPLICATION", "APPCONFIG_ENVIRONMENT", "APPCONFIG_PROFILE",
		`"5m" is not a whole number of seconds`,
		"APPCONFIG_MAX_AGE_SECONDS must be at least 1",
		`"LOUD" is not a log level`,
		`TRACING_EXPORTER must be none, xray or otlp, not "zipkin"`,
		`CORS_ALLOW_ORIGIN must be an origin`,
		"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		`AWS_ENDPOINT_URL_DYNAMODB (or AWS_ENDPOINT_URL) must be an http or https URL, not "ftp://local:xxxxx@localhost:8000"`,
	} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), "pa55word")
}

// AWS_XRAY_DAEMON_ADDRESS is read as Lambda sets it, host:port, or as the
// X-Ray SDKs also take it, with a TCP address for sampling rules: spans
// use the UDP one.
func TestXRayDaemonAddress(t *testing.T) {
	t.Parallel()
	tests := []struct{ value, want string }{
		{"169.254.79.2:2000", "169.254.79.2:2000"},
		{"127.0.0.1:2000", "127.0.0.1:2000"},
		{" localhost:2000 ", "localhost:2000"},
		{"[::1]:2000", "[::1]:2000"},
		{"tcp:127.0.0.1:2000 udp:127.0.0.2:2001", "127.0.0.2:2001"},
		{"udp:127.0.0.1:2000 tcp:127.0.0.2:2001", "127.0.0.1:2000"},
		{"udp:127.0.0.1:2000", "127.0.0.1:2000"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.LoadFrom(with(map[string]string{"TRACING_EXPORTER": "xray", "AWS_XRAY_DAEMON_ADDRESS": tt.value}))
			require.NoError(t, err)
			assert.Equal(t, config.DaemonAddress(tt.want), cfg.XRayDaemonAddress)
		})
	}
}

func TestBadXRayDaemonAddress(t *testing.T) {
	t.Parallel()
	tests := []struct{ value, want string }{
		{"127.0.0.1", "missing port"},
		{"127.0.0.1:0", "a port from 1 to 65535"},
		{"127.0.0.1:70000", "a port from 1 to 65535"},
		{":2000", "want a host"},
		{"tcp:127.0.0.1:2000", "no udp: address"},
		{"udp:127.0.0.1:2000 udp:127.0.0.2:2001", "two udp: addresses"},
		{"http://127.0.0.1:2000 udp:127.0.0.1:2000", `"http://127.0.0.1:2000" is neither tcp:host:port nor udp:host:port`},
		{"127.0.0.1:2000 127.0.0.1:2001", "is neither tcp:host:port nor udp:host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			_, err := config.LoadFrom(with(map[string]string{"TRACING_EXPORTER": "xray", "AWS_XRAY_DAEMON_ADDRESS": tt.value}))
			require.ErrorContains(t, err, "is not an X-Ray daemon address")
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// Tracing to X-Ray without a daemon to send to fails start-up, saying
// what to set.
func TestXRayNeedsTheDaemon(t *testing.T) {
	t.Parallel()
	_, err := config.LoadFrom(with(map[string]string{"TRACING_EXPORTER": "xray"}))
	require.ErrorContains(t, err, "TRACING_EXPORTER=xray needs AWS_XRAY_DAEMON_ADDRESS")
	cfg, err := config.LoadFrom(with(map[string]string{"AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000"}))
	require.NoError(t, err, "an address alone traces nothing")
	assert.Equal(t, "none", cfg.TracingExporter)
}

func TestNegativeTTL(t *testing.T) {
	t.Parallel()
	_, err := config.LoadFrom(with(map[string]string{"IDEMPOTENCY_TTL_SECONDS": "-1"}))
	require.ErrorContains(t, err, "IDEMPOTENCY_TTL_SECONDS must be at least 1")
}

// The role's credentials never reach a log, however the configuration is
// printed.
func TestSecretsStayOutOfLogs(t *testing.T) {
	t.Parallel()
	cfg, err := config.LoadFrom(with(map[string]string{
		"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI", "AWS_SESSION_TOKEN": "IQoJb3JpZ2lu",
	}))
	require.NoError(t, err)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("start", "aws", cfg.AWS, "secret", cfg.AWS.SecretAccessKey)
	for name, out := range map[string]string{
		"%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg), "%#v": fmt.Sprintf("%#v", cfg),
		"%d": fmt.Sprintf("%d", cfg.AWS.SecretAccessKey), "%x": fmt.Sprintf("%x", cfg.AWS.SessionToken), //nolint:staticcheck // Wrong verbs, on purpose.
		"String": cfg.AWS.SessionToken.String(), "slog": logged.String(),
	} {
		assert.NotContains(t, out, "wJalrXUtnFEMI", name)
		assert.NotContains(t, out, "IQoJb3JpZ2lu", name)
		assert.Contains(t, out, "[redacted]", name)
	}
}
