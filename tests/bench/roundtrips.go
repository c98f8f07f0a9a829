package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// dynamoCounter is a reverse proxy in front of moto_server that counts the
// DynamoDB calls sent through it, by operation.
type dynamoCounter struct {
	url    string
	server *http.Server

	mu    sync.Mutex
	calls []string
}

func startDynamoCounter(ctx context.Context, endpoint string) (*dynamoCounter, error) {
	target, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &dynamoCounter{url: "http://" + l.Addr().String()}
	proxy := httputil.NewSingleHostReverseProxy(target)
	c.server = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := r.Header.Get("X-Amz-Target")
		c.mu.Lock()
		c.calls = append(c.calls, op[strings.LastIndex(op, ".")+1:])
		c.mu.Unlock()
		proxy.ServeHTTP(w, r)
	})}
	go func() { _ = c.server.Serve(l) }() // Serve ends with close.
	return c, nil
}

// take returns the calls counted since the last take.
func (c *dynamoCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = nil
	return out
}

func (c *dynamoCounter) close() { _ = c.server.Close() }

// roundTrips counts the DynamoDB calls of each operation as Lambda runs
// them: a fresh bootstrap under the Runtime API, against fresh tables, its
// first invocation a create (which also fetches the flags from the
// AppConfig agent stand-in: no DynamoDB call), then a replay of it, a get,
// a delete and a list.
func roundTrips(ctx context.Context, r *report, env *benchEnv, work string, t tables) error {
	bins, err := buildBinaries(ctx, work)
	if err != nil {
		return err
	}
	c, err := startDynamoCounter(ctx, env.moto.Endpoint)
	if err != nil {
		return err
	}
	defer c.close()
	vars := env.functionVars(t)
	vars["AWS_ENDPOINT_URL_DYNAMODB"] = c.url
	q, err := newRequests()
	if err != nil {
		return err
	}
	create := q.newCreate()
	first, err := json.Marshal(create)
	if err != nil {
		return err
	}
	p, inv, err := startProcess(ctx, bins.ours, vars, first, nil)
	if err != nil {
		return err
	}
	defer p.stop()
	answer, _, err := p.wait(inv)
	if err != nil {
		return err
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(answer, &resp); err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("first create: %s", answer)
	}
	if err := roundTripRow(r, "first create, fresh process and table", c.take()); err != nil {
		return err
	}
	id := orderID(resp)
	steps := []struct {
		name  string
		event events.APIGatewayProxyRequest
	}{
		{"replay", create}, {"get", q.forID(q.get, id)}, {"delete", q.forID(q.del, id)}, {"list", q.list},
	}
	for i := range steps {
		s := &steps[i]
		raw, err := json.Marshal(s.event)
		if err != nil {
			return err
		}
		answer, err := p.invoke(raw)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(answer, &resp); err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", s.name, answer)
		}
		if err := roundTripRow(r, s.name, c.take()); err != nil {
			return err
		}
	}
	return nil
}

func roundTripRow(r *report, name string, calls []string) error {
	if len(calls) == 0 {
		return fmt.Errorf("%s: no DynamoDB call went through the counter", name)
	}
	r.add("DynamoDB round trips: "+name, fmt.Sprintf("%d (%s)", len(calls), strings.Join(calls, ", ")),
		fmt.Sprintf("≤ %d", budgetRoundTrips), len(calls) <= budgetRoundTrips)
	return nil
}
