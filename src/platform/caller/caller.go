// Package caller carries who is calling from the Lambda event to the code
// that acts for them: the claims of the access token that API Gateway's
// Cognito authorizer verified before the function ran.
//
// The function never reads a token or the Authorization header itself: the
// edge has checked the token's signature, issuer, expiry and scopes, and
// hands over its claims in the event's requestContext.authorizer.claims,
// every value a string (docs/auth.md). No claims means no verified caller.
package caller

import (
	"context"
	"strings"
)

// Claims are the verified token's claims, as API Gateway passes them.
type Claims map[string]string

// FromAuthorizer reads the claims from an event's
// requestContext.authorizer. A claim that is no string is left out, as an
// authorizer that is not Cognito's might send one; none at all is nil.
func FromAuthorizer(authorizer map[string]any) Claims {
	raw, _ := authorizer["claims"].(map[string]any)
	if len(raw) == 0 {
		return nil
	}
	claims := make(Claims, len(raw))
	for k, v := range raw {
		if s, ok := v.(string); ok {
			claims[k] = s
		}
	}
	return claims
}

// Subject is the token's sub: a user's id, or a machine client's.
func (c Claims) Subject() string { return c["sub"] }

// Scopes are the token's scopes.
func (c Claims) Scopes() []string { return strings.Fields(c["scope"]) }

type contextKey struct{}

// NewContext returns ctx carrying c.
func NewContext(ctx context.Context, c Claims) context.Context {
	return context.WithValue(ctx, contextKey{}, c)
}

// FromContext returns the claims ctx carries, if any.
func FromContext(ctx context.Context) (Claims, bool) {
	c, ok := ctx.Value(contextKey{}).(Claims)
	return c, ok && len(c) > 0
}
