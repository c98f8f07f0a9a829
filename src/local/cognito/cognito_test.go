package cognito_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/cognito"
)

// t0 is when the tests' tokens are issued: a whole second, so that exp is
// exactly t0 plus the TTL.
var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func fixed() time.Time { return t0 }

// clock is a clock a test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// start starts a pool on a free loopback port until the test ends.
func start(tb testing.TB, opts cognito.Options) *cognito.Pool {
	tb.Helper()
	p, err := cognito.New(opts)
	require.NoError(tb, err)
	require.NoError(tb, p.Start(tb.Context(), "127.0.0.1:0"))
	tb.Cleanup(func() { assert.NoError(tb, p.Stop()) })
	return p
}

func segment(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeSegment(t *testing.T, s string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, json.Unmarshal(raw, &v))
	return v
}

// A user's token carries a Cognito access token's claims, and verifies.
func TestUserToken(t *testing.T) {
	t.Parallel()
	p := start(t, cognito.Options{Now: fixed})
	machine, _ := p.MachineClient()

	token, err := p.UserToken("alice", nil)
	require.NoError(t, err)
	header := decodeSegment(t, strings.Split(token, ".")[0])
	assert.Len(t, header, 2)
	assert.Equal(t, "RS256", header["alg"])
	assert.NotEmpty(t, header["kid"])

	claims, err := p.Verify(token)
	require.NoError(t, err)
	_, err = uuid.Parse(claims.Sub())
	require.NoError(t, err, "a user's sub is a UUID")
	_, err = uuid.Parse(claims["jti"].(string))
	require.NoError(t, err, "jti is a UUID")
	assert.Equal(t, []string{"orders/read", "orders/write"}, claims.Scopes())
	assert.Equal(t, "orders/read orders/write", claims["scope"])
	assert.Equal(t, "access", claims["token_use"])
	assert.Equal(t, p.Issuer(), claims["iss"])
	assert.Equal(t, p.URL()+"/local_orders", p.Issuer())
	assert.InDelta(t, float64(t0.Unix()), claims["iat"], 0)
	assert.InDelta(t, float64(t0.Unix()), claims["auth_time"], 0)
	assert.InDelta(t, float64(t0.Add(time.Hour).Unix()), claims["exp"], 0)
	assert.Equal(t, "alice", claims["username"])
	assert.InDelta(t, 2, claims["version"], 0)
	assert.Regexp(t, `^[a-z0-9]{26}$`, claims["client_id"])
	assert.NotEqual(t, machine, claims["client_id"], "users sign in through another, public, client")
	assert.Len(t, claims, 11)

	narrow, err := p.UserToken("bob", []string{"orders/write", "orders/write"})
	require.NoError(t, err)
	bob, err := p.Verify(narrow)
	require.NoError(t, err)
	assert.Equal(t, []string{"orders/write"}, bob.Scopes())
	assert.NotEqual(t, claims.Sub(), bob.Sub())
	assert.NotEqual(t, claims["jti"], bob["jti"])
}

func TestUserTokenRefuses(t *testing.T) {
	t.Parallel()
	p := start(t, cognito.Options{Now: fixed})
	for name, tc := range map[string]struct {
		user   string
		scopes []string
	}{
		"unknown user":       {user: "carol"},
		"no user":            {},
		"unknown scope":      {user: "alice", scopes: []string{"orders/admin"}},
		"short scope name":   {user: "alice", scopes: []string{"read"}},
		"one bad of several": {user: "alice", scopes: []string{"orders/read", "openid"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := p.UserToken(tc.user, tc.scopes)
			require.Error(t, err)
		})
	}

	unstarted, err := cognito.New(cognito.Options{})
	require.NoError(t, err)
	_, err = unstarted.UserToken("alice", nil)
	require.ErrorContains(t, err, "not started")
	assert.Empty(t, unstarted.URL())
	assert.Empty(t, unstarted.Issuer())
}

// Verify refuses whatever API Gateway's authorizer refuses, as invalid.
func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	p := start(t, cognito.Options{Now: fixed})
	other := start(t, cognito.Options{Now: fixed})

	valid, err := p.UserToken("alice", nil)
	require.NoError(t, err)
	parts := strings.Split(valid, ".")
	head, payload, sig := parts[0], parts[1], parts[2]
	kid := decodeSegment(t, head)["kid"]
	claims := decodeSegment(t, payload)

	tampered := decodeSegment(t, payload)
	tampered["scope"] = "orders/admin"
	rawSig, err := base64.RawURLEncoding.DecodeString(sig)
	require.NoError(t, err)
	rawSig[len(rawSig)/2] ^= 1
	otherToken, err := other.UserToken("alice", nil)
	require.NoError(t, err)
	otherParts := strings.Split(otherToken, ".")
	signingInput := segment(t, map[string]any{"kid": kid, "alg": "HS256"}) + "." + payload
	mac := hmac.New(sha256.New, []byte("secret"))
	mac.Write([]byte(signingInput))
	with := func(change map[string]any) string {
		c := map[string]any{}
		for k, v := range claims {
			c[k] = v
		}
		for k, v := range change {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		token, err := p.Sign(c)
		require.NoError(t, err)
		return token
	}
	null, err := p.Sign(nil)
	require.NoError(t, err)

	for name, tc := range map[string]struct {
		token, reason string
	}{
		"tampered payload":   {head + "." + segment(t, tampered) + "." + sig, "signature"},
		"tampered signature": {head + "." + payload + "." + base64.RawURLEncoding.EncodeToString(rawSig), "signature"},
		"no signature":       {head + "." + payload + ".", "signature"},
		"padded signature":   {valid + "=", "signature"},
		"alg none":           {segment(t, map[string]any{"kid": kid, "alg": "none"}) + "." + payload + ".", "alg"},
		"alg missing":        {segment(t, map[string]any{"kid": kid}) + "." + payload + "." + sig, "alg"},
		"HS256":              {signingInput + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), "alg"},
		"unknown kid":        {segment(t, map[string]any{"kid": "nope", "alg": "RS256"}) + "." + payload + "." + sig, "kid"},
		"another pool":       {otherToken, "kid"},
		"another pool's key": {head + "." + otherParts[1] + "." + otherParts[2], "signature"},
		"another issuer": {
			with(map[string]any{"iss": "https://cognito-idp.us-east-1.amazonaws.com/local_orders"}), "issuer",
		},
		"another pool's issuer": {with(map[string]any{"iss": other.Issuer()}), "issuer"},
		"no issuer":             {with(map[string]any{"iss": nil}), "issuer"},
		"no exp":                {with(map[string]any{"exp": nil}), "exp"},
		"exp a string":          {with(map[string]any{"exp": "2000000000"}), "exp"},
		"expired elsewhere": {
			with(map[string]any{"iss": other.Issuer(), "exp": t0.Add(-time.Hour).Unix()}), "issuer",
		},
		"null payload":      {null, "null"},
		"header not JSON":   {base64.RawURLEncoding.EncodeToString([]byte("{")) + "." + payload + "." + sig, "header"},
		"header not base64": {"!!." + payload + "." + sig, "header"},
		"empty":             {"", "segments"},
		"garbage":           {"garbage", "segments"},
		"two segments":      {head + "." + payload, "segments"},
		"four segments":     {valid + "." + sig, "segments"},
		"dots":              {"..", "header"},
		"Bearer prefix":     {"Bearer " + valid, "header"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			claims, err := p.Verify(tc.token)
			require.ErrorIs(t, err, cognito.ErrInvalid)
			require.NotErrorIs(t, err, cognito.ErrExpired)
			require.ErrorContains(t, err, tc.reason)
			assert.Nil(t, claims)
		})
	}
}

// A token is valid until its exp, and expired from then on, to the
// nanosecond: no clock skew is allowed.
func TestVerifyExpiry(t *testing.T) {
	t.Parallel()
	c := &clock{now: t0}
	p := start(t, cognito.Options{Now: c.Now, TokenTTL: 10 * time.Minute})
	token, err := p.UserToken("alice", nil)
	require.NoError(t, err)
	signed, err := p.Sign(map[string]any{"iss": p.Issuer(), "exp": t0.Unix() + 1})
	require.NoError(t, err)

	for _, tc := range []struct {
		token   string
		now     time.Time
		expired bool
	}{
		{token, t0, false},
		{token, t0.Add(10*time.Minute - time.Nanosecond), false},
		{token, t0.Add(10 * time.Minute), true},
		{token, t0.Add(24 * time.Hour), true},
		{signed, t0.Add(999 * time.Millisecond), false},
		{signed, t0.Add(time.Second), true},
	} {
		c.Set(tc.now)
		claims, err := p.Verify(tc.token)
		if !tc.expired {
			require.NoError(t, err, tc.now)
			assert.NotEmpty(t, claims)
			continue
		}
		require.ErrorIs(t, err, cognito.ErrExpired, tc.now)
		require.NotErrorIs(t, err, cognito.ErrInvalid)
		assert.Nil(t, claims)
	}
}

// A user keeps their sub in every pool of the same id: across restarts.
func TestSubsAreStable(t *testing.T) {
	t.Parallel()
	opts := cognito.Options{ID: "us-east-1_Test", Users: []string{"alice", "carol"}}
	sub := func(p *cognito.Pool, user string) string {
		token, err := p.UserToken(user, nil)
		require.NoError(t, err)
		claims, err := p.Verify(token)
		require.NoError(t, err)
		return claims.Sub()
	}
	first, second := start(t, opts), start(t, opts)
	elsewhere := start(t, cognito.Options{ID: "us-east-1_Other", Users: opts.Users})

	assert.Equal(t, sub(first, "alice"), sub(second, "alice"))
	assert.Equal(t, sub(first, "carol"), sub(second, "carol"))
	assert.NotEqual(t, sub(first, "alice"), sub(first, "carol"))
	assert.NotEqual(t, sub(first, "alice"), sub(elsewhere, "alice"))
	assert.True(t, strings.HasSuffix(first.Issuer(), "/us-east-1_Test"), first.Issuer())
	assert.NotEqual(t, first.Issuer(), second.Issuer(), "each serves on its own port")
}

func TestNew(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string]cognito.Options{
		"id with a slash":         {ID: "a/b"},
		"id with a space":         {ID: "a b"},
		"negative TTL":            {TokenTTL: -time.Second},
		"resource server a space": {ResourceServer: "my orders"},
		"scope with a slash":      {Scopes: []string{"orders/read"}},
		"empty scope":             {Scopes: []string{""}},
		"user twice":              {Users: []string{"alice", "alice"}},
		"empty user":              {Users: []string{""}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := cognito.New(opts)
			require.Error(t, err)
		})
	}

	a, err := cognito.New(cognito.Options{})
	require.NoError(t, err)
	b, err := cognito.New(cognito.Options{})
	require.NoError(t, err)
	id, secret := a.MachineClient()
	otherID, otherSecret := b.MachineClient()
	assert.Regexp(t, `^[a-z0-9]{26}$`, id)
	assert.GreaterOrEqual(t, len(secret), 40)
	assert.NotEqual(t, id, otherID)
	assert.NotEqual(t, secret, otherSecret)
	assert.NoError(t, a.Stop(), "stopping a pool never started")
}
