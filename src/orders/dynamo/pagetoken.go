package dynamo

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/orders"
)

// A page token is the base64url (unpadded) JSON of where the last page of
// an owner's orders stopped, {"id":"<uuid>","created_at":"<time>","owner":
// "<fingerprint>"}: the last evaluated key of the index, less the owner,
// who is the caller's own on every request, plus a fingerprint of the
// owner it was issued to. Clients treat it as opaque; the service accepts
// only tokens of exactly that shape, issued to the caller, so a malformed,
// edited or borrowed token is refused rather than sent to DynamoDB.
//
// It is not signed: the owner of the query is always the caller, so a
// well-formed token only chooses where in the caller's own orders a page
// starts, which reveals nothing; a signature would add a secret to manage
// and no protection.

// maxPageTokenLen is the longest token the service issues, with room to spare.
const maxPageTokenLen = 256

type pageKey struct {
	ID        string `json:"id"`
	CreatedAt string `json:"created_at"`
	Owner     string `json:"owner"`
}

// fingerprint names owner in a token without spelling it out.
func fingerprint(owner orders.Owner) string {
	sum := sha256.Sum256([]byte(owner))
	return hex.EncodeToString(sum[:8])
}

// encodePageToken is the token of the page after lastKey, a key of the
// owner index, for owner.
func encodePageToken(owner orders.Owner, lastKey map[string]types.AttributeValue) (string, error) {
	id, err := stringAttr(lastKey, attrID)
	if err != nil {
		return "", fmt.Errorf("last evaluated key: %w", err)
	}
	created, err := stringAttr(lastKey, attrCreatedAt)
	if err != nil {
		return "", fmt.Errorf("last evaluated key: %w", err)
	}
	raw, err := json.Marshal(pageKey{ID: id, CreatedAt: created, Owner: fingerprint(owner)})
	if err != nil {
		return "", fmt.Errorf("encode page token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// decodePageToken returns the exclusive start key that token, issued to
// owner, stands for.
func decodePageToken(owner orders.Owner, token string) (map[string]types.AttributeValue, error) {
	if len(token) > maxPageTokenLen {
		return nil, fmt.Errorf("%w: too long", orders.ErrInvalidPageToken)
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url", orders.ErrInvalidPageToken)
	}
	var k pageKey
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, fmt.Errorf("%w: not a page key", orders.ErrInvalidPageToken)
	}
	if k.Owner != fingerprint(owner) {
		return nil, fmt.Errorf("%w: issued to another caller", orders.ErrInvalidPageToken)
	}
	id, err := uuid.Parse(k.ID)
	if err != nil || k.ID != id.String() {
		return nil, fmt.Errorf("%w: not an order id", orders.ErrInvalidPageToken)
	}
	created, err := time.Parse(createdAtLayout, k.CreatedAt)
	if err != nil || created.Format(createdAtLayout) != k.CreatedAt {
		return nil, fmt.Errorf("%w: not a creation time", orders.ErrInvalidPageToken)
	}
	start := ownerKey(owner, id, created)
	// Only a token that encodes back to itself is one the service issued.
	if again, _ := encodePageToken(owner, start); again != token {
		return nil, fmt.Errorf("%w: not canonical", orders.ErrInvalidPageToken)
	}
	return start, nil
}
