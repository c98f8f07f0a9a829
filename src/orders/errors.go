package orders

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The domain's errors. Adapters return these, wrapped with their own
// context, for the failures the domain knows of; the HTTP layer answers
// each from one table (orders/httpapi's errors.go).
var (
	// ErrNotFound reports that no order has the requested id.
	ErrNotFound = errors.New("not found")
	// ErrInvalidPageToken reports a page token that the store did not issue.
	ErrInvalidPageToken = errors.New("invalid page token")
	// ErrIdempotencyKeyReused reports a create whose idempotency key was
	// used before for another order.
	ErrIdempotencyKeyReused = errors.New("idempotency key reused for another order")
	// ErrNoOwner reports a request without a caller the service can own
	// orders for: no verified token reached it, or one without a usable
	// subject.
	ErrNoOwner = errors.New("no caller identity")
	// ErrUnavailable reports that the orders' storage turned the request
	// away for now (throttled, or its retries gave up): a retry later will do.
	ErrUnavailable = errors.New("orders storage unavailable")
)

// ConflictError reports a create that raced another with the same
// idempotency key.
type ConflictError struct {
	// RetryAfter is how long to wait before retrying.
	RetryAfter time.Duration
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("a create with this idempotency key is in progress; retry after %s", e.RetryAfter)
}

// The fields an InvalidError names.
const (
	FieldCustomerName = "customer_name"
	FieldItemCount    = "item_count"
	FieldPageSize     = "page_size"
	FieldPageToken    = "page_token"
	// FieldIdempotencyKey is the key a create is made idempotent by.
	FieldIdempotencyKey = "idempotency_key"
)

// InvalidError reports a request that breaks the rules an order keeps,
// every broken rule at once.
type InvalidError struct {
	Violations []Violation
}

// Violation is one broken rule: the field, and what it must be.
type Violation struct {
	Field  string
	Reason string
}

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + " " + v.Reason
	}
	return "invalid: " + strings.Join(parts, "; ")
}

func (e *InvalidError) add(field, reason string) {
	e.Violations = append(e.Violations, Violation{Field: field, Reason: reason})
}

// orNil returns e as an error when it holds a violation, else nil.
func (e *InvalidError) orNil() error {
	if len(e.Violations) == 0 {
		return nil
	}
	return e
}
