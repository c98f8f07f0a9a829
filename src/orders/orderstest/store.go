// Package orderstest provides an in-memory orders.Store for tests, and the
// suite of behaviour that every Store must show (Conformance).
package orderstest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
)

// Store keeps orders in memory, and the answers to creates by idempotency
// key, as the DynamoDB store does. It lists orders by id and hands out page
// tokens of its own. Set Err to make every call fail with it.
type Store struct {
	mu      sync.Mutex
	orders  map[uuid.UUID]orders.Order
	answers map[string]answer
	// Err, when set, is returned by every call.
	Err error
}

// answer is a create's idempotency record.
type answer struct {
	payloadHash string
	order       orders.Order
}

var _ orders.Store = (*Store)(nil)

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{orders: map[uuid.UUID]orders.Order{}, answers: map[string]answer{}}
}

// Len returns how many orders the store holds.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.orders)
}

// Add stores o as it is, outside any create: a fixture's order.
func (s *Store) Add(o orders.Order) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[o.ID] = o
}

// Create stores o as the answer to req, unless req was answered before.
func (s *Store) Create(_ context.Context, o orders.Order, req idempotency.Request) (orders.Order, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return orders.Order{}, false, s.Err
	}
	if a, ok := s.answers[req.Key]; ok {
		if a.payloadHash != req.PayloadHash {
			return orders.Order{}, false, orders.ErrIdempotencyKeyReused
		}
		return a.order, true, nil
	}
	if _, ok := s.orders[o.ID]; ok {
		return orders.Order{}, false, errDuplicate
	}
	s.orders[o.ID] = o
	s.answers[req.Key] = answer{payloadHash: req.PayloadHash, order: o}
	return o, false, nil
}

// Get returns the order with the id, or orders.ErrNotFound.
func (s *Store) Get(_ context.Context, id uuid.UUID) (orders.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.find(id)
}

// Delete removes the order with the id and returns it, or orders.ErrNotFound.
func (s *Store) Delete(_ context.Context, id uuid.UUID) (orders.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.find(id)
	if err == nil {
		delete(s.orders, id)
	}
	return o, err
}

// find looks an order up; s.mu must be held.
func (s *Store) find(id uuid.UUID) (orders.Order, error) {
	if s.Err != nil {
		return orders.Order{}, s.Err
	}
	o, ok := s.orders[id]
	if !ok {
		return orders.Order{}, orders.ErrNotFound
	}
	return o, nil
}

// List returns up to limit orders by id; the token is the offset.
func (s *Store) List(_ context.Context, limit int, token string) (orders.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return orders.Page{}, s.Err
	}
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 {
			return orders.Page{}, orders.ErrInvalidPageToken
		}
		start = n
	}
	ids := slices.SortedFunc(maps.Keys(s.orders), func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	var page orders.Page
	for i := start; i < len(ids) && len(page.Orders) < limit; i++ {
		page.Orders = append(page.Orders, s.orders[ids[i]])
	}
	if end := start + len(page.Orders); end < len(ids) {
		page.NextToken = strconv.Itoa(end)
	}
	return page, nil
}

var errDuplicate = errors.New("orderstest: order id exists")
