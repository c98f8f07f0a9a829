// Package config reads the service's settings from the environment, once,
// at start-up, into one typed struct.
//
// Every duration is given in whole seconds by a variable whose name ends in
// _SECONDS, so that a name never lies about its unit.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is every setting the service reads from its environment.
type Config struct {
	// ServiceName names the service in logs and metrics.
	ServiceName string `env:"SERVICE_NAME" envDefault:"orders"`
	// MetricsNamespace is the CloudWatch namespace of the business metrics.
	MetricsNamespace string `env:"METRICS_NAMESPACE" envDefault:"Orders"`

	// OrdersTable is the DynamoDB table that holds the orders.
	OrdersTable string `env:"ORDERS_TABLE_NAME,required,notEmpty"`
	// IdempotencyTable holds the idempotency records of creates.
	IdempotencyTable string `env:"IDEMPOTENCY_TABLE_NAME,required,notEmpty"`
	// IdempotencyTTL is how long a completed create can be replayed.
	IdempotencyTTL time.Duration `env:"IDEMPOTENCY_TTL_SECONDS" envDefault:"300"`

	// AppConfig locates the feature flags, served by the AWS AppConfig
	// Agent extension.
	AppConfig AppConfig `envPrefix:"APPCONFIG_"`

	// TracingExporter is where spans go: "none" (the default, which costs
	// nothing), "xray" (subsegments to the X-Ray daemon at
	// XRayDaemonAddress, as a function with Tracing: Active has) or "otlp"
	// (OTLP over HTTP, in a bootstrap built with the otlp tag;
	// OTEL_EXPORTER_OTLP_ENDPOINT and the other standard OTEL_ variables
	// apply).
	TracingExporter string `env:"TRACING_EXPORTER" envDefault:"none"`
	// XRayDaemonAddress is the X-Ray daemon's UDP address, which Lambda
	// sets for a function with active tracing; "xray" needs it.
	XRayDaemonAddress DaemonAddress `env:"AWS_XRAY_DAEMON_ADDRESS"`

	// CORSAllowOrigin is the one browser origin (scheme, host and port,
	// such as https://app.example.com) allowed to call the API from
	// another origin; empty allows none (docs/cors.md).
	CORSAllowOrigin string `env:"CORS_ALLOW_ORIGIN"`

	// Lambda sets these; the local runner sets them as Lambda would.

	// AWS is the function's region, credentials and, locally, DynamoDB
	// endpoint.
	AWS AWS

	// LogLevel is the function's application log level (LoggingConfig).
	LogLevel Level `env:"AWS_LAMBDA_LOG_LEVEL" envDefault:"INFO"`
	// FunctionVersion identifies the function's code in logs; each
	// invocation's context names the function.
	FunctionVersion string `env:"AWS_LAMBDA_FUNCTION_VERSION"`
}

// AppConfig locates a feature-flag configuration in AWS AppConfig.
type AppConfig struct {
	// AgentURL is the AppConfig Agent extension's endpoint.
	AgentURL    string `env:"AGENT_URL" envDefault:"http://localhost:2772"`
	Application string `env:"APPLICATION,required,notEmpty"`
	Environment string `env:"ENVIRONMENT,required,notEmpty"`
	Profile     string `env:"PROFILE,required,notEmpty"`
	// MaxAge is how long a fetched document is used before it is fetched again.
	MaxAge time.Duration `env:"MAX_AGE_SECONDS" envDefault:"60"`
}

// AWS holds the standard AWS variables that Lambda gives every function
// (and sam local and the local runner give theirs): its region and its
// role's temporary credentials. The DynamoDB client is built from these
// alone, without the AWS SDK's config package: a function never uses its
// shared files, profiles or SSO, and the SSO, STS and sign-in clients it
// links cost about 1 ms of every cold start to initialize, and 2 MB.
type AWS struct {
	Region          string `env:"AWS_REGION,required,notEmpty"`
	AccessKeyID     string `env:"AWS_ACCESS_KEY_ID,required,notEmpty"`
	SecretAccessKey Secret `env:"AWS_SECRET_ACCESS_KEY,required,notEmpty"`
	SessionToken    Secret `env:"AWS_SESSION_TOKEN"`
	// DynamoDBEndpoint replaces DynamoDB's regional endpoint, to use a
	// local DynamoDB; Endpoint does so for every service, as in the SDK.
	DynamoDBEndpoint string `env:"AWS_ENDPOINT_URL_DYNAMODB"`
	Endpoint         string `env:"AWS_ENDPOINT_URL"`
	// UseFIPSEndpoint and UseDualStackEndpoint pick the regional
	// endpoint's FIPS and IPv6 variants, as in the SDK.
	UseFIPSEndpoint      bool `env:"AWS_USE_FIPS_ENDPOINT"`
	UseDualStackEndpoint bool `env:"AWS_USE_DUALSTACK_ENDPOINT"`
}

// ResolvedDynamoDBEndpoint is the endpoint the DynamoDB client uses
// instead of its regional one, or "" for the regional one.
func (a AWS) ResolvedDynamoDBEndpoint() string {
	if a.DynamoDBEndpoint != "" {
		return a.DynamoDBEndpoint
	}
	return a.Endpoint
}

// Secret is a value that must never reach a log: formatted or logged, it
// shows as [redacted]; convert it to a string to use it.
type Secret string

const redacted = "[redacted]"

// String hides the secret from a caller that asks for it as a string.
func (Secret) String() string { return redacted }

// Format hides the secret from fmt, whatever the verb.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue hides the secret from slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText hides the secret from encoding/json, which slog's JSON
// handler uses for a struct that holds one.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Load parses the environment. When anything is missing or invalid it
// fails with one error that lists every problem.
func Load() (Config, error) {
	return parse(env.Options{})
}

// LoadFrom parses the given variables instead of the process environment.
func LoadFrom(vars map[string]string) (Config, error) {
	return parse(env.Options{Environment: vars})
}

func parse(opts env.Options) (Config, error) {
	opts.FuncMap = map[reflect.Type]env.ParserFunc{
		reflect.TypeFor[time.Duration](): parseSeconds,
	}
	cfg, err := env.ParseAsWithOptions[Config](opts)
	var problems []string
	if agg, ok := errors.AsType[env.AggregateError](err); ok {
		for _, e := range agg.Errors {
			problems = append(problems, e.Error())
		}
	} else if err != nil {
		problems = append(problems, err.Error())
	}
	problems = append(problems, cfg.check()...)
	if len(problems) > 0 {
		return Config{}, fmt.Errorf("invalid configuration:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return cfg, nil
}

// check finds what the types alone cannot.
func (c Config) check() []string {
	var problems []string
	if c.IdempotencyTTL <= 0 {
		problems = append(problems, "IDEMPOTENCY_TTL_SECONDS must be at least 1")
	}
	if c.AppConfig.MaxAge <= 0 {
		problems = append(problems, "APPCONFIG_MAX_AGE_SECONDS must be at least 1")
	}
	if u := c.AWS.ResolvedDynamoDBEndpoint(); u != "" && !absoluteURL(u) {
		problems = append(problems, fmt.Sprintf("AWS_ENDPOINT_URL_DYNAMODB (or AWS_ENDPOINT_URL) must be an http or https URL, not %q", redactURL(u)))
	}
	if c.CORSAllowOrigin != "" && !origin(c.CORSAllowOrigin) {
		problems = append(problems, fmt.Sprintf("CORS_ALLOW_ORIGIN must be an origin, such as https://app.example.com (scheme, host, port; no path), not %q", c.CORSAllowOrigin))
	}
	switch c.TracingExporter {
	case "none", "otlp":
	case "xray":
		if c.XRayDaemonAddress == "" {
			problems = append(problems, "TRACING_EXPORTER=xray needs AWS_XRAY_DAEMON_ADDRESS, the X-Ray daemon's host:port "+
				"(Lambda sets it for a function with Tracing: Active; set TRACING_EXPORTER=none to trace nothing)")
		}
	default:
		problems = append(problems, fmt.Sprintf("TRACING_EXPORTER must be none, xray or otlp, not %q", c.TracingExporter))
	}
	return problems
}

// origin reports whether s is a browser origin: an http or https URL with
// a host and nothing after it.
func origin(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// redactURL hides a password in a URL that an error is about to show.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return s
}

func parseSeconds(v string) (any, error) {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("%q is not a whole number of seconds", v)
	}
	return time.Duration(n) * time.Second, nil
}

// DaemonAddress is the X-Ray daemon's UDP address, host:port. It reads
// AWS_XRAY_DAEMON_ADDRESS as Lambda sets it (169.254.79.2:2000) and as
// the X-Ray SDKs also accept it, "tcp:host:port udp:host:port" in either
// order, of which spans use the UDP one.
type DaemonAddress string

// UnmarshalText reads either form and keeps the UDP address.
func (a *DaemonAddress) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	addr, err := udpAddress(s)
	if err != nil {
		return fmt.Errorf("%q is not an X-Ray daemon address (host:port, or tcp:host:port udp:host:port): %w", s, err)
	}
	*a = DaemonAddress(addr)
	return nil
}

func udpAddress(s string) (string, error) {
	fields := strings.Fields(s)
	if len(fields) == 1 && !strings.HasPrefix(s, "udp:") && !strings.HasPrefix(s, "tcp:") {
		return s, checkHostPort(s)
	}
	udp := ""
	for _, f := range fields {
		proto, addr, _ := strings.Cut(f, ":")
		switch proto {
		case "udp":
			if udp != "" {
				return "", errors.New("two udp: addresses")
			}
			udp = addr
		case "tcp":
		default:
			return "", fmt.Errorf("%q is neither tcp:host:port nor udp:host:port", f)
		}
	}
	if udp == "" {
		return "", errors.New("no udp: address")
	}
	return udp, checkHostPort(udp)
}

func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return err
	}
	if n, err := strconv.ParseUint(port, 10, 16); host == "" || err != nil || n == 0 {
		return errors.New("want a host and a port from 1 to 65535")
	}
	return nil
}

// Level is a log level as Lambda names them: slog's levels plus TRACE and
// FATAL.
type Level slog.Level

// Level returns l as a slog level; Level is a slog.Leveler.
func (l Level) Level() slog.Level { return slog.Level(l) }

// UnmarshalText reads a level name, in any case.
func (l *Level) UnmarshalText(text []byte) error {
	switch name := strings.ToUpper(string(text)); name {
	case "TRACE":
		*l = Level(slog.LevelDebug - 4)
	case "FATAL":
		*l = Level(slog.LevelError + 4)
	default:
		var sl slog.Level
		if err := sl.UnmarshalText([]byte(name)); err != nil {
			return fmt.Errorf("%q is not a log level (TRACE, DEBUG, INFO, WARN, ERROR or FATAL)", text)
		}
		*l = Level(sl)
	}
	return nil
}
