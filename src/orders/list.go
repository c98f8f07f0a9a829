package orders

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/go-sam-blueprint/orders/src/platform/metrics"
	"github.com/go-sam-blueprint/orders/src/platform/tracing"
)

// Page sizes of a listing.
const (
	// DefaultPageSize is the size of a page when the client names none
	// (api.yaml's default for limit).
	DefaultPageSize = 10
	// MaxPageSize bounds a page: a listing is read page by page.
	MaxPageSize = 100
	// MaxPageTokenLength bounds a page token, in characters: the store
	// issues far shorter ones, and a longer one is not read.
	MaxPageTokenLength = 1024
)

// PageRequest asks for one page of a listing.
type PageRequest struct {
	// Size is how many orders the page holds at most, 1 to MaxPageSize.
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
	var invalid InvalidError
	if size < 1 || size > MaxPageSize {
		invalid.add(FieldPageSize, fmt.Sprintf("must be from 1 to %d", MaxPageSize))
	}
	if utf8.RuneCountInString(req.Token) > MaxPageTokenLength {
		invalid.add(FieldPageToken, fmt.Sprintf("must be 1 to %d characters long", MaxPageTokenLength))
	}
	if err := invalid.orNil(); err != nil {
		return Page{}, err
	}
	p, err = s.store.List(ctx, owner, size, req.Token)
	if err != nil {
		return Page{}, fmt.Errorf("list orders: %w", err)
	}
	metrics.Count(ctx, MetricOrdersListed)
	return p, nil
}
