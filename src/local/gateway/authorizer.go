package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/go-sam-blueprint/orders/src/local/cognito"
)

// UserPool verifies tokens as the Amazon Cognito user pool that a Cognito
// authorizer names: signature, issuer and expiry. *cognito.Pool is one.
type UserPool interface {
	Verify(token string) (cognito.Claims, error)
}

var _ UserPool = (*cognito.Pool)(nil)

// authorizer is a method's Cognito authorizer: its user pools, and the
// scopes of which a token must carry one.
type authorizer struct {
	pools  []UserPool
	scopes []string
}

// authorizers reads, for each security scheme of spec that is a Cognito
// user pool authorizer, the pools its providerARNs name
// ({"Fn::GetAtt": [UserPool, Arn]}), from pools by logical id.
func authorizers(spec *openapi3.T, pools map[string]UserPool) (map[string][]UserPool, error) {
	out := map[string][]UserPool{}
	if spec.Components == nil {
		return out, nil
	}
	for name, ref := range spec.Components.SecuritySchemes {
		if ref.Value == nil || ref.Value.Extensions["x-amazon-apigateway-authtype"] != "cognito_user_pools" {
			continue
		}
		var ext struct {
			ProviderARNs []struct {
				GetAtt []string `json:"Fn::GetAtt"`
			} `json:"providerARNs"`
		}
		raw, err := json.Marshal(ref.Value.Extensions["x-amazon-apigateway-authorizer"])
		if err == nil {
			err = json.Unmarshal(raw, &ext)
		}
		if err != nil || len(ext.ProviderARNs) == 0 {
			return nil, fmt.Errorf("gateway: security scheme %s: providerARNs must name user pools as {Fn::GetAtt: [Pool, Arn]}", name)
		}
		for _, arn := range ext.ProviderARNs {
			if len(arn.GetAtt) != 2 || arn.GetAtt[1] != "Arn" {
				return nil, fmt.Errorf("gateway: security scheme %s: providerARNs must name user pools as {Fn::GetAtt: [Pool, Arn]}", name)
			}
			pool, ok := pools[arn.GetAtt[0]]
			if !ok {
				return nil, fmt.Errorf("gateway: security scheme %s: no user pool %q", name, arn.GetAtt[0])
			}
			out[name] = append(out[name], pool)
		}
	}
	return out, nil
}

// authorizerOf is the Cognito authorizer that security puts on a method,
// nil for none: the first requirement that names a Cognito scheme, as API
// Gateway imports it (one authorizer per method).
func authorizerOf(security openapi3.SecurityRequirements, schemes map[string][]UserPool) *authorizer {
	for _, requirement := range security {
		for name, scopes := range requirement {
			if pools, ok := schemes[name]; ok {
				return &authorizer{pools: pools, scopes: scopes}
			}
		}
	}
	return nil
}

// methodSecurity is a method's security: its own, else the spec's.
func methodSecurity(own any, spec *openapi3.T) openapi3.SecurityRequirements {
	switch s := own.(type) {
	case *openapi3.SecurityRequirements:
		if s != nil {
			return *s
		}
	case []any: // the any-method's, as the extension holds it
		var out openapi3.SecurityRequirements
		if raw, err := json.Marshal(s); err == nil && json.Unmarshal(raw, &out) == nil {
			return out
		}
	}
	return spec.Security
}

// errUnauthorized is every failure of a Cognito authorizer but expiry:
// API Gateway says no more than "Unauthorized".
var errUnauthorized = errors.New("Unauthorized") //nolint:staticcheck,revive // API Gateway's own word, capitalised.

// authorize checks a request's token as API Gateway's Cognito authorizer
// does, before anything reaches the function: an Authorization header
// holding a token, raw or after "Bearer ", that a pool verifies, carrying
// one of the method's scopes. Every failure is UNAUTHORIZED, 401, a
// missing scope too; an expired token says so (docs/auth.md).
func (a *authorizer) authorize(r *http.Request) (cognito.Claims, *failure) {
	token := strings.TrimSpace(r.Header.Get("Authorization"))
	if scheme, rest, ok := strings.Cut(token, " "); ok && strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(rest)
	}
	if token == "" {
		return nil, unauthorized(errUnauthorized)
	}
	var claims cognito.Claims
	err := errUnauthorized
	for _, pool := range a.pools {
		if claims, err = pool.Verify(token); err == nil {
			break
		}
		if errors.Is(err, cognito.ErrExpired) {
			return nil, unauthorized(err)
		}
	}
	if err != nil {
		return nil, unauthorized(errUnauthorized)
	}
	// Any one of the method's scopes will do.
	if len(a.scopes) > 0 && !slices.ContainsFunc(claims.Scopes(), func(s string) bool { return slices.Contains(a.scopes, s) }) {
		return nil, unauthorized(errUnauthorized)
	}
	return claims, nil
}

func unauthorized(err error) *failure {
	message := "Unauthorized"
	if errors.Is(err, cognito.ErrExpired) {
		message = "The incoming token has expired"
	}
	return &failure{kind: "UNAUTHORIZED", message: message}
}

// eventClaims are claims as API Gateway hands them to the function, in
// requestContext.authorizer.claims: every value a string; exp and iat as
// dates in Java's Date.toString form, other numbers in decimal, a list of
// one as its element (docs/auth.md cites the recorded events).
func eventClaims(claims cognito.Claims) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		out[k] = claimString(k, v)
	}
	return out
}

func claimString(name string, v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		if name == "exp" || name == "iat" {
			return time.Unix(int64(v), 0).UTC().Format("Mon Jan 02 15:04:05 MST 2006")
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		if len(v) == 1 {
			return claimString(name, v[0])
		}
		// Unrecorded for several values; Java's List.toString is a guess.
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = claimString(name, e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}
