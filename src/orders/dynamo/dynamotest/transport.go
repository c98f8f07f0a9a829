// Package dynamotest answers DynamoDB's HTTP API in process, for tests and
// benchmarks that need the SDK's real request building and response
// parsing without a server: the service's whole path runs, DynamoDB's
// answer is canned. A FaultTransport, in front of a Transport or of a real
// DynamoDB's HTTP transport, makes chosen calls fail as they fail in
// production: throttled, 500, never answered, or dropped.
package dynamotest

import (
	"bytes"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Order is the item the Transport returns for GetItem, DeleteItem and
// Query: an order of the sample events' caller (events/*.json).
const Order = `{"id":{"S":"3fa85f64-5717-4562-b3fc-2c963f66afa6"},"owner":{"S":"4f1c2a6e-1b7d-4c0e-9a55-3c2d7e8f9a01"},` +
	`"name":{"S":"Ada"},"item_count":{"N":"3"},"created_at":{"S":"2026-11-26T12:00:00.000Z"},"premium":{"BOOL":false}}`

// Answer is a canned DynamoDB answer: a status and a JSON body.
type Answer struct {
	Status int
	Body   string
}

// Transport is an http.RoundTripper that answers DynamoDB calls by their
// X-Amz-Target operation, and counts them.
type Transport struct {
	mu      sync.Mutex
	answers map[string]Answer
	calls   atomic.Int64
}

// NewTransport answers every operation the orders service uses with
// success: an empty write, the Order item for reads.
func NewTransport() *Transport {
	return &Transport{answers: map[string]Answer{
		"PutItem":            {200, `{}`},
		"UpdateItem":         {200, `{}`},
		"TransactWriteItems": {200, `{}`},
		"GetItem":            {200, `{"Item":` + Order + `}`},
		"DeleteItem":         {200, `{"Attributes":` + Order + `}`},
		"Query":              {200, `{"Items":[` + Order + `],"Count":1,"ScannedCount":1}`},
	}}
}

// Set changes the answer to one operation.
func (t *Transport) Set(operation string, a Answer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.answers[operation] = a
}

// Calls returns how many calls the Transport answered, and resets the count.
func (t *Transport) Calls() int64 {
	return t.calls.Swap(0)
}

// RoundTrip answers one call.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	op := operation(req)
	t.calls.Add(1)
	t.mu.Lock()
	a, ok := t.answers[op]
	t.mu.Unlock()
	if !ok {
		a = Answer{400, `{"__type":"com.amazon.coral.validate#ValidationException","message":"dynamotest: no answer for ` + op + `"}`}
	}
	return answer(req, a), nil
}

// operation is the DynamoDB operation a request calls, from its
// X-Amz-Target: "GetItem" for "DynamoDB_20120810.GetItem".
func operation(req *http.Request) string {
	op := req.Header.Get("X-Amz-Target")
	return op[strings.LastIndex(op, ".")+1:]
}

// answer is the HTTP response that carries a.
func answer(req *http.Request, a Answer) *http.Response {
	return &http.Response{
		StatusCode: a.Status,
		Status:     http.StatusText(a.Status),
		Header: http.Header{
			"Content-Type": {"application/x-amz-json-1.0"},
			// DynamoDB signs every answer with its CRC32; the SDK checks it.
			"X-Amz-Crc32": {strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(a.Body))), 10)},
		},
		Body:          io.NopCloser(bytes.NewReader([]byte(a.Body))),
		ContentLength: int64(len(a.Body)),
		Request:       req,
		Proto:         "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
}

// Client is an HTTP client that answers through t.
func (t *Transport) Client() *http.Client {
	return &http.Client{Transport: t}
}

// Fault is a way for a DynamoDB call to fail, as the SDK sees it on the
// wire: an error answer from DynamoDB, or a transport that lets the call
// down.
type Fault string

// The faults a FaultTransport injects.
const (
	// ProvisionedThroughputExceeded is DynamoDB's throttling answer: HTTP
	// 400, ProvisionedThroughputExceededException. The SDK retries it.
	ProvisionedThroughputExceeded Fault = "ProvisionedThroughputExceededException"
	// Throttling is HTTP 400 ThrottlingException (DynamoDB's control plane
	// and on-demand tables over their limits). The SDK retries it.
	Throttling Fault = "ThrottlingException"
	// RequestLimitExceeded is HTTP 400 RequestLimitExceeded (the account's
	// throughput limit). The SDK retries it.
	RequestLimitExceeded Fault = "RequestLimitExceeded"
	// TransactionThrottled is a TransactWriteItems answer: HTTP 400
	// TransactionCanceledException whose last item (the idempotency record,
	// in this service's transactions) failed with ThrottlingError. The SDK
	// does not retry it.
	TransactionThrottled Fault = "TransactionCanceledException/ThrottlingError"
	// InternalServerError is HTTP 500 InternalServerError. The SDK retries
	// it.
	InternalServerError Fault = "InternalServerError"
	// Timeout never answers: the round trip blocks until the request's
	// context is done, and fails with the context's error.
	Timeout Fault = "Timeout"
	// ConnectionReset drops the connection before any answer: a
	// *net.OpError read ECONNRESET. The request may not have been sent.
	ConnectionReset Fault = "ConnectionReset"
	// UnexpectedEOF drops the connection before any answer with
	// io.ErrUnexpectedEOF, as a server closing it mid-exchange does.
	UnexpectedEOF Fault = "UnexpectedEOF"
	// ResponseLost sends the call on, so that DynamoDB applies it, and then
	// drops the connection (ECONNRESET) before the answer arrives: a write
	// that happened although the caller saw it fail.
	ResponseLost Fault = "ResponseLost"
)

func (f Fault) String() string { return string(f) }

// Faults lists every fault, in a stable order.
var Faults = []Fault{
	ProvisionedThroughputExceeded, Throttling, RequestLimitExceeded, TransactionThrottled,
	InternalServerError, Timeout, ConnectionReset, UnexpectedEOF, ResponseLost,
}

// Forever makes a fault hit every call from the first one on.
const Forever = -1

// FaultTransport is an http.RoundTripper that passes DynamoDB calls to
// another one (a Transport, or the HTTP transport of a real or local
// DynamoDB) and makes chosen calls fail: the Nth call of an operation, or
// every call from the Nth on. Calls are counted per operation (the
// X-Amz-Target), from 1, whatever their fate; the SDK's retries are calls
// too.
type FaultTransport struct {
	next http.RoundTripper

	mu        sync.Mutex
	rules     []faultRule
	calls     map[string]int
	deadlines map[string]time.Time
}

type faultRule struct {
	operation   string
	fault       Fault
	from, times int
}

// NewFaultTransport returns a FaultTransport in front of next; a nil next
// is http.DefaultTransport.
func NewFaultTransport(next http.RoundTripper) *FaultTransport {
	if next == nil {
		next = http.DefaultTransport
	}
	return &FaultTransport{next: next, calls: map[string]int{}, deadlines: map[string]time.Time{}}
}

// Fail makes times calls of operation fail with fault, starting with its
// from-th call (1 is the first call), or every call from the from-th on
// when times is Forever. An earlier rule for the same call wins.
func (f *FaultTransport) Fail(operation string, fault Fault, from, times int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, faultRule{operation: operation, fault: fault, from: from, times: times})
}

// Reset removes every rule and zeroes the counts.
func (f *FaultTransport) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
	f.calls = map[string]int{}
	f.deadlines = map[string]time.Time{}
}

// Calls returns how many calls of operation the FaultTransport has seen.
func (f *FaultTransport) Calls(operation string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[operation]
}

// Deadline returns the deadline of the last call of operation, which
// says when the caller would give the call up; false when it had none,
// or no call was made.
func (f *FaultTransport) Deadline(operation string) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.deadlines[operation]
	return d, ok
}

// Client is an HTTP client that sends through f.
func (f *FaultTransport) Client() *http.Client {
	return &http.Client{Transport: f}
}

// RoundTrip passes the call on, or fails it as a rule says.
func (f *FaultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	op := operation(req)
	f.mu.Lock()
	f.calls[op]++
	nth := f.calls[op]
	if d, ok := req.Context().Deadline(); ok {
		f.deadlines[op] = d
	}
	var fault Fault
	for _, r := range f.rules {
		if r.operation == op && nth >= r.from && (r.times == Forever || nth < r.from+r.times) {
			fault = r.fault
			break
		}
	}
	f.mu.Unlock()

	switch fault {
	case "":
		return f.next.RoundTrip(req)
	case ResponseLost:
		resp, err := f.next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return nil, connectionReset()
	}
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	switch fault {
	case Timeout:
		<-req.Context().Done()
		return nil, req.Context().Err()
	case ConnectionReset:
		return nil, connectionReset()
	case UnexpectedEOF:
		return nil, io.ErrUnexpectedEOF
	}
	return answer(req, faultAnswer(fault)), nil
}

// faultAnswer is DynamoDB's answer for an error fault.
func faultAnswer(fault Fault) Answer {
	const prefix = `{"__type":"com.amazonaws.dynamodb.v20120810#`
	switch fault {
	case InternalServerError:
		return Answer{http.StatusInternalServerError, prefix + `InternalServerError","message":"Internal server error"}`}
	case TransactionThrottled:
		return Answer{http.StatusBadRequest, prefix + `TransactionCanceledException",` +
			`"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]",` +
			`"CancellationReasons":[{"Code":"None"},{"Code":"ThrottlingError","Message":"Throughput exceeds the current capacity of your table or index."}]}`}
	default: // the throttling faults, whose name is their error code
		return Answer{http.StatusBadRequest, prefix + string(fault) + `","message":"Rate of requests exceeds the allowed throughput."}`}
	}
}

func connectionReset() error {
	return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
}
