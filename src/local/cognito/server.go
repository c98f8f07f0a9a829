package cognito

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// maxForm bounds a token request's body; Cognito's are a few hundred
	// bytes.
	maxForm = 64 << 10
	// shutdownWait bounds how long Stop waits for requests under way.
	shutdownWait = 5 * time.Second
)

// server is a started Pool's HTTP server.
type server struct {
	http *http.Server
	url  string
	done chan struct{} // closed when Serve returns
	// stopOnCancel stops the server when Start's context ends.
	stopOnCancel func() bool
	stop         sync.Once
	err          error
}

// Start serves the pool's endpoints on addr, such as "127.0.0.1:0", until
// Stop or until ctx ends:
//
//	GET  /<ID>/.well-known/jwks.json           the public key, as Cognito's
//	GET  /<ID>/.well-known/openid-configuration issuer, jwks_uri, token_endpoint
//	POST /oauth2/token                          the client_credentials grant
//	POST /local/token                           local only: a user's token
//
// addr must be a loopback address, since /local/token gives a token to
// whoever asks. A pool starts once: its issuer is the URL it serves on.
func (p *Pool) Start(ctx context.Context, addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("cognito: address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("cognito: address %q is not loopback, and the pool gives tokens to whoever asks", addr)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.server != nil {
		return errors.New("cognito: the pool was already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("cognito: listen: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		_ = ln.Close()
		return fmt.Errorf("cognito: %q listens on %s, not loopback", addr, ln.Addr())
	}
	s := &server{
		http: &http.Server{Handler: p.routes(), ReadHeaderTimeout: 10 * time.Second},
		url:  "http://" + ln.Addr().String(),
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.http.Serve(ln) // Always an error; ErrServerClosed after Stop.
	}()
	s.stopOnCancel = context.AfterFunc(ctx, func() { _ = p.stop(context.WithoutCancel(ctx)) })
	p.server = s
	return nil
}

// Stop stops serving, after the requests under way. Tokens issued before
// still verify: the issuer stays.
func (p *Pool) Stop() error {
	return p.stop(context.Background())
}

// stop shuts the server down, waiting at most shutdownWait after ctx.
func (p *Pool) stop(ctx context.Context) error {
	p.mu.Lock()
	s := p.server
	p.mu.Unlock()
	if s == nil {
		return nil
	}
	s.stop.Do(func() {
		s.stopOnCancel()
		ctx, cancel := context.WithTimeout(ctx, shutdownWait)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			_ = s.http.Close()
			s.err = fmt.Errorf("cognito: stop: %w", err)
		}
		<-s.done
	})
	return s.err
}

// URL is where the pool serves, such as http://127.0.0.1:41234: Cognito's
// https://cognito-idp.<region>.amazonaws.com. Empty before Start.
func (p *Pool) URL() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.server == nil {
		return ""
	}
	return p.server.url
}

// Issuer is the iss of the pool's tokens, "<URL>/<ID>". Empty before
// Start.
func (p *Pool) Issuer() string {
	u := p.URL()
	if u == "" {
		return ""
	}
	return u + "/" + p.id
}

type route struct {
	method string
	serve  http.HandlerFunc
}

func (p *Pool) routes() http.Handler {
	routes := map[string]route{
		"/" + p.id + "/.well-known/jwks.json":            {http.MethodGet, p.serveJWKS},
		"/" + p.id + "/.well-known/openid-configuration": {http.MethodGet, p.serveConfig},
		"/oauth2/token": {http.MethodPost, p.serveToken},
		"/local/token":  {http.MethodPost, p.serveLocalToken},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt, ok := routes[r.URL.Path]
		switch {
		case !ok:
			writeError(w, http.StatusNotFound, "not_found", "")
		case r.Method != rt.method:
			w.Header().Set("Allow", rt.method)
			writeError(w, http.StatusMethodNotAllowed, "invalid_request", "")
		default:
			rt.serve(w, r)
		}
	})
}

func (p *Pool) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{p.jwk()}})
}

func (p *Pool) serveConfig(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{
		"issuer":         p.Issuer(),
		"jwks_uri":       p.Issuer() + "/.well-known/jwks.json",
		"token_endpoint": p.URL() + "/oauth2/token",
	})
}

// serveToken is Cognito's token endpoint for the client_credentials grant,
// with client_secret_basic or client_secret_post. Its errors are Cognito's:
// 400 and an error code alone.
func (p *Pool) serveToken(w http.ResponseWriter, r *http.Request) {
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	switch form.Get("grant_type") {
	case "client_credentials":
	case "":
		writeError(w, http.StatusBadRequest, "invalid_request", "")
		return
	default:
		writeError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id != p.machineID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.machineSecret)) != 1 {
		writeError(w, http.StatusBadRequest, "invalid_client", "")
		return
	}
	scopes, err := p.grant(strings.Fields(form.Get("scope")))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_scope", "")
		return
	}
	// [Inference] Cognito's docs do not say what sub a client_credentials
	// token has; it is expected to be the client id. There is no username.
	token, err := p.issue(p.claims(p.machineID, p.machineID, scopes))
	p.writeToken(w, token, err)
}

// serveLocalToken exists only here, not in Cognito: it gives a user the
// access token of the authorization code grant, whose hosted login page
// is not emulated. Form fields: username, scope as for /oauth2/token, and
// expires_in, seconds (0 or less for a token that has expired already,
// which tests of expiry need without waiting an hour).
func (p *Pool) serveLocalToken(w http.ResponseWriter, r *http.Request) {
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	ttl := p.ttl
	if raw := form.Get("expires_in"); raw != "" {
		seconds, err := strconv.Atoi(raw)
		if err != nil || seconds < -86400 || seconds > 86400 {
			writeError(w, http.StatusBadRequest, "invalid_request", "expires_in must be whole seconds from -86400 to 86400")
			return
		}
		ttl = time.Duration(seconds) * time.Second
	}
	token, err := p.userToken(form.Get("username"), strings.Fields(form.Get("scope")), ttl)
	switch {
	case errors.Is(err, errScope):
		writeError(w, http.StatusBadRequest, "invalid_scope", err.Error())
	case errors.Is(err, errUser):
		writeError(w, http.StatusBadRequest, "invalid_request", err.Error())
	default:
		p.writeToken(w, token, err)
	}
}

func (p *Pool) writeToken(w http.ResponseWriter, token string, err error) {
	if err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": token,
		"expires_in":   int(p.ttl / time.Second),
		"token_type":   "Bearer",
	})
}

// readForm reads a token request's form, which Cognito requires
// form-encoded; on a bad request it answers and returns false.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	media, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || media != "application/x-www-form-urlencoded" {
		writeError(w, http.StatusBadRequest, "invalid_request", "")
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "")
		return nil, false
	}
	return r.PostForm, true
}

// writeError answers as OAuth 2.0 does; description is left out when
// empty, as Cognito leaves it out.
func writeError(w http.ResponseWriter, status int, code, description string) {
	body := map[string]string{"error": code}
	if description != "" {
		body["error_description"] = description
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // The client has gone.
}
