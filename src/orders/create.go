package orders

import (
	"context"
	"fmt"
	"time"

	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
	"github.com/go-sam-blueprint/orders/src/platform/metrics"
	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

// operationCreate names creates in idempotency keys.
const operationCreate = "createOrder"

// Create stores a new order and returns it. A repeat of an earlier create
// — the same idempotencyKey, or without a key the same order — returns the
// first order again, with replayed true, and stores nothing.
func (s *Service) Create(ctx context.Context, n NewOrder, idempotencyKey string) (o Order, replayed bool, err error) {
	ctx, span := tracing.Start(ctx, "orders.Create")
	defer func() { endSpan(span, err) }()
	if err := n.validate(); err != nil {
		return Order{}, false, err
	}
	id, err := s.newID()
	if err != nil {
		return Order{}, false, fmt.Errorf("create order: new id: %w", err)
	}
	o = Order{
		ID:           id,
		CustomerName: n.CustomerName,
		ItemCount:    n.ItemCount,
		// Milliseconds are all a client can use, and they keep the stored
		// and returned timestamps identical.
		CreatedAt: s.now().UTC().Truncate(time.Millisecond),
		Premium:   s.flags != nil && s.flags.Bool(ctx, FlagPremium, map[string]any{"customer_name": n.CustomerName}, false),
	}
	o, replayed, err = s.store.Create(ctx, o, idempotency.NewRequest(operationCreate, idempotencyKey, n.payload()))
	if err != nil {
		return Order{}, false, fmt.Errorf("create order: %w", err)
	}
	// Counted once the store has committed: a replay created nothing.
	if replayed {
		metrics.Count(ctx, MetricIdempotentReplay)
	} else {
		metrics.Count(ctx, MetricOrderCreated)
	}
	return o, replayed, nil
}
