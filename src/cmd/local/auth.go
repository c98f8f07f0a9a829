package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-sam-blueprint/orders/src/local/cognito"
	"github.com/go-sam-blueprint/orders/src/local/gateway"
	"github.com/go-sam-blueprint/orders/src/local/sam"
)

// issuerPort is where the local user pool listens: the API's port plus
// one, so that `make token` finds the pool of the `make run` on the same
// PORT; a free port when the API's is (PORT=0).
func issuerPort(apiPort string) (string, error) {
	n, err := strconv.Atoi(apiPort)
	if err != nil || n < 0 || n > 65534 {
		return "", fmt.Errorf("PORT %q is not a port number", apiPort)
	}
	if n == 0 {
		return "0", nil
	}
	return strconv.Itoa(n + 1), nil
}

// startUserPool starts the stand-in for the template's Cognito user pools:
// one local pool, with the users alice and bob, that every user pool of
// the template maps to. It returns the pools by logical id, for the
// gateway's authorizers.
func startUserPool(ctx context.Context, tmpl *sam.Template, apiPort string) (*cognito.Pool, map[string]gateway.UserPool, error) {
	port, err := issuerPort(apiPort)
	if err != nil {
		return nil, nil, err
	}
	pool, err := cognito.New(cognito.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("local user pool: %w", err)
	}
	if err := pool.Start(ctx, net.JoinHostPort("127.0.0.1", port)); err != nil {
		return nil, nil, fmt.Errorf("local user pool: %w (set PORT to move the API, and the pool with it, to another port)", err)
	}
	pools := map[string]gateway.UserPool{}
	for _, id := range tmpl.UserPools() {
		pools[id] = pool
	}
	return pool, pools, nil
}

// describePool is the start-up line that says how to get a token.
func describePool(pool *cognito.Pool) string {
	id, secret := pool.MachineClient()
	return fmt.Sprintf("User pool: %s (tokens: make token, or make token AS=bob; client credentials at %s/oauth2/token, client %s, secret %s)",
		pool.URL(), pool.URL(), id, secret)
}

// tokenOnly is `local token` (make token): it prints an access token of
// the local user AS (alice) with the scopes SCOPE (all of them), from the
// user pool of the make run on PORT (3000).
func tokenOnly(ctx context.Context) error {
	port, err := issuerPort(getenv("PORT", "3000"))
	if err != nil {
		return err
	}
	if port == "0" {
		return fmt.Errorf("PORT=0 picks a port at random: set PORT to the port make run printed")
	}
	base := "http://" + net.JoinHostPort("127.0.0.1", port)
	form := url.Values{"username": {getenv("AS", "alice")}}
	if scope := os.Getenv("SCOPE"); scope != "" {
		form.Set("scope", scope)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/local/token", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("no local user pool at %s: is make run running on PORT=%s? (%w)", base, getenv("PORT", "3000"), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read the token: %w", err)
	}
	var answer struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil || resp.StatusCode != http.StatusOK || answer.AccessToken == "" {
		return fmt.Errorf("the local user pool refused: %s %s (users: alice, bob; scopes: orders/read, orders/write)", answer.Error, answer.Description)
	}
	fmt.Println(answer.AccessToken)
	return nil
}
