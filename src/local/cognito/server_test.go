package cognito_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/cognito"
)

const form = "application/x-www-form-urlencoded"

// call sends a request to the pool and returns the status and the decoded
// JSON body.
func call(t *testing.T, method, target, contentType, body string, setup func(*http.Request)) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, target, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if setup != nil {
		setup(req)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// checkToken checks a token endpoint's success answer and returns the
// token's claims.
func checkToken(t *testing.T, p *cognito.Pool, body map[string]any) cognito.Claims {
	t.Helper()
	assert.Len(t, body, 3)
	assert.InDelta(t, 3600, body["expires_in"], 0)
	assert.Equal(t, "Bearer", body["token_type"])
	token, _ := body["access_token"].(string)
	claims, err := p.Verify(token)
	require.NoError(t, err)
	return claims
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	p := start(t, cognito.Options{Now: fixed})
	id, secret := p.MachineClient()
	basic := func(id, secret string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(id, secret) }
	}
	post := func(id, secret string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	}
	grant := url.Values{"grant_type": {"client_credentials"}}
	withScope := func(v url.Values, scope string) url.Values {
		v = url.Values(cloneValues(v))
		v.Set("scope", scope)
		return v
	}

	for name, tc := range map[string]struct {
		contentType string
		form        url.Values
		setup       func(*http.Request)
		wantStatus  int
		wantError   string
		wantScopes  []string
	}{
		"basic":         {form, grant, basic(id, secret), 200, "", []string{"orders/read", "orders/write"}},
		"post":          {form, post(id, secret), nil, 200, "", []string{"orders/read", "orders/write"}},
		"charset":       {form + "; charset=UTF-8", grant, basic(id, secret), 200, "", []string{"orders/read", "orders/write"}},
		"narrowed":      {form, withScope(grant, "orders/read"), basic(id, secret), 200, "", []string{"orders/read"}},
		"narrowed post": {form, withScope(post(id, secret), "orders/write orders/write"), nil, 200, "", []string{"orders/write"}},
		"both scopes":   {form, withScope(grant, "orders/write orders/read"), basic(id, secret), 200, "", []string{"orders/write", "orders/read"}},

		"unknown scope":    {form, withScope(grant, "orders/admin"), basic(id, secret), 400, "invalid_scope", nil},
		"short scope name": {form, withScope(grant, "read"), basic(id, secret), 400, "invalid_scope", nil},
		"openid":           {form, withScope(post(id, secret), "orders/read openid"), nil, 400, "invalid_scope", nil},

		"wrong secret":       {form, grant, basic(id, secret+"x"), 400, "invalid_client", nil},
		"wrong secret post":  {form, post(id, "x"), nil, 400, "invalid_client", nil},
		"unknown client":     {form, grant, basic("abc", secret), 400, "invalid_client", nil},
		"no secret":          {form, post(id, ""), nil, 400, "invalid_client", nil},
		"no client":          {form, grant, nil, 400, "invalid_client", nil},
		"bearer":             {form, grant, func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }, 400, "invalid_client", nil},
		"authorization code": {form, url.Values{"grant_type": {"authorization_code"}}, basic(id, secret), 400, "unsupported_grant_type", nil},
		"password":           {form, url.Values{"grant_type": {"password"}}, basic(id, secret), 400, "unsupported_grant_type", nil},
		"no grant":           {form, url.Values{}, basic(id, secret), 400, "invalid_request", nil},
		"JSON body":          {"application/json", grant, basic(id, secret), 400, "invalid_request", nil},
		"no content type":    {"", grant, basic(id, secret), 400, "invalid_request", nil},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			status, body := call(t, http.MethodPost, p.URL()+"/oauth2/token", tc.contentType, tc.form.Encode(), tc.setup)
			require.Equal(t, tc.wantStatus, status, body)
			if tc.wantError != "" {
				assert.Equal(t, map[string]any{"error": tc.wantError}, body)
				return
			}
			claims := checkToken(t, p, body)
			assert.Equal(t, tc.wantScopes, claims.Scopes())
			assert.Equal(t, id, claims.Sub())
			assert.Equal(t, id, claims["client_id"])
			assert.Equal(t, "access", claims["token_use"])
			assert.NotContains(t, claims, "username")
			assert.NotContains(t, claims, "version")
		})
	}
}

func cloneValues(v url.Values) map[string][]string {
	out := make(map[string][]string, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func TestLocalToken(t *testing.T) {
	t.Parallel()
	p := start(t, cognito.Options{Now: fixed})
	for name, tc := range map[string]struct {
		form       url.Values
		wantStatus int
		wantError  string
		wantScopes []string
	}{
		"all scopes":     {url.Values{"username": {"alice"}}, 200, "", []string{"orders/read", "orders/write"}},
		"narrowed":       {url.Values{"username": {"bob"}, "scope": {"orders/read"}}, 200, "", []string{"orders/read"}},
		"unknown user":   {url.Values{"username": {"carol"}}, 400, "invalid_request", nil},
		"no user":        {url.Values{}, 400, "invalid_request", nil},
		"unknown scope":  {url.Values{"username": {"alice"}, "scope": {"orders/admin"}}, 400, "invalid_scope", nil},
		"bad expiry":     {url.Values{"username": {"alice"}, "expires_in": {"soon"}}, 400, "invalid_request", nil},
		"expiry too far": {url.Values{"username": {"alice"}, "expires_in": {"86401"}}, 400, "invalid_request", nil},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			status, body := call(t, http.MethodPost, p.URL()+"/local/token", form, tc.form.Encode(), nil)
			require.Equal(t, tc.wantStatus, status, body)
			if tc.wantError != "" {
				assert.Equal(t, tc.wantError, body["error"])
				assert.NotEmpty(t, body["error_description"], "a local endpoint says why")
				return
			}
			claims := checkToken(t, p, body)
			assert.Equal(t, tc.wantScopes, claims.Scopes())
			assert.Equal(t, tc.form.Get("username"), claims["username"])
		})
	}
}

// A test of expiry asks for a token that has expired already, rather
// than wait for one to.
func TestLocalTokenExpiringIn(t *testing.T) {
	t.Parallel()
	p := start(t, cognito.Options{Now: fixed})
	status, body := call(t, http.MethodPost, p.URL()+"/local/token", form, url.Values{"username": {"alice"}, "expires_in": {"0"}}.Encode(), nil)
	require.Equal(t, http.StatusOK, status, body)
	token, ok := body["access_token"].(string)
	require.True(t, ok, body)
	_, err := p.Verify(token)
	require.ErrorIs(t, err, cognito.ErrExpired, "exp equal to now has expired")

	status, body = call(t, http.MethodPost, p.URL()+"/local/token", form, url.Values{"username": {"alice"}, "expires_in": {"60"}}.Encode(), nil)
	require.Equal(t, http.StatusOK, status, body)
	claims := checkToken(t, p, body)
	assert.EqualValues(t, fixed().Add(time.Minute).Unix(), claims["exp"])
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	p := start(t, cognito.Options{ID: "eu-west-1_Local"})

	status, body := call(t, http.MethodGet, p.URL()+"/eu-west-1_Local/.well-known/openid-configuration", "", "", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, map[string]any{
		"issuer":         p.Issuer(),
		"jwks_uri":       p.Issuer() + "/.well-known/jwks.json",
		"token_endpoint": p.URL() + "/oauth2/token",
	}, body)

	for _, tc := range []struct {
		method, path string
		wantStatus   int
	}{
		{http.MethodGet, "/", 404},
		{http.MethodGet, "/local_orders/.well-known/jwks.json", 404},
		{http.MethodGet, "/eu-west-1_Local/.well-known/jwks.json/", 404},
		{http.MethodPost, "/oauth2/authorize", 404},
		{http.MethodGet, "/oauth2/token", 405},
		{http.MethodGet, "/local/token", 405},
		{http.MethodPost, "/eu-west-1_Local/.well-known/jwks.json", 405},
	} {
		status, body := call(t, tc.method, p.URL()+tc.path, "", "", nil)
		assert.Equal(t, tc.wantStatus, status, tc)
		assert.NotEmpty(t, body["error"], tc)
	}
}

// The JWKS endpoint's key checks the signature of the pool's tokens with
// crypto/rsa alone, as API Gateway or any JWT library would.
func TestJWKSVerifiesTokens(t *testing.T) {
	t.Parallel()
	p := start(t, cognito.Options{})
	status, body := call(t, http.MethodGet, p.Issuer()+"/.well-known/jwks.json", "", "", nil)
	require.Equal(t, http.StatusOK, status)
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	var jwks struct {
		Keys []map[string]string `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(raw, &jwks))
	require.Len(t, jwks.Keys, 1)
	key := jwks.Keys[0]
	assert.Equal(t, "RS256", key["alg"])
	assert.Equal(t, "RSA", key["kty"])
	assert.Equal(t, "sig", key["use"])
	assert.Equal(t, "AQAB", key["e"])
	n, err := base64.RawURLEncoding.DecodeString(key["n"])
	require.NoError(t, err)
	e, err := base64.RawURLEncoding.DecodeString(key["e"])
	require.NoError(t, err)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	assert.Equal(t, 2048, pub.N.BitLen())

	user, err := p.UserToken("alice", nil)
	require.NoError(t, err)
	id, secret := p.MachineClient()
	status, body = call(t, http.MethodPost, p.URL()+"/oauth2/token", form, "grant_type=client_credentials",
		func(r *http.Request) { r.SetBasicAuth(id, secret) })
	require.Equal(t, http.StatusOK, status)
	machine, _ := body["access_token"].(string)

	for _, token := range []string{user, machine} {
		parts := strings.Split(token, ".")
		require.Len(t, parts, 3)
		assert.Equal(t, key["kid"], decodeSegment(t, parts[0])["kid"])
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		require.NoError(t, err)
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		require.NoError(t, rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig))
	}
}

// The pool hands out tokens to whoever asks: it listens on loopback only.
func TestStartRefusesNonLoopback(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0", "example.com:0", "127.0.0.1"} {
		p, err := cognito.New(cognito.Options{})
		require.NoError(t, err)
		require.Error(t, p.Start(t.Context(), addr), addr)
		assert.Empty(t, p.URL(), addr)
	}
}

func TestStartAndStop(t *testing.T) {
	t.Parallel()
	p, err := cognito.New(cognito.Options{})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	require.NoError(t, p.Start(ctx, "localhost:0"))
	assert.True(t, strings.HasPrefix(p.URL(), "http://127.0.0.1:") || strings.HasPrefix(p.URL(), "http://[::1]:"), p.URL())
	require.ErrorContains(t, p.Start(t.Context(), "127.0.0.1:0"), "already started")
	token, err := p.UserToken("alice", nil)
	require.NoError(t, err)

	cancel() // Stops the pool; Stop waits until it has.
	require.NoError(t, p.Stop())
	require.NoError(t, p.Stop())
	client := &http.Client{Timeout: 5 * time.Second}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, p.Issuer()+"/.well-known/jwks.json", http.NoBody)
	require.NoError(t, err)
	resp, err := client.Do(req)
	if err == nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err, "the pool no longer serves")
	_, err = p.Verify(token)
	require.NoError(t, err, "tokens outlive the server")
}
