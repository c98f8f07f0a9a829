// Package orders holds the business logic of the orders service: what an
// order is and the use cases that create, read, list and delete orders. It
// knows nothing of HTTP or DynamoDB; storage sits behind the Store interface.
package orders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/platform/metrics"
	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

// ErrNotFound reports that no order has the requested id.
var ErrNotFound = errors.New("order not found")

// ErrInvalidPageToken reports a page token that the store did not issue.
var ErrInvalidPageToken = errors.New("invalid page token")

// Business metrics, one per use case.
const (
	MetricOrderCreated     = "OrderCreated"
	MetricOrderFetched     = "OrderFetched"
	MetricOrderDeleted     = "OrderDeleted"
	MetricOrdersListed     = "OrdersListed"
	MetricIdempotentReplay = "IdempotentReplay"
)

// FlagPremium is the feature flag that makes a customer's new orders
// premium, evaluated with the customer's name as "customer_name".
const FlagPremium = "premium_features"

// Order is a customer's order.
type Order struct {
	ID           uuid.UUID `json:"id"`
	CustomerName string    `json:"customer_name"`
	ItemCount    int       `json:"item_count"`
	CreatedAt    time.Time `json:"created_at"`
	// Premium is the premium_features flag for the customer when the order
	// was created.
	Premium bool `json:"premium"`
}

// NewOrder is what a customer asks for when creating an order. Its JSON
// form is the canonical payload of an idempotent create.
type NewOrder struct {
	CustomerName string `json:"customer_name"`
	ItemCount    int    `json:"order_item_count"`
}

// Idempotency runs an operation at most once per key (see the
// idempotency package).
type Idempotency interface {
	Do(ctx context.Context, key string, payload []byte, op func(ctx context.Context) ([]byte, error)) (result []byte, replayed bool, err error)
}

// Flags evaluates feature flags for a context of attributes.
type Flags interface {
	Bool(ctx context.Context, name string, attrs map[string]any, fallback bool) bool
}

// Page is one page of a listing. NextToken is empty on the last page.
type Page struct {
	Orders    []Order
	NextToken string
}

// Store keeps orders. Implementations report a missing order with
// ErrNotFound and a token they did not issue with ErrInvalidPageToken.
type Store interface {
	Put(ctx context.Context, o Order) error
	Get(ctx context.Context, id uuid.UUID) (Order, error)
	// Delete removes the order and returns it as it was.
	Delete(ctx context.Context, id uuid.UUID) (Order, error)
	// List returns up to limit orders, starting after pageToken ("" for the first page).
	List(ctx context.Context, limit int, pageToken string) (Page, error)
}

// Service runs the orders use cases.
type Service struct {
	store Store
	idem  Idempotency
	flags Flags
	now   func() time.Time
	newID func() (uuid.UUID, error)
}

// Option changes how a Service is built.
type Option func(*Service)

// WithClock makes the Service read the time from now, for deterministic tests.
func WithClock(now func() time.Time) Option {
	return func(s *Service) { s.now = now }
}

// WithIDs makes the Service take order ids from newID, for deterministic tests.
func WithIDs(newID func() (uuid.UUID, error)) Option {
	return func(s *Service) { s.newID = newID }
}

// WithIdempotency makes creates idempotent through idem.
func WithIdempotency(idem Idempotency) Option {
	return func(s *Service) { s.idem = idem }
}

// WithFlags makes the Service read its feature flags from flags; without
// it every flag is off.
func WithFlags(flags Flags) Option {
	return func(s *Service) { s.flags = flags }
}

// NewService returns a Service that keeps orders in store.
func NewService(store Store, opts ...Option) (*Service, error) {
	if store == nil {
		return nil, errors.New("orders: nil store")
	}
	s := &Service{store: store, now: time.Now, newID: uuid.NewRandom}
	for _, opt := range opts {
		opt(s)
	}
	return s, nil
}

// Create stores a new order and returns it. With idempotency, a repeat of
// an earlier create — the same idempotencyKey, or without a key the same
// order — returns the first order again, with replayed true, and stores
// nothing.
func (s *Service) Create(ctx context.Context, n NewOrder, idempotencyKey string) (o Order, replayed bool, err error) {
	ctx, span := tracing.Start(ctx, "orders.Create")
	defer func() { tracing.End(span, err) }()
	if s.idem == nil {
		if o, err = s.create(ctx, n); err != nil {
			return Order{}, false, fmt.Errorf("create order: %w", err)
		}
		return o, false, nil
	}
	payload, err := json.Marshal(n)
	if err != nil {
		return Order{}, false, fmt.Errorf("create order: %w", err)
	}
	if idempotencyKey == "" {
		// Without a key, the order itself is the key, as in the Python
		// cookbook: its clients get the same order when they repeat one.
		sum := sha256.Sum256(payload)
		idempotencyKey = "sha256:" + hex.EncodeToString(sum[:])
	}
	result, replayed, err := s.idem.Do(ctx, "createOrder#"+idempotencyKey, payload, func(ctx context.Context) ([]byte, error) {
		o, err := s.create(ctx, n)
		if err != nil {
			return nil, err
		}
		return json.Marshal(o)
	})
	if err != nil {
		return Order{}, false, fmt.Errorf("create order: %w", err)
	}
	if err := json.Unmarshal(result, &o); err != nil {
		return Order{}, false, fmt.Errorf("create order: stored result: %w", err)
	}
	if replayed {
		metrics.Count(ctx, MetricIdempotentReplay)
	}
	return o, replayed, nil
}

func (s *Service) create(ctx context.Context, n NewOrder) (Order, error) {
	id, err := s.newID()
	if err != nil {
		return Order{}, fmt.Errorf("new order id: %w", err)
	}
	o := Order{
		ID:           id,
		CustomerName: n.CustomerName,
		ItemCount:    n.ItemCount,
		// Milliseconds are all a client can use, and they keep the stored
		// and returned timestamps identical.
		CreatedAt: s.now().UTC().Truncate(time.Millisecond),
		Premium:   s.flags != nil && s.flags.Bool(ctx, FlagPremium, map[string]any{"customer_name": n.CustomerName}, false),
	}
	if err := s.store.Put(ctx, o); err != nil {
		return Order{}, err
	}
	metrics.Count(ctx, MetricOrderCreated)
	return o, nil
}

// Get returns the order with the given id, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (o Order, err error) {
	ctx, span := tracing.Start(ctx, "orders.Get")
	defer func() { tracing.End(span, err) }()
	o, err = s.store.Get(ctx, id)
	if err != nil {
		return Order{}, fmt.Errorf("get order: %w", err)
	}
	metrics.Count(ctx, MetricOrderFetched)
	return o, nil
}

// Delete removes the order with the given id and returns it, or ErrNotFound.
func (s *Service) Delete(ctx context.Context, id uuid.UUID) (o Order, err error) {
	ctx, span := tracing.Start(ctx, "orders.Delete")
	defer func() { tracing.End(span, err) }()
	o, err = s.store.Delete(ctx, id)
	if err != nil {
		return Order{}, fmt.Errorf("delete order: %w", err)
	}
	metrics.Count(ctx, MetricOrderDeleted)
	return o, nil
}

// List returns up to limit orders, starting after pageToken ("" for the first page).
func (s *Service) List(ctx context.Context, limit int, pageToken string) (p Page, err error) {
	ctx, span := tracing.Start(ctx, "orders.List")
	defer func() { tracing.End(span, err) }()
	if limit < 1 {
		return Page{}, fmt.Errorf("list orders: limit %d is below 1", limit)
	}
	p, err = s.store.List(ctx, limit, pageToken)
	if err != nil {
		return Page{}, fmt.Errorf("list orders: %w", err)
	}
	metrics.Count(ctx, MetricOrdersListed)
	return p, nil
}
