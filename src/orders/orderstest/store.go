// Package orderstest provides an in-memory orders.Store for tests, and the
// suite of behaviour that every Store must show (Conformance).
package orderstest

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
)

// Store keeps orders in memory, and the answers to creates by idempotency
// key, as the DynamoDB store does. It lists an owner's orders newest first
// and hands out page tokens of its own, bound to their owner. Set Err to
// make every call fail with it.
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

// Get returns owner's order with the id, or orders.ErrNotFound.
func (s *Store) Get(_ context.Context, owner orders.Owner, id uuid.UUID) (orders.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.find(owner, id)
}

// Delete removes owner's order with the id and returns it, or
// orders.ErrNotFound.
func (s *Store) Delete(_ context.Context, owner orders.Owner, id uuid.UUID) (orders.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.find(owner, id)
	if err == nil {
		delete(s.orders, id)
	}
	return o, err
}

// find looks an order of owner's up; s.mu must be held.
func (s *Store) find(owner orders.Owner, id uuid.UUID) (orders.Order, error) {
	if s.Err != nil {
		return orders.Order{}, s.Err
	}
	o, ok := s.orders[id]
	if !ok || o.Owner != owner {
		return orders.Order{}, orders.ErrNotFound
	}
	return o, nil
}

// List returns up to limit of owner's orders, newest first; the token is
// the offset and the owner ("3/alice").
func (s *Store) List(_ context.Context, owner orders.Owner, limit int, token string) (orders.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return orders.Page{}, s.Err
	}
	start := 0
	if token != "" {
		offset, issuedTo, _ := strings.Cut(token, "/")
		n, err := strconv.Atoi(offset)
		if err != nil || n < 0 || orders.Owner(issuedTo) != owner {
			return orders.Page{}, orders.ErrInvalidPageToken
		}
		start = n
	}
	var mine []orders.Order
	for _, o := range s.orders {
		if o.Owner == owner {
			mine = append(mine, o)
		}
	}
	slices.SortFunc(mine, func(a, b orders.Order) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return slices.Compare(a.ID[:], b.ID[:])
	})
	var page orders.Page
	for i := start; i < len(mine) && len(page.Orders) < limit; i++ {
		page.Orders = append(page.Orders, mine[i])
	}
	if end := start + len(page.Orders); end < len(mine) {
		page.NextToken = strconv.Itoa(end) + "/" + string(owner)
	}
	return page, nil
}

var errDuplicate = errors.New("orderstest: order id exists")
