package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// agentStandIn serves the feature-flags file the way the AWS AppConfig
// Agent extension serves a deployed configuration. It reads the file on
// every request, so an edit shows within the service's max age.
func agentStandIn(path string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /applications/{app}/environments/{env}/configurations/{profile}", func(w http.ResponseWriter, _ *http.Request) {
		body, err := os.ReadFile(path) //nolint:gosec // The flags file the developer named.
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	return mux
}

// startAgent serves the stand-in on a free loopback port and returns its URL.
func startAgent(ctx context.Context, path string) (string, func(), error) {
	if _, err := os.Stat(path); err != nil {
		return "", nil, fmt.Errorf("feature flags file: %w (set FLAGS_FILE)", err)
	}
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("AppConfig agent stand-in: %w", err)
	}
	srv := &http.Server{Handler: agentStandIn(path), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }() // Serve ends with Close, below.
	return "http://" + l.Addr().String(), func() { _ = srv.Close() }, nil
}
