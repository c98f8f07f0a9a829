package orders

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/platform/metrics"
	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

// Delete removes owner's order with the given id and returns it, or
// ErrNotFound: also for another owner's order, which stays.
func (s *Service) Delete(ctx context.Context, owner Owner, id uuid.UUID) (o Order, err error) {
	ctx, span := tracing.Start(ctx, "orders.Delete")
	defer func() { endSpan(span, err) }()
	if err := owner.check(); err != nil {
		return Order{}, err
	}
	o, err = s.store.Delete(ctx, owner, id)
	if err != nil {
		return Order{}, fmt.Errorf("delete order: %w", err)
	}
	metrics.Count(ctx, MetricOrderDeleted)
	return o, nil
}
