// Package orders holds the business logic of the orders service: what an
// order is and the use cases that create, read, list and delete orders. It
// knows nothing of HTTP or DynamoDB; storage sits behind the Store interface.
package orders

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// ErrNotFound reports that no order has the requested id.
var ErrNotFound = errors.New("order not found")

// ErrInvalidPageToken reports a page token that the store did not issue.
var ErrInvalidPageToken = errors.New("invalid page token")

// Order is a customer's order.
type Order struct {
	ID           uuid.UUID
	CustomerName string
	ItemCount    int
	CreatedAt    time.Time
}

// NewOrder is what a customer asks for when creating an order.
type NewOrder struct {
	CustomerName string
	ItemCount    int
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

// Create stores a new order and returns it.
func (s *Service) Create(ctx context.Context, n NewOrder) (Order, error) {
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
	}
	if err := s.store.Put(ctx, o); err != nil {
		return Order{}, fmt.Errorf("create order: %w", err)
	}
	return o, nil
}

// Get returns the order with the given id, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Order, error) {
	o, err := s.store.Get(ctx, id)
	if err != nil {
		return Order{}, fmt.Errorf("get order: %w", err)
	}
	return o, nil
}

// Delete removes the order with the given id and returns it, or ErrNotFound.
func (s *Service) Delete(ctx context.Context, id uuid.UUID) (Order, error) {
	o, err := s.store.Delete(ctx, id)
	if err != nil {
		return Order{}, fmt.Errorf("delete order: %w", err)
	}
	return o, nil
}

// List returns up to limit orders, starting after pageToken ("" for the first page).
func (s *Service) List(ctx context.Context, limit int, pageToken string) (Page, error) {
	if limit < 1 {
		return Page{}, fmt.Errorf("list orders: limit %d is below 1", limit)
	}
	p, err := s.store.List(ctx, limit, pageToken)
	if err != nil {
		return Page{}, fmt.Errorf("list orders: %w", err)
	}
	return p, nil
}
