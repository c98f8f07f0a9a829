package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/go-sam-blueprint/orders/tests/repo"
)

// agent is a stand-in for the AWS AppConfig Agent Lambda extension, which
// serves the create function its feature flags on localhost: the
// document of src/orders/flags.json, at the path the agent serves a
// configuration profile at. A cold create fetches it, as in Lambda.
type agent struct {
	url    string
	server *http.Server
}

func startAgent(ctx context.Context) (*agent, error) {
	doc, err := os.ReadFile(filepath.Join(repo.Root(), "src", "orders", "flags.json"))
	if err != nil {
		return nil, fmt.Errorf("feature flags: %w", err)
	}
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("AppConfig agent stand-in: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /applications/{app}/environments/{env}/configurations/{profile}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	})
	a := &agent{url: "http://" + l.Addr().String(), server: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}}
	go func() { _ = a.server.Serve(l) }() // Serve ends with close.
	return a, nil
}

func (a *agent) close() { _ = a.server.Close() }
