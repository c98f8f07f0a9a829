// Package config reads the service's settings from the environment, once,
// at start-up, into one typed struct.
package config

import (
	"fmt"

	"github.com/caarlos0/env/v11"
)

// Config is every setting the service reads from its environment.
type Config struct {
	// ServiceName names the service in logs and metrics.
	ServiceName string `env:"SERVICE_NAME" envDefault:"orders"`
	// OrdersTable is the DynamoDB table that holds the orders.
	OrdersTable string `env:"ORDERS_TABLE_NAME,required,notEmpty"`
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
	cfg, err := env.ParseAsWithOptions[Config](opts)
	if err != nil {
		return Config{}, fmt.Errorf("invalid configuration: %w", err)
	}
	return cfg, nil
}
