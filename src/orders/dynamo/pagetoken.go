package dynamo

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/orders"
)

// A page token is the base64url (unpadded) JSON {"id":"<uuid>"} of the last
// evaluated key. Clients treat it as opaque; the service accepts only tokens
// of exactly that shape, so a malformed or edited token is refused rather
// than sent to DynamoDB.
//
// It is not signed: a well-formed token only chooses where a Scan starts,
// which reveals nothing a first page would not, so a signature would add a
// secret to manage and no protection.

// maxPageTokenLen is the longest token the service issues, with room to spare.
const maxPageTokenLen = 128

type pageKey struct {
	ID string `json:"id"`
}

func encodePageToken(lastKey map[string]types.AttributeValue) (string, error) {
	id, err := stringAttr(lastKey, attrID)
	if err != nil {
		return "", fmt.Errorf("last evaluated key: %w", err)
	}
	raw, err := json.Marshal(pageKey{ID: id})
	if err != nil {
		return "", fmt.Errorf("encode page token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

func decodePageToken(token string) (uuid.UUID, error) {
	if len(token) > maxPageTokenLen {
		return uuid.Nil, fmt.Errorf("%w: too long", orders.ErrInvalidPageToken)
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return uuid.Nil, fmt.Errorf("%w: not base64url", orders.ErrInvalidPageToken)
	}
	var k pageKey
	if err := json.Unmarshal(raw, &k); err != nil {
		return uuid.Nil, fmt.Errorf("%w: not a page key", orders.ErrInvalidPageToken)
	}
	id, err := uuid.Parse(k.ID)
	if err != nil || k.ID != id.String() {
		return uuid.Nil, fmt.Errorf("%w: not an order id", orders.ErrInvalidPageToken)
	}
	// Only a token that encodes back to itself is one the service issued.
	if again, _ := encodePageToken(key(id)); again != token {
		return uuid.Nil, fmt.Errorf("%w: not canonical", orders.ErrInvalidPageToken)
	}
	return id, nil
}
