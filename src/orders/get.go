package orders

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/platform/metrics"
	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

// Get returns owner's order with the given id, or ErrNotFound: also for
// another owner's order, so that a caller cannot tell it exists.
func (s *Service) Get(ctx context.Context, owner Owner, id uuid.UUID) (o Order, err error) {
	ctx, span := tracing.Start(ctx, "orders.Get")
	defer func() { endSpan(span, err) }()
	if err := owner.check(); err != nil {
		return Order{}, err
	}
	o, err = s.store.Get(ctx, owner, id)
	if err != nil {
		return Order{}, fmt.Errorf("get order: %w", err)
	}
	metrics.Count(ctx, MetricOrderFetched)
	return o, nil
}
