package dynamo

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders"
)

const (
	alice orders.Owner = "4f1c2a6e-1b7d-4c0e-9a55-3c2d7e8f9a01"
	bob   orders.Owner = "7k2m9p4q1r8s3t6v5w0x2y7z4a"
)

var (
	tokenID   = uuid.MustParse("3fa85f64-5717-4562-b3fc-2c963f66afa6")
	tokenTime = time.Date(2026, 11, 26, 12, 0, 0, 120_000_000, time.UTC)
)

func TestPageTokenRoundTrip(t *testing.T) {
	t.Parallel()
	start := ownerKey(alice, tokenID, tokenTime)
	token, err := encodePageToken(alice, start)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(token), maxPageTokenLen)
	assert.NotContains(t, token, string(alice), "the owner is not spelled out")
	got, err := decodePageToken(alice, token)
	require.NoError(t, err)
	assert.Equal(t, start, got)
}

// A token is bound to the caller it was issued to: another caller's
// query would otherwise start from its position in their own orders.
func TestPageTokenIsTheCallers(t *testing.T) {
	t.Parallel()
	token, err := encodePageToken(alice, ownerKey(alice, tokenID, tokenTime))
	require.NoError(t, err)
	_, err = decodePageToken(bob, token)
	require.ErrorIs(t, err, orders.ErrInvalidPageToken)
}

func TestDecodePageTokenRejectsTokensItDidNotIssue(t *testing.T) {
	t.Parallel()
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	valid, err := encodePageToken(alice, ownerKey(alice, tokenID, tokenTime))
	require.NoError(t, err)
	owner := fingerprint(alice)
	const id, at = "3fa85f64-5717-4562-b3fc-2c963f66afa6", "2026-11-26T12:00:00.120Z"
	tests := map[string]string{
		"not base64":            "!!!",
		"padded base64":         valid + "==",
		"not json":              enc("hello"),
		"json array":            enc(`["` + id + `"]`),
		"not a uuid":            enc(`{"id":"abc","created_at":"` + at + `","owner":"` + owner + `"}`),
		"upper-case uuid":       enc(`{"id":"3FA85F64-5717-4562-B3FC-2C963F66AFA6","created_at":"` + at + `","owner":"` + owner + `"}`),
		"no creation time":      enc(`{"id":"` + id + `","owner":"` + owner + `"}`),
		"time without millis":   enc(`{"id":"` + id + `","created_at":"2026-11-26T12:00:00Z","owner":"` + owner + `"}`),
		"time in another zone":  enc(`{"id":"` + id + `","created_at":"2026-11-26T13:00:00.120+01:00","owner":"` + owner + `"}`),
		"no owner":              enc(`{"id":"` + id + `","created_at":"` + at + `"}`),
		"the owner in clear":    enc(`{"id":"` + id + `","created_at":"` + at + `","owner":"` + string(alice) + `"}`),
		"members reordered":     enc(`{"created_at":"` + at + `","id":"` + id + `","owner":"` + owner + `"}`),
		"extra member":          enc(`{"id":"` + id + `","created_at":"` + at + `","owner":"` + owner + `","x":1}`),
		"one character off":     valid[:len(valid)-1] + "A",
		"too long":              enc(string(make([]byte, 300))),
		"the old, scan's token": enc(`{"id":"` + id + `"}`),
	}
	for name, token := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := decodePageToken(alice, token)
			require.ErrorIs(t, err, orders.ErrInvalidPageToken)
		})
	}
}

func TestEncodePageTokenNeedsTheIndexKey(t *testing.T) {
	t.Parallel()
	_, err := encodePageToken(alice, map[string]types.AttributeValue{"id": &types.AttributeValueMemberN{Value: "1"}})
	require.Error(t, err)
	_, err = encodePageToken(alice, key(tokenID))
	require.Error(t, err, "a key of the table, not of the index")
}
