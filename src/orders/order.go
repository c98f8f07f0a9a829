// Package orders is the orders service's domain: what an order is, the
// rules it keeps, and the use cases that create, read, list and delete
// orders, one file each.
//
// It knows nothing of HTTP or DynamoDB. Storage sits behind Store; the
// adapters translate their own failures into this package's errors (see
// errors.go), and the HTTP layer answers those errors, and only those.
package orders

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The rules an order keeps. api.yaml states the same bounds for the edge
// and for clients; a test holds the two together.
const (
	// MinNameLength and MaxNameLength bound a customer's name, in Unicode
	// code points, as JSON Schema counts a string's length.
	MinNameLength = 1
	MaxNameLength = 20
	// MinItemCount and MaxItemCount bound an order's items. Larger orders
	// are bulk orders, which need their own flow.
	MinItemCount = 1
	MaxItemCount = 1000
)

// Owner is the caller an order belongs to: the subject (sub) of the
// access token that API Gateway's authorizer verified. Only its owner
// reads, lists or deletes an order; to anyone else it does not exist.
type Owner string

// maxOwnerLength bounds an owner: Cognito's subjects are UUIDs (36) or app
// client ids (26).
const maxOwnerLength = 128

// NewOwner checks sub, a verified token's subject, as an Owner: 1 to 128
// letters, digits and "-_.:@", so that it can never be confused with the
// separators of the keys it is part of.
func NewOwner(sub string) (Owner, error) {
	if sub == "" || len(sub) > maxOwnerLength {
		return "", fmt.Errorf("%w: a subject of 1 to %d characters", ErrNoOwner, maxOwnerLength)
	}
	for _, r := range sub {
		if !ownerRune(r) {
			return "", fmt.Errorf("%w: a subject of letters, digits and -_.:@ only", ErrNoOwner)
		}
	}
	return Owner(sub), nil
}

func ownerRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:@", r)
}

// Order is a customer's order.
type Order struct {
	ID uuid.UUID
	// Owner is the caller who created it.
	Owner        Owner
	CustomerName string
	ItemCount    int
	CreatedAt    time.Time
	// Premium is the premium_features flag for the customer when the order
	// was created.
	Premium bool
}

// NewOrder is what a customer asks for when creating an order.
type NewOrder struct {
	CustomerName string
	ItemCount    int
}

// validate checks n, and the idempotency key it is created with, against
// the rules an order keeps.
func (n NewOrder) validate(idempotencyKey string) error {
	var invalid InvalidError
	if utf8.RuneCountInString(idempotencyKey) > MaxIdempotencyKeyLength {
		invalid.add(FieldIdempotencyKey, fmt.Sprintf("must be 1 to %d characters long", MaxIdempotencyKeyLength))
	}
	if length := utf8.RuneCountInString(n.CustomerName); length < MinNameLength || length > MaxNameLength {
		invalid.add(FieldCustomerName, fmt.Sprintf("must be %d to %d characters long", MinNameLength, MaxNameLength))
	}
	if n.ItemCount < MinItemCount || n.ItemCount > MaxItemCount {
		invalid.add(FieldItemCount, fmt.Sprintf("must be from %d to %d", MinItemCount, MaxItemCount))
	}
	return invalid.orNil()
}

// payload is n's canonical form: two creates with the same payload are the
// same order, for idempotency.
func (n NewOrder) payload() []byte {
	// The Python cookbook's member names, in a fixed order.
	raw, _ := json.Marshal(struct { //nolint:errchkjson // A string and an int always marshal.
		CustomerName string `json:"customer_name"`
		ItemCount    int    `json:"order_item_count"`
	}{n.CustomerName, n.ItemCount})
	return raw
}

// check refuses the zero Owner: a use case never runs for no one.
func (o Owner) check() error {
	if o == "" {
		return ErrNoOwner
	}
	return nil
}
