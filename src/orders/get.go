package orders

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/platform/metrics"
	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

// Get returns the order with the given id, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (o Order, err error) {
	ctx, span := tracing.Start(ctx, "orders.Get")
	defer func() { endSpan(span, err) }()
	o, err = s.store.Get(ctx, id)
	if err != nil {
		return Order{}, fmt.Errorf("get order: %w", err)
	}
	metrics.Count(ctx, MetricOrderFetched)
	return o, nil
}
