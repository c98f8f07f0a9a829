package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/config"
)

func TestLoadFrom(t *testing.T) {
	t.Parallel()
	cfg, err := config.LoadFrom(map[string]string{"ORDERS_TABLE_NAME": "orders-dev"})
	require.NoError(t, err)
	assert.Equal(t, config.Config{ServiceName: "orders", OrdersTable: "orders-dev"}, cfg)

	cfg, err = config.LoadFrom(map[string]string{"ORDERS_TABLE_NAME": "t", "SERVICE_NAME": "payments"})
	require.NoError(t, err)
	assert.Equal(t, "payments", cfg.ServiceName)
}

func TestLoadFromNamesEveryProblem(t *testing.T) {
	t.Parallel()
	tests := map[string]map[string]string{
		"missing": {},
		"empty":   {"ORDERS_TABLE_NAME": ""},
	}
	for name, vars := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := config.LoadFrom(vars)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "invalid configuration")
			assert.Contains(t, err.Error(), "ORDERS_TABLE_NAME")
		})
	}
}
