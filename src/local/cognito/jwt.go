package cognito

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// b64 is the JWT's encoding. Strict refuses the other encodings of the
// same bytes, so that only one string is a given token.
var b64 = base64.RawURLEncoding.Strict()

// header is a JWT header as Cognito writes it.
type header struct {
	Kid string `json:"kid"`
	Alg string `json:"alg"`
}

// Sign signs claims with the pool's key, whatever they say. It is for
// tests that need a token the pool would never issue, such as an expired
// one or one of another issuer; the pool's own tokens come from UserToken
// and the token endpoint.
func (p *Pool) Sign(claims map[string]any) (string, error) {
	h, err := json.Marshal(header{Kid: p.kid, Alg: "RS256"})
	if err != nil {
		return "", fmt.Errorf("cognito: header: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("cognito: claims: %w", err)
	}
	signed := b64.EncodeToString(h) + "." + b64.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("cognito: sign: %w", err)
	}
	return signed + "." + b64.EncodeToString(sig), nil
}

// Verify checks token as API Gateway's Cognito authorizer does, in its
// order: a JWT, signed RS256 (never "none" nor HS256, which would let a
// caller sign with a public value) by the key its kid names, issued by
// this pool, and not expired. Not token_use: the authorizer matches the
// method's scopes instead, which the caller checks on Claims.Scopes.
//
// The error wraps ErrExpired for a token that is valid but for its exp,
// and ErrInvalid for any other.
func (p *Pool) Verify(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: %d segments, want 3", ErrInvalid, len(parts))
	}
	var h header
	if err := decode(parts[0], &h); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrInvalid, err)
	}
	if h.Alg != "RS256" {
		return nil, fmt.Errorf("%w: alg %q, want RS256", ErrInvalid, h.Alg)
	}
	if h.Kid != p.kid {
		return nil, fmt.Errorf("%w: unknown kid %q", ErrInvalid, h.Kid)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrInvalid, err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&p.key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrInvalid, err)
	}
	var claims Claims
	if err := decode(parts[1], &claims); err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrInvalid, err)
	}
	if claims == nil {
		return nil, fmt.Errorf("%w: payload is null", ErrInvalid)
	}
	if iss, _ := claims["iss"].(string); iss == "" || iss != p.Issuer() {
		return nil, fmt.Errorf("%w: issuer %q, want %q", ErrInvalid, iss, p.Issuer())
	}
	exp, ok := claims["exp"].(float64)
	if !ok {
		return nil, fmt.Errorf("%w: no numeric exp", ErrInvalid)
	}
	// Strictly after now, with no allowance for clock skew: none is
	// documented for the authorizer. Seconds and their fraction apart, as
	// a float64 of Unix nanoseconds would round.
	now := p.now()
	sec := float64(now.Unix())
	if exp < sec+1 && exp-sec <= float64(now.Nanosecond())/1e9 {
		return nil, fmt.Errorf("%w: exp %.0f is not after %s", ErrExpired, exp, now.UTC().Format("2006-01-02T15:04:05.999Z"))
	}
	return claims, nil
}

func decode(segment string, v any) error {
	raw, err := b64.DecodeString(segment)
	if err != nil {
		return fmt.Errorf("base64: %w", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("json: %w", err)
	}
	return nil
}

// jwk is the pool's public key as Cognito's JWKS lists it.
func (p *Pool) jwk() map[string]string {
	return map[string]string{
		"kid": p.kid,
		"alg": "RS256",
		"kty": "RSA",
		"e":   b64.EncodeToString(big.NewInt(int64(p.key.E)).Bytes()),
		"n":   b64.EncodeToString(p.key.N.Bytes()),
		"use": "sig",
	}
}
