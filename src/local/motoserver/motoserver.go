// Package motoserver gives local runs and tests a DynamoDB: it starts
// moto_server on a free loopback port and creates a SAM template's tables.
package motoserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/go-sam-blueprint/orders/src/local/sam"
)

// ErrNoServer reports that no local DynamoDB could be started; its text
// tells the user how to get one.
var ErrNoServer = errors.New(`no local DynamoDB: moto_server is not on PATH.
Install it with:  pip install 'moto[server]'
or run DynamoDB Local in Docker and point at it:
  docker run -p 8000:8000 amazon/dynamodb-local
  export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000`)

// startTimeout bounds how long moto_server may take to answer (about a
// second on a developer machine).
const startTimeout = 30 * time.Second

// Server is a running moto_server, behind a proxy that hands it one
// request at a time: moto's transactions take no lock, so two that overlap
// can undo each other's writes, where DynamoDB isolates them. In series,
// moto behaves as DynamoDB does for the concurrency tests.
type Server struct {
	// Endpoint is the proxy's URL, for AWS_ENDPOINT_URL_DYNAMODB.
	Endpoint string
	cmd      *exec.Cmd
	done     chan struct{}
	stderr   *bytes.Buffer
	proxy    *http.Server
}

// Start runs moto_server on a free loopback port and waits until it answers.
func Start(ctx context.Context) (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrNoServer
	}
	port, err := freePort(ctx)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		done:     make(chan struct{}),
		stderr:   &bytes.Buffer{},
	}
	moto := s.Endpoint
	// The server must outlive the start-up context, not its values.
	s.cmd = exec.CommandContext(context.WithoutCancel(ctx), bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port)) //nolint:gosec // moto_server, found on PATH, on a port of our own.
	s.cmd.Stderr = s.stderr
	configure(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	go func() {
		_ = s.cmd.Wait() // Its exit status matters only while starting; see below.
		close(s.done)
	}()
	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop()
		return nil, err
	}
	if err := s.serveInSeries(ctx, moto); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// serveInSeries puts a proxy in front of moto that forwards one request at
// a time, and points Endpoint at it.
func (s *Server) serveInSeries(ctx context.Context, moto string) error {
	target, err := url.Parse(moto)
	if err != nil {
		return fmt.Errorf("moto_server URL: %w", err)
	}
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("moto_server proxy: %w", err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var one sync.Mutex
	s.proxy = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			one.Lock()
			defer one.Unlock()
			proxy.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = s.proxy.Serve(l) }() // Serve ends with Close, in Stop.
	s.Endpoint = "http://" + l.Addr().String()
	return nil
}

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/moto-api/data.json", http.NoBody)
		if err != nil {
			return fmt.Errorf("probe moto_server: %w", err)
		}
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("moto_server exited at start: %s", bytes.TrimSpace(s.stderr.Bytes()))
		case <-ctx.Done():
			return fmt.Errorf("moto_server did not answer at %s within %s: %w", s.Endpoint, startTimeout, ctx.Err())
		case <-tick.C:
		}
	}
}

// Stop ends the server and waits for it to exit.
func (s *Server) Stop() error {
	if s.proxy != nil {
		_ = s.proxy.Close()
	}
	select {
	case <-s.done:
		return nil
	default:
	}
	if err := stop(s.cmd); err != nil {
		// It cannot be asked to stop; end it.
		if err := s.cmd.Process.Kill(); err != nil {
			return fmt.Errorf("stop moto_server: %w", err)
		}
	}
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	return nil
}

func freePort(ctx context.Context) (int, error) {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// CreateTables creates the given tables, with names prefixed by prefix, and
// switches on their TTL. A table that already exists is left as it is.
func CreateTables(ctx context.Context, db *dynamodb.Client, tables []sam.Table, prefix string) error {
	for i := range tables {
		t := &tables[i]
		in := t.Create
		name := prefix + aws.ToString(in.TableName)
		in.TableName = &name
		_, err := db.CreateTable(ctx, &in)
		if _, exists := errors.AsType[*types.ResourceInUseException](err); exists {
			continue
		}
		if err != nil {
			return fmt.Errorf("create table %s: %w", name, err)
		}
		if t.TTLAttribute == "" {
			continue
		}
		_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName: &name,
			TimeToLiveSpecification: &types.TimeToLiveSpecification{
				AttributeName: &t.TTLAttribute,
				Enabled:       aws.Bool(true),
			},
		})
		if err != nil {
			return fmt.Errorf("enable TTL on %s: %w", name, err)
		}
	}
	return nil
}
