// Package orderstest provides an in-memory orders.Store for tests.
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
)

// Store keeps orders in memory. It lists them by id and hands out page
// tokens of its own. Set Err to make every call fail with it.
type Store struct {
	mu     sync.Mutex
	orders map[uuid.UUID]orders.Order
	// Err, when set, is returned by every call.
	Err error
}

var _ orders.Store = (*Store)(nil)

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{orders: map[uuid.UUID]orders.Order{}}
}

// Len returns how many orders the store holds.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.orders)
}

// Put stores o, like a conditional put: an existing id is an error.
func (s *Store) Put(_ context.Context, o orders.Order) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return s.Err
	}
	if _, ok := s.orders[o.ID]; ok {
		return errDuplicate
	}
	s.orders[o.ID] = o
	return nil
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
