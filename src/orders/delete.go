package orders

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/platform/metrics"
	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

// Delete removes the order with the given id and returns it, or ErrNotFound.
func (s *Service) Delete(ctx context.Context, id uuid.UUID) (o Order, err error) {
	ctx, span := tracing.Start(ctx, "orders.Delete")
	defer func() { endSpan(span, err) }()
	o, err = s.store.Delete(ctx, id)
	if err != nil {
		return Order{}, fmt.Errorf("delete order: %w", err)
	}
	metrics.Count(ctx, MetricOrderDeleted)
	return o, nil
}
