// Package dynamotest answers DynamoDB's HTTP API in process, for tests and
// benchmarks that need the SDK's real request building and response
// parsing without a server: the service's whole path runs, DynamoDB's
// answer is canned.
package dynamotest

import (
	"bytes"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Order is the item the Transport returns for GetItem, DeleteItem and Scan.
const Order = `{"id":{"S":"3fa85f64-5717-4562-b3fc-2c963f66afa6"},"name":{"S":"Ada"},` +
	`"item_count":{"N":"3"},"created_at":{"S":"2026-11-26T12:00:00Z"},"premium":{"BOOL":false}}`

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
		"Scan":               {200, `{"Items":[` + Order + `],"Count":1,"ScannedCount":1}`},
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
	op := req.Header.Get("X-Amz-Target")
	op = op[strings.LastIndex(op, ".")+1:]
	t.calls.Add(1)
	t.mu.Lock()
	a, ok := t.answers[op]
	t.mu.Unlock()
	if !ok {
		a = Answer{400, `{"__type":"com.amazon.coral.validate#ValidationException","message":"dynamotest: no answer for ` + op + `"}`}
	}
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
	}, nil
}

// Client is an HTTP client that answers through t.
func (t *Transport) Client() *http.Client {
	return &http.Client{Transport: t}
}
