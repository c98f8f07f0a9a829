package orders

import (
	"context"
	"fmt"

	"github.com/go-sam-blueprint/orders/src/platform/metrics"
	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

// Page sizes of a listing.
const (
	// DefaultPageSize is the size of a page when the caller names none.
	DefaultPageSize = 10
	// MaxPageSize bounds a page: a listing is read page by page.
	MaxPageSize = 100
)

// PageRequest asks for one page of a listing.
type PageRequest struct {
	// Size is how many orders the page holds at most; 0 means DefaultPageSize.
	Size int
	// Token is the NextToken of the page before; "" for the first page.
	Token string
}

// Page is one page of a listing. NextToken is empty on the last page.
type Page struct {
	Orders    []Order
	NextToken string
}

// List returns one page of owner's orders, newest first.
func (s *Service) List(ctx context.Context, owner Owner, req PageRequest) (p Page, err error) {
	ctx, span := tracing.Start(ctx, "orders.List")
	defer func() { endSpan(span, err) }()
	if err := owner.check(); err != nil {
		return Page{}, err
	}
	size := req.Size
	if size == 0 {
		size = DefaultPageSize
	}
	if size < 1 || size > MaxPageSize {
		var invalid InvalidError
		invalid.add(FieldPageSize, fmt.Sprintf("must be from 1 to %d", MaxPageSize))
		return Page{}, &invalid
	}
	p, err = s.store.List(ctx, owner, size, req.Token)
	if err != nil {
		return Page{}, fmt.Errorf("list orders: %w", err)
	}
	metrics.Count(ctx, MetricOrdersListed)
	return p, nil
}
