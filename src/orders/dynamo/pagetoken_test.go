package dynamo

import (
	"encoding/base64"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/orders"
)

func TestPageTokenRoundTrip(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("3fa85f64-5717-4562-b3fc-2c963f66afa6")
	token, err := encodePageToken(key(id))
	require.NoError(t, err)
	assert.LessOrEqual(t, len(token), maxPageTokenLen)
	got, err := decodePageToken(token)
	require.NoError(t, err)
	assert.Equal(t, id, got)
}

func TestDecodePageTokenRejectsTokensItDidNotIssue(t *testing.T) {
	t.Parallel()
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	valid, err := encodePageToken(key(uuid.MustParse("3fa85f64-5717-4562-b3fc-2c963f66afa6")))
	require.NoError(t, err)
	tests := map[string]string{
		"not base64":         "!!!",
		"padded base64":      valid + "==",
		"not json":           enc("hello"),
		"json array":         enc(`["3fa85f64-5717-4562-b3fc-2c963f66afa6"]`),
		"not a uuid":         enc(`{"id":"abc"}`),
		"uuid in braces":     enc(`{"id":"{3fa85f64-5717-4562-b3fc-2c963f66afa6}"}`),
		"upper-case uuid":    enc(`{"id":"3FA85F64-5717-4562-B3FC-2C963F66AFA6"}`),
		"extra member":       enc(`{"id":"3fa85f64-5717-4562-b3fc-2c963f66afa6","x":1}`),
		"spaces":             enc(`{ "id":"3fa85f64-5717-4562-b3fc-2c963f66afa6"}`),
		"one character off":  valid[:len(valid)-1] + "A",
		"too long":           enc(string(make([]byte, 200))),
		"empty id":           enc(`{"id":""}`),
		"different key name": enc(`{"ID":"3fa85f64-5717-4562-b3fc-2c963f66afa6"}`),
	}
	for name, token := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := decodePageToken(token)
			require.ErrorIs(t, err, orders.ErrInvalidPageToken)
		})
	}
}

func TestEncodePageTokenNeedsAnID(t *testing.T) {
	t.Parallel()
	_, err := encodePageToken(map[string]types.AttributeValue{"id": &types.AttributeValueMemberN{Value: "1"}})
	require.Error(t, err)
}
