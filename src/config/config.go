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
	// nothing) or "otlp" (OTLP over HTTP, in a bootstrap built with the
	// otlp tag; OTEL_EXPORTER_OTLP_ENDPOINT and the other standard OTEL_
	// variables apply).
	TracingExporter string `env:"TRACING_EXPORTER" envDefault:"none"`

	// Lambda sets these; the local runner sets them as Lambda would.

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
	switch c.TracingExporter {
	case "none", "otlp":
	default:
		problems = append(problems, fmt.Sprintf("TRACING_EXPORTER must be none or otlp, not %q", c.TracingExporter))
	}
	return problems
}

func parseSeconds(v string) (any, error) {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("%q is not a whole number of seconds", v)
	}
	return time.Duration(n) * time.Second, nil
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
