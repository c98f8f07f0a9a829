package dynamo

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders"
)

// FuzzPageToken feeds decodePageToken arbitrary tokens: it never panics,
// refuses with orders.ErrInvalidPageToken, and accepts only a token that
// it would issue itself to that caller for the key it read. And the token
// it issues for any order (the 16 bytes of idBytes, zero-padded, created
// millis after the epoch) is accepted, for that key, by that caller only.
func FuzzPageToken(f *testing.F) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	const id, at = "3fa85f64-5717-4562-b3fc-2c963f66afa6", "2026-11-26T12:00:00.120Z"
	owner := fingerprint(alice)
	valid := enc(`{"id":"` + id + `","created_at":"` + at + `","owner":"` + owner + `"}`)
	known := uuid.MustParse(id)
	for _, token := range []string{
		valid,
		valid + "==",
		valid[:len(valid)-1] + "A",
		valid[:len(valid)-1],
		enc(`{"id":"` + id + `"}`), // the tokens of the Scan this replaced
		base64.StdEncoding.EncodeToString([]byte(`{"id":"` + id + `","created_at":"` + at + `","owner":"` + owner + `"}`)),
		"", "!!!", "=", "\x00", "é",
		enc("hello"),
		enc(`{"id":"` + id + `","created_at":"` + at + `","owner":"` + owner + `","owner":"` + owner + `"}`),
		enc(`{"id":"` + id + `","created_at":"2026-11-26T12:00:00.12Z","owner":"` + owner + `"}`),
		enc(`{"id":"` + id + `","created_at":"` + at + `","owner":"` + fingerprint(bob) + `"}`),
		enc(`{"id":"\u0033fa85f64-5717-4562-b3fc-2c963f66afa6","created_at":"` + at + `","owner":"` + owner + `"}`),
		enc(`{}`), enc(`null`),
		enc(string(make([]byte, 300))),
	} {
		f.Add(token, string(alice), known[:], int64(1795838400120))
	}
	f.Add("", "", []byte(nil), int64(0))
	f.Add("", string(bob), uuid.Max[:], int64(-62135596800000))
	f.Add("", "x", []byte{0xff}, int64(253402300799999))

	f.Fuzz(func(t *testing.T, token, caller string, idBytes []byte, millis int64) {
		who := orders.Owner(caller)
		got, err := decodePageToken(who, token)
		if err != nil {
			require.ErrorIs(t, err, orders.ErrInvalidPageToken)
			require.Nil(t, got)
		} else {
			again, err := encodePageToken(who, got)
			require.NoError(t, err)
			require.Equal(t, token, again, "only a token the service would issue is accepted")
			require.Equal(t, caller, got[attrOwner].(*types.AttributeValueMemberS).Value, "the caller's own orders only")
		}

		created := time.UnixMilli(millis).UTC()
		if created.Year() < 1 || created.Year() > 9999 {
			return // no order is created outside RFC 3339's years
		}
		var issued uuid.UUID
		copy(issued[:], idBytes)
		start := ownerKey(who, issued, created)
		token, err = encodePageToken(who, start)
		require.NoError(t, err)
		require.LessOrEqual(t, len(token), maxPageTokenLen, "an issued token fits the limit")
		back, err := decodePageToken(who, token)
		require.NoError(t, err, "a token the service issued is accepted: %q", token)
		require.Equal(t, start, back)
		if caller != string(bob) {
			_, err = decodePageToken(bob, token)
			require.ErrorIs(t, err, orders.ErrInvalidPageToken, "and only by its caller")
		}
	})
}
