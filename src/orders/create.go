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

// MaxIdempotencyKeyLength bounds a create's idempotency key, in characters.
const MaxIdempotencyKeyLength = 255

// Create stores a new order of owner's and returns it. A repeat of an
// earlier create by the same owner — the same idempotencyKey, or without a
// key the same order — returns the first order again, with replayed true,
// and stores nothing. An empty idempotencyKey is none. Keys are the owner's own: another owner's create
// with the same key or body is another order.
func (s *Service) Create(ctx context.Context, owner Owner, n NewOrder, idempotencyKey string) (o Order, replayed bool, err error) {
	ctx, span := tracing.Start(ctx, "orders.Create")
	defer func() { endSpan(span, err) }()
	if err := owner.check(); err != nil {
		return Order{}, false, err
	}
	if err := n.validate(idempotencyKey); err != nil {
		return Order{}, false, err
	}
	id, err := s.newID()
	if err != nil {
		return Order{}, false, fmt.Errorf("create order: new id: %w", err)
	}
	o = Order{
		ID:           id,
		Owner:        owner,
		CustomerName: n.CustomerName,
		ItemCount:    n.ItemCount,
		// Milliseconds are all a client can use, and they keep the stored
		// and returned timestamps identical.
		CreatedAt: s.now().UTC().Truncate(time.Millisecond),
		Premium:   s.flags != nil && s.flags.Bool(ctx, FlagPremium, map[string]any{"customer_name": n.CustomerName}, false),
	}
	o, replayed, err = s.store.Create(ctx, o, idempotency.NewRequest(operationCreate+"#"+string(owner), idempotencyKey, n.payload()))
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
