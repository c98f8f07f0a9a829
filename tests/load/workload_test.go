package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/api"
)

// operation is what one request of the workload does.
type operation string

// The operations, in the order the summary lists them.
const (
	opCreate operation = "create" // a new order, with an Idempotency-Key half the time
	opReplay operation = "replay" // a completed create sent again: the same key, or the same body without one
	opGet    operation = "get"
	opDelete operation = "delete"
	opList   operation = "list"
)

var operations = []operation{opCreate, opReplay, opGet, opDelete, opList}

// The mix, in percent of all requests. Of the creates, one in replayEvery
// repeats an earlier create instead of making a new order.
const (
	pctCreate   = 40
	pctGet      = 30
	pctDelete   = 10
	pctList     = 20
	replayEvery = 10
	// deleteEvery: every third new order is set aside for a delete, and
	// gets never read those, so that what a get or a delete must answer is
	// known when it is sent.
	deleteEvery = 3
)

// created is a create that answered 200: what was sent and the order's id.
type created struct {
	key  string // "" when sent without an Idempotency-Key
	body []byte
	id   uuid.UUID
}

// job is one request and the answer it must get.
type job struct {
	op        operation
	method    string
	path      string
	key       string
	body      []byte
	scheduled time.Time

	want   int       // the status the answer must have
	wantID uuid.UUID // the order the answer must name; uuid.Nil when it is new or a list
	limit  int       // for a list: the page size asked for
}

// result is one answer, measured.
type result struct {
	op      operation
	status  int // 0 when no answer came (transport error, timeout)
	latency time.Duration
	wait    time.Duration // from the tick that scheduled it to its sending
	failure string        // why the answer is not the one expected; "" when it is
	// instance is a 5xx problem's instance: the request id, under which
	// the function logged the cause.
	instance string
}

// workload holds what the requests have done so far, to choose the next
// ones and, at the end, to know what the table must hold. Jobs are chosen
// by the scheduler alone; answers are recorded by the workers.
type workload struct {
	rng *rand.Rand // the scheduler's only

	mu       sync.Mutex
	orders   int         // new orders asked for so far
	readable []uuid.UUID // created and never to be deleted: gets read these
	doomed   []uuid.UUID // created, each to be deleted once
	done     []created   // completed creates, to replay
	token    string      // the next_token of a recent page
	live     map[uuid.UUID]bool
	deleted  map[uuid.UUID]bool
	replays  int // replays that answered the first order
}

func newWorkload(seed uint64) *workload {
	return &workload{
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), //nolint:gosec // A workload, not a secret.
		live:    map[uuid.UUID]bool{},
		deleted: map[uuid.UUID]bool{},
	}
}

// next chooses the next request.
func (w *workload) next(now time.Time) job {
	var j job
	switch p := w.rng.IntN(100); {
	case p < pctCreate:
		j = w.nextCreate()
	case p < pctCreate+pctGet:
		j = w.nextGet()
	case p < pctCreate+pctGet+pctDelete:
		j = w.nextDelete()
	default:
		j = w.nextList()
	}
	j.scheduled = now
	return j
}

func (w *workload) nextCreate() job {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.done) > 0 && w.rng.IntN(replayEvery) == 0 {
		c := w.done[w.rng.IntN(len(w.done))]
		return job{
			op: opReplay, method: http.MethodPost, path: "/api/orders", key: c.key, body: c.body,
			want: http.StatusOK, wantID: c.id,
		}
	}
	n := w.orders
	w.orders++
	// A name of its own makes every body distinct: without a key, the body
	// is the key.
	body, _ := json.Marshal(api.CreateOrderRequest{CustomerName: "load-" + strconv.Itoa(n), OrderItemCount: 1 + w.rng.IntN(1000)})
	j := job{op: opCreate, method: http.MethodPost, path: "/api/orders", body: body, want: http.StatusOK}
	if n%2 == 0 {
		j.key = uuid.NewString()
	}
	return j
}

func (w *workload) nextGet() job {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.readable) == 0 {
		// Nothing created yet: an id no order has.
		return job{op: opGet, method: http.MethodGet, path: "/api/orders/" + uuid.NewString(), want: http.StatusNotFound}
	}
	id := w.readable[w.rng.IntN(len(w.readable))]
	return job{op: opGet, method: http.MethodGet, path: "/api/orders/" + id.String(), want: http.StatusOK, wantID: id}
}

func (w *workload) nextDelete() job {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.doomed) == 0 {
		return job{op: opDelete, method: http.MethodDelete, path: "/api/orders/" + uuid.NewString(), want: http.StatusNotFound}
	}
	i := w.rng.IntN(len(w.doomed))
	id := w.doomed[i]
	w.doomed[i] = w.doomed[len(w.doomed)-1]
	w.doomed = w.doomed[:len(w.doomed)-1]
	return job{op: opDelete, method: http.MethodDelete, path: "/api/orders/" + id.String(), want: http.StatusOK, wantID: id}
}

func (w *workload) nextList() job {
	limits := []int{5, 10, 25, 50, 100}
	limit := limits[w.rng.IntN(len(limits))]
	path := "/api/orders?limit=" + strconv.Itoa(limit)
	w.mu.Lock()
	if w.token != "" && w.rng.IntN(2) == 0 {
		path += "&next_token=" + url.QueryEscape(w.token)
	}
	w.mu.Unlock()
	return job{op: opList, method: http.MethodGet, path: path, want: http.StatusOK, limit: limit}
}

// send runs one job against base and checks its answer.
func (w *workload) send(ctx context.Context, client *http.Client, base string, j job) result {
	res := result{op: j.op, wait: time.Since(j.scheduled)}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	var body io.Reader = http.NoBody
	if j.body != nil {
		body = bytes.NewReader(j.body)
	}
	req, err := http.NewRequestWithContext(ctx, j.method, base+j.path, body)
	if err != nil {
		res.failure = err.Error()
		return res
	}
	if j.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if j.key != "" {
		req.Header.Set("Idempotency-Key", j.key)
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		res.latency = time.Since(start)
		res.failure = "no answer: " + err.Error()
		return res
	}
	raw, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	res.latency = time.Since(start)
	res.status = resp.StatusCode
	if err != nil {
		res.failure = "answer cut short: " + err.Error()
		return res
	}
	if resp.StatusCode != j.want {
		res.failure = fmt.Sprintf("want %d: %s", j.want, excerpt(raw))
		if resp.StatusCode >= http.StatusInternalServerError {
			var p api.Problem
			if json.Unmarshal(raw, &p) == nil && p.Instance != nil {
				res.instance = *p.Instance
			}
		}
		return res
	}
	if err := w.record(j, resp.Header, raw); err != nil {
		res.failure = err.Error()
	}
	return res
}

// record checks an answer with the expected status and notes its effect.
func (w *workload) record(j job, header http.Header, raw []byte) error {
	if j.want != http.StatusOK {
		return nil
	}
	switch j.op {
	case opCreate, opReplay:
		return w.recordCreate(j, header, raw)
	case opGet:
		var o api.Order
		if err := json.Unmarshal(raw, &o); err != nil || o.Id != j.wantID {
			return fmt.Errorf("want order %s: %s", j.wantID, excerpt(raw))
		}
	case opDelete:
		var d api.DeletedOrder
		if err := json.Unmarshal(raw, &d); err != nil || d.OrderId != j.wantID {
			return fmt.Errorf("want order_id %s: %s", j.wantID, excerpt(raw))
		}
		w.mu.Lock()
		w.deleted[j.wantID] = true
		w.mu.Unlock()
	case opList:
		return w.recordList(j, raw)
	}
	return nil
}

func (w *workload) recordCreate(j job, header http.Header, raw []byte) error {
	var o api.Order
	if err := json.Unmarshal(raw, &o); err != nil || o.Id == uuid.Nil {
		return fmt.Errorf("not an order: %s", excerpt(raw))
	}
	replayed := header.Get("Idempotent-Replayed") == "true"
	if j.op == opReplay {
		if !replayed || o.Id != j.wantID {
			return fmt.Errorf("a repeat must replay order %s, got %s (Idempotent-Replayed %q): a duplicate",
				j.wantID, o.Id, header.Get("Idempotent-Replayed"))
		}
		w.mu.Lock()
		w.replays++
		w.mu.Unlock()
		return nil
	}
	if replayed {
		return fmt.Errorf("a new order answered as a replay of %s", o.Id)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.live[o.Id] || w.deleted[o.Id] {
		return fmt.Errorf("a new order got the id of another: %s", o.Id)
	}
	w.live[o.Id] = true
	w.done = append(w.done, created{key: j.key, body: j.body, id: o.Id})
	if len(w.live)%deleteEvery == 0 {
		w.doomed = append(w.doomed, o.Id)
	} else {
		w.readable = append(w.readable, o.Id)
	}
	return nil
}

func (w *workload) recordList(j job, raw []byte) error {
	var page api.OrderPage
	if err := json.Unmarshal(raw, &page); err != nil {
		return fmt.Errorf("not a page: %s", excerpt(raw))
	}
	if len(page.Orders) > j.limit {
		return fmt.Errorf("asked for %d orders, got %d", j.limit, len(page.Orders))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.token = ""
	if page.NextToken != nil {
		w.token = *page.NextToken
	}
	return nil
}

// expected is what the table must hold once every request has answered:
// the orders created, less those deleted.
func (w *workload) expected() map[uuid.UUID]bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[uuid.UUID]bool, len(w.live))
	for id := range w.live {
		if !w.deleted[id] {
			out[id] = true
		}
	}
	return out
}

func excerpt(b []byte) string {
	const limit = 300
	if len(b) > limit {
		return string(b[:limit]) + "..."
	}
	return string(b)
}
