package dynamo

import (
	"encoding/base64"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders"
)

// FuzzPageToken feeds decodePageToken arbitrary tokens: it never panics,
// refuses with orders.ErrInvalidPageToken, and accepts only a token that
// it would issue itself for the id it read (encodePageToken(key(id)) is the
// token). And the token it issues for any id (the 16 bytes of idBytes,
// zero-padded) is accepted, for that id.
func FuzzPageToken(f *testing.F) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	const id = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
	valid := enc(`{"id":"` + id + `"}`)
	known := uuid.MustParse(id)
	for _, token := range []string{
		valid,
		valid + "==",
		valid[:len(valid)-1] + "A",
		valid[:len(valid)-1],
		"eyJpZCI6IjM2Y2JmYTU2LTYzYWItNDI2Yy1hMjZlLTAwM2I5OTk2NDRhYSJ9", // README's next_token
		base64.StdEncoding.EncodeToString([]byte(`{"id":"` + id + `"}`)),
		base64.URLEncoding.EncodeToString([]byte(`{"id":"` + id + `"}`)),
		"", "!!!", "=", "\x00", "é",
		enc("hello"),
		enc(`["` + id + `"]`),
		enc(`{"id":"abc"}`),
		enc(`{"id":"{` + id + `}"}`),
		enc(`{"id":"urn:uuid:` + id + `"}`),
		enc(`{"id":"3FA85F64-5717-4562-B3FC-2C963F66AFA6"}`),
		enc(`{"id":"3fa85f6457174562b3fc2c963f66afa6"}`),
		enc(`{"id":"` + id + `","x":1}`),
		enc(`{"id":"` + id + `","id":"` + id + `"}`),
		enc(`{"ID":"` + id + `"}`),
		enc(`{ "id":"` + id + `"}`),
		enc(`{"id":"` + id + `"} `),
		enc(`{"id":"\u0033fa85f64-5717-4562-b3fc-2c963f66afa6"}`),
		enc(`{"id":""}`), enc(`{"id":null}`), enc(`{}`), enc(`null`),
		enc(string(make([]byte, 200))),
	} {
		f.Add(token, known[:])
	}
	f.Add("", []byte(nil))
	f.Add("", uuid.Nil[:])
	f.Add("", uuid.Max[:])
	f.Add(enc(`{"id":"00000000-0000-0000-0000-000000000000"}`), []byte{0xff, 0x00})

	f.Fuzz(func(t *testing.T, token string, idBytes []byte) {
		got, err := decodePageToken(token)
		if err != nil {
			require.ErrorIs(t, err, orders.ErrInvalidPageToken)
			require.Equal(t, uuid.Nil, got)
		} else {
			again, err := encodePageToken(key(got))
			require.NoError(t, err)
			require.Equal(t, token, again, "only a token the service would issue is accepted")
			require.LessOrEqual(t, len(token), maxPageTokenLen)
		}

		var issued uuid.UUID
		copy(issued[:], idBytes)
		token, err = encodePageToken(key(issued))
		require.NoError(t, err)
		require.LessOrEqual(t, len(token), maxPageTokenLen, "an issued token fits the limit")
		back, err := decodePageToken(token)
		require.NoError(t, err, "a token the service issued is accepted: %q", token)
		require.Equal(t, issued, back)
	})
}
