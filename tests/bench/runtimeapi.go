package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// runtimeAPI is a minimal Lambda Runtime API (version 2018-06-01) on
// loopback: what Lambda serves a custom runtime's bootstrap at
// AWS_LAMBDA_RUNTIME_API, and no more. It hands out the events queued with
// invoke, one per GET of /runtime/invocation/next, with the headers
// aws-lambda-go reads, and takes the answers POSTed to /response and
// /error, and a failed start-up's /init/error. Nothing sits between the
// bench and the bootstrap but this server: the emulator's own start-up, a
// constant Lambda does not have, is not in what the bench times.
//
// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
type runtimeAPI struct {
	addr   string
	server *http.Server

	mu      sync.Mutex
	queue   []*call
	waiting chan struct{} // closed and replaced when an event is queued
	byID    map[string]*call
	initErr chan string
	nextAt  time.Time // when the bootstrap first asked for an event
	seq     int
}

// call is one event and, once the bootstrap has answered, its
// answer.
type call struct {
	id    string
	event []byte
	// done is closed when the bootstrap has answered.
	done     chan struct{}
	answer   []byte
	failed   bool
	answered time.Time
}

// Invocation headers (the Runtime API's "next invocation" response).
const (
	headerRequestID   = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID     = "Lambda-Runtime-Trace-Id"
	functionARN       = "arn:aws:lambda:us-east-1:123456789012:function:orders-bench-CreateOrderFunction"
	// invocationTimeout is the function's timeout (template.yaml's 10 s),
	// from which each event's deadline is set.
	invocationTimeout = 10 * time.Second
)

// startRuntimeAPI serves a Runtime API on a free loopback port.
func startRuntimeAPI(ctx context.Context) (*runtimeAPI, error) {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API: %w", err)
	}
	api := &runtimeAPI{
		addr: l.Addr().String(), waiting: make(chan struct{}),
		byID: map[string]*call{}, initErr: make(chan string, 1),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", api.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", api.answer(false))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", api.answer(true))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", api.initError)
	api.server = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = api.server.Serve(l) }() // Serve ends with close.
	return api, nil
}

func (a *runtimeAPI) close() { _ = a.server.Close() }

// invoke queues an event; the bootstrap receives it at its next GET of
// /next, at once if it is already waiting.
func (a *runtimeAPI) invoke(event []byte) *call {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	inv := &call{id: fmt.Sprintf("bench-%08d-0000-4000-8000-000000000000", a.seq), event: event, done: make(chan struct{})}
	a.queue = append(a.queue, inv)
	a.byID[inv.id] = inv
	close(a.waiting)
	a.waiting = make(chan struct{})
	return inv
}

// firstNext is when the bootstrap first asked for an event: the end of its
// start-up (its init phase, as Lambda counts it).
func (a *runtimeAPI) firstNext() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.nextAt
}

// next hands out the oldest queued event, waiting for one as long as the
// bootstrap waits.
func (a *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
	for {
		a.mu.Lock()
		if a.nextAt.IsZero() {
			a.nextAt = time.Now()
		}
		if len(a.queue) > 0 {
			inv := a.queue[0]
			a.queue = a.queue[1:]
			a.mu.Unlock()
			h := w.Header()
			h.Set(headerRequestID, inv.id)
			h.Set(headerDeadline, strconv.FormatInt(time.Now().Add(invocationTimeout).UnixMilli(), 10))
			h.Set(headerFunctionARN, functionARN)
			// As a function with active tracing gets it; an unsampled
			// trace, as most are, so no segment document is sent.
			h.Set(headerTraceID, "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0")
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(inv.event)
			return
		}
		waiting := a.waiting
		a.mu.Unlock()
		select {
		case <-waiting:
		case <-r.Context().Done():
			return
		}
	}
}

// answer records the bootstrap's answer to an invocation.
func (a *runtimeAPI) answer(failed bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		now := time.Now()
		a.mu.Lock()
		defer a.mu.Unlock()
		inv := a.byID[r.PathValue("id")]
		if inv == nil || err != nil {
			http.Error(w, "unknown invocation", http.StatusBadRequest)
			return
		}
		delete(a.byID, inv.id) // answered once
		inv.answer, inv.failed, inv.answered = body, failed, now
		close(inv.done)
		w.WriteHeader(http.StatusAccepted)
	}
}

func (a *runtimeAPI) initError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	select {
	case a.initErr <- string(body):
	default:
	}
	w.WriteHeader(http.StatusAccepted)
}

// errExited is a bootstrap that ended before it answered.
var errExited = errors.New("the bootstrap exited before it answered")

// wait returns the invocation's answer, or fails when the bootstrap
// reports a failed start-up, exits (exited is closed), or takes longer
// than the function's timeout.
func (a *runtimeAPI) wait(inv *call, exited <-chan struct{}) ([]byte, time.Time, error) {
	timer := time.NewTimer(invocationTimeout)
	defer timer.Stop()
	select {
	case <-inv.done:
		if inv.failed {
			return nil, time.Time{}, fmt.Errorf("the function failed: %s", inv.answer)
		}
		return inv.answer, inv.answered, nil
	case msg := <-a.initErr:
		return nil, time.Time{}, fmt.Errorf("start-up failed: %s", msg)
	case <-exited:
		return nil, time.Time{}, errExited
	case <-timer.C:
		return nil, time.Time{}, fmt.Errorf("no answer within the function's timeout (%s)", invocationTimeout)
	}
}
