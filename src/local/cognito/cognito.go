// Package cognito is a local stand-in for an Amazon Cognito user pool, for
// make run and the tests: it issues access tokens shaped as Cognito's
// (RS256 JWTs with Cognito's claims), serves the pool's JWKS and the
// /oauth2/token endpoint for the client_credentials grant, and verifies
// tokens as API Gateway's Cognito authorizer does.
//
// It follows Cognito's documentation: the token endpoint
// (https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html),
// the access token
// (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html)
// and API Gateway's checks, which are the signature, the issuer and the
// expiry
// (https://repost.aws/knowledge-center/api-gateway-cognito-401-unauthorized).
//
// What Cognito does through its hosted login page, the authorization code
// grant, is not emulated: UserToken, and the local-only POST /local/token,
// hand out the access token that grant would give.
package cognito

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Options configure a Pool. The zero value is a usable pool.
type Options struct {
	// ID names the pool as Cognito's pool id does: the issuer is
	// "<URL>/<ID>", as Cognito's is
	// "https://cognito-idp.<region>.amazonaws.com/<ID>". "local_orders"
	// when empty, with the underscore of Cognito's ids (us-east-1_AbC123);
	// letters, digits, "_" and "-" only, as it is a path segment.
	ID string
	// ResourceServer is the identifier of the pool's one resource server,
	// the prefix of its scopes' full names; "orders" when empty.
	ResourceServer string
	// Scopes are the resource server's scope names, such as "read": tokens
	// carry them as full names, "orders/read". "read" and "write" when
	// empty.
	Scopes []string
	// Users are the pool's user names; "alice" and "bob" when empty.
	Users []string
	// TokenTTL is how long an access token is valid; an hour, Cognito's
	// default, when zero.
	TokenTTL time.Duration
	// Now is the clock tokens are issued and checked by; time.Now when
	// nil. Tests inject one to expire tokens without waiting; the server's
	// goroutines call it too, so it must be safe for concurrent use.
	Now func() time.Time
}

// Errors of Verify, always wrapped with the reason.
var (
	// ErrExpired is a token that would be valid but for its exp: API
	// Gateway answers it with "The incoming token has expired".
	ErrExpired = errors.New("cognito: token expired")
	// ErrInvalid is any other token the authorizer refuses.
	ErrInvalid = errors.New("cognito: invalid token")
)

// errScope is a scope the pool does not have or the client may not ask
// for, which the token endpoints answer with invalid_scope.
var errScope = errors.New("scope not allowed")

// errUser is a user the pool does not have.
var errUser = errors.New("unknown user")

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Pool is a local user pool: a signing key, an issuer, its users and app
// clients. Its methods are safe for concurrent use.
type Pool struct {
	id     string
	scopes []string          // full names, as tokens carry them
	users  map[string]string // user name -> sub
	ttl    time.Duration
	now    func() time.Time
	key    *rsa.PrivateKey
	kid    string
	// machineID and machineSecret are the confidential app client allowed
	// the client_credentials grant and every scope.
	machineID, machineSecret string
	// userClientID is the public app client (no secret) that user tokens
	// name, as a SPA using the authorization code grant would be.
	userClientID string

	mu     sync.Mutex
	server *server // nil until Start
}

// New makes a pool with a fresh RSA-2048 key: tokens of an earlier pool,
// or of another one, do not verify with it.
func New(opts Options) (*Pool, error) {
	opts = withDefaults(opts)
	if !idPattern.MatchString(opts.ID) {
		return nil, fmt.Errorf("cognito: pool id %q: want letters, digits, _ and - only", opts.ID)
	}
	if opts.TokenTTL < 0 {
		return nil, fmt.Errorf("cognito: token TTL %v is negative", opts.TokenTTL)
	}
	if strings.ContainsAny(opts.ResourceServer, " /") {
		return nil, fmt.Errorf("cognito: resource server %q has a space or a slash", opts.ResourceServer)
	}
	p := &Pool{
		id:    opts.ID,
		users: map[string]string{},
		ttl:   opts.TokenTTL,
		now:   opts.Now,
		kid:   rand.Text(),
		// Client ids look like Cognito's: 26 lowercase letters and digits.
		machineID:     strings.ToLower(rand.Text()),
		machineSecret: strings.ToLower(rand.Text() + rand.Text()),
		userClientID:  strings.ToLower(rand.Text()),
	}
	for _, s := range opts.Scopes {
		if s == "" || strings.ContainsAny(s, " /") {
			return nil, fmt.Errorf("cognito: scope %q is empty or has a space or a slash", s)
		}
		p.scopes = append(p.scopes, opts.ResourceServer+"/"+s)
	}
	// A v5 UUID of the pool id and the user name: the same user keeps the
	// same sub across restarts, as a real pool's user does.
	namespace := uuid.NewSHA1(uuid.NameSpaceURL, []byte("cognito-local:"+opts.ID))
	for _, u := range opts.Users {
		if _, dup := p.users[u]; dup || u == "" {
			return nil, fmt.Errorf("cognito: user %q is empty or named twice", u)
		}
		p.users[u] = uuid.NewSHA1(namespace, []byte(u)).String()
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("cognito: signing key: %w", err)
	}
	p.key = key
	return p, nil
}

func withDefaults(opts Options) Options {
	if opts.ID == "" {
		opts.ID = "local_orders"
	}
	if opts.ResourceServer == "" {
		opts.ResourceServer = "orders"
	}
	if len(opts.Scopes) == 0 {
		opts.Scopes = []string{"read", "write"}
	}
	if len(opts.Users) == 0 {
		opts.Users = []string{"alice", "bob"}
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return opts
}

// MachineClient is the pool's confidential app client: it has a secret and
// is allowed the client_credentials grant with every scope of the pool.
func (p *Pool) MachineClient() (id, secret string) {
	return p.machineID, p.machineSecret
}

// UserToken is the access token that the authorization code grant would
// give user for scopes (full names, such as "orders/read"; every scope of
// the pool when none). It is for make token and tests, since the hosted
// login page that grant goes through is not emulated. The pool must be
// started, as the issuer is its URL.
func (p *Pool) UserToken(user string, scopes []string) (string, error) {
	return p.userToken(user, scopes, p.ttl)
}

// userToken is UserToken's token, valid for ttl (expired already when not
// positive: for tests of expiry, which must not wait).
func (p *Pool) userToken(user string, scopes []string, ttl time.Duration) (string, error) {
	sub, ok := p.users[user]
	if !ok {
		return "", fmt.Errorf("cognito: user %q: %w", user, errUser)
	}
	granted, err := p.grant(scopes)
	if err != nil {
		return "", err
	}
	claims := p.claims(sub, p.userClientID, granted)
	claims["exp"] = p.now().Add(ttl).Unix()
	claims["username"] = user
	claims["version"] = 2
	return p.issue(claims)
}

// grant checks requested scopes against the pool's, which every client
// of the pool is allowed: none requested grants them all, as Cognito does.
func (p *Pool) grant(requested []string) ([]string, error) {
	if len(requested) == 0 {
		return p.scopes, nil
	}
	var granted []string
	for _, s := range requested {
		if !slices.Contains(p.scopes, s) {
			return nil, fmt.Errorf("cognito: scope %q: %w", s, errScope)
		}
		if !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	return granted, nil
}

// claims are those of every Cognito access token.
func (p *Pool) claims(sub, client string, scopes []string) map[string]any {
	now := p.now()
	return map[string]any{
		"sub":       sub,
		"token_use": "access",
		"scope":     strings.Join(scopes, " "),
		"auth_time": now.Unix(),
		"iss":       p.Issuer(),
		"iat":       now.Unix(),
		"exp":       now.Add(p.ttl).Unix(),
		"jti":       uuid.NewString(),
		"client_id": client,
	}
}

func (p *Pool) issue(claims map[string]any) (string, error) {
	if p.Issuer() == "" {
		return "", errors.New("cognito: the pool is not started, and its issuer is its URL")
	}
	return p.Sign(claims)
}

// Claims are a token's payload, as decoded JSON: numbers are float64.
type Claims map[string]any

// Scopes are the full names of the token's scopes, from the
// space-separated "scope" claim.
func (c Claims) Scopes() []string {
	s, _ := c["scope"].(string)
	return strings.Fields(s)
}

// Sub is the token's subject: a user's UUID, or a machine client's id.
func (c Claims) Sub() string {
	s, _ := c["sub"].(string)
	return s
}
