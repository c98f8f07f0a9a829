package orders

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

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

// Store keeps orders. It reports a missing order with ErrNotFound, a page
// token it did not issue with ErrInvalidPageToken, and its own failures as
// the domain's errors (ErrUnavailable, ...), wrapped.
type Store interface {
	// Create stores o as the answer to req, in one step: unless req was
	// answered before, in which case it stores nothing and returns the
	// first answer with replayed true. A repeat with another payload fails
	// with ErrIdempotencyKeyReused.
	// o.Owner owns the order, and req is scoped to that owner.
	Create(ctx context.Context, o Order, req idempotency.Request) (stored Order, replayed bool, err error)
	// Get returns the order of owner with the given id; another owner's
	// order is ErrNotFound, as a missing one.
	Get(ctx context.Context, owner Owner, id uuid.UUID) (Order, error)
	// Delete removes owner's order and returns it as it was; another
	// owner's order is ErrNotFound, and stays.
	Delete(ctx context.Context, owner Owner, id uuid.UUID) (Order, error)
	// List returns up to limit of owner's orders, newest first, starting
	// after pageToken ("" for the first page). limit is between 1 and
	// MaxPageSize; a token issued to another owner is ErrInvalidPageToken.
	List(ctx context.Context, owner Owner, limit int, pageToken string) (Page, error)
}

// Flags evaluates feature flags for a context of attributes.
type Flags interface {
	Bool(ctx context.Context, name string, attrs map[string]any, fallback bool) bool
}

// Service runs the orders use cases.
type Service struct {
	store Store
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

// endSpan ends a use case's span: a failure of the caller's making is an
// error of the request, anything else a fault of the service.
func endSpan(span trace.Span, err error) {
	if callersMistake(err) {
		tracing.Reject(span, err)
		return
	}
	tracing.End(span, err)
}

// callersMistake reports whether err is the caller's to fix: a request
// that breaks the rules, an order that does not exist, a page token or
// idempotency key misused, a create racing its own retry.
func callersMistake(err error) bool {
	_, invalid := errors.AsType[*InvalidError](err)
	_, conflict := errors.AsType[*ConflictError](err)
	return invalid || conflict ||
		errors.Is(err, ErrNotFound) || errors.Is(err, ErrNoOwner) || errors.Is(err, ErrInvalidPageToken) || errors.Is(err, ErrIdempotencyKeyReused)
}
