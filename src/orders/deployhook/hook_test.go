package deployhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/caarlos0/env/v11"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	samples "github.com/go-sam-blueprint/orders/events"
)

// The versions under test, as the template names them.
var functions = Functions{
	CreateOrder: "arn:aws:lambda:us-east-1:123456789012:function:orders-CreateOrderFunction-x:7",
	GetOrder:    "arn:aws:lambda:us-east-1:123456789012:function:orders-GetOrderFunction-x:7",
	ListOrders:  "arn:aws:lambda:us-east-1:123456789012:function:orders-ListOrdersFunction-x:7",
	DeleteOrder: "arn:aws:lambda:us-east-1:123456789012:function:orders-DeleteOrderFunction-x:7",
}

// service is a fake of the four functions behind Lambda's Invoke: it
// answers each operation as the deployed functions do, for one owner's
// orders, and records what it was sent. A case breaks one answer with
// override.
type service struct {
	mu       sync.Mutex
	orders   map[string]map[string]any // id → order, of any owner
	owners   map[string]string         // id → owner
	invoked  []string                  // the functions, in order
	subs     []string                  // the claims' sub of each event
	keys     []string                  // the Idempotency-Key of each create
	override func(function string, req events.APIGatewayProxyRequest, good *lambda.InvokeOutput) (*lambda.InvokeOutput, error)
}

func newService() *service {
	return &service{orders: map[string]map[string]any{}, owners: map[string]string{}}
}

func (s *service) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	var req events.APIGatewayProxyRequest
	if err := json.Unmarshal(in.Payload, &req); err != nil {
		return nil, err
	}
	fn := aws.ToString(in.FunctionName)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invoked = append(s.invoked, fn)
	sub, _ := req.RequestContext.Authorizer["claims"].(map[string]any)["sub"].(string)
	s.subs = append(s.subs, sub)
	good := s.answer(fn, sub, req)
	if s.override != nil {
		return s.override(fn, req, good)
	}
	return good, nil
}

// answer is what the real function would answer.
func (s *service) answer(fn, sub string, req events.APIGatewayProxyRequest) *lambda.InvokeOutput {
	id := req.PathParameters["orderId"]
	switch fn {
	case functions.CreateOrder:
		s.keys = append(s.keys, req.Headers["Idempotency-Key"])
		id := uuid.NewString()
		s.orders[id] = map[string]any{"id": id, "name": "Ada", "item_count": 3, "created_at": "2026-11-26T12:00:00Z", "premium": false}
		s.owners[id] = sub
		return proxy(http.StatusOK, "application/json", s.orders[id])
	case functions.GetOrder:
		if s.owners[id] != sub {
			return notFound()
		}
		return proxy(http.StatusOK, "application/json", s.orders[id])
	case functions.ListOrders:
		page := []any{}
		for id, o := range s.orders {
			if s.owners[id] == sub {
				page = append(page, o)
			}
		}
		return proxy(http.StatusOK, "application/json", map[string]any{"orders": page, "next_token": nil})
	case functions.DeleteOrder:
		if s.owners[id] != sub {
			return notFound()
		}
		delete(s.orders, id)
		delete(s.owners, id)
		return proxy(http.StatusOK, "application/json", map[string]any{"order_id": id})
	}
	return &lambda.InvokeOutput{FunctionError: aws.String("Unhandled"), Payload: []byte(`{"errorMessage":"no such function"}`)}
}

func proxy(status int, contentType string, body any) *lambda.InvokeOutput {
	raw, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	payload, err := json.Marshal(events.APIGatewayProxyResponse{
		StatusCode: status, Headers: map[string]string{"Content-Type": contentType}, Body: string(raw),
	})
	if err != nil {
		panic(err)
	}
	return &lambda.InvokeOutput{StatusCode: 200, Payload: payload}
}

func notFound() *lambda.InvokeOutput {
	return proxy(http.StatusNotFound, "application/problem+json", map[string]any{"type": "about:blank", "title": "Not Found", "status": 404})
}

// left is what the hook left behind: every order still stored.
func (s *service) left() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.orders)
}

func (s *service) calls(fn string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.invoked {
		if f == fn {
			n++
		}
	}
	return n
}

// reporter records the reports; err fails each.
type reporter struct {
	mu      sync.Mutex
	reports []codedeploy.PutLifecycleEventHookExecutionStatusInput
	err     error
}

func (r *reporter) PutLifecycleEventHookExecutionStatus(ctx context.Context, in *codedeploy.PutLifecycleEventHookExecutionStatusInput, _ ...func(*codedeploy.Options)) (*codedeploy.PutLifecycleEventHookExecutionStatusOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, *in)
	if r.err != nil {
		return nil, r.err
	}
	return &codedeploy.PutLifecycleEventHookExecutionStatusOutput{}, nil
}

var hookEvent = Event{DeploymentID: "d-ABCDEF123", LifecycleEventHookExecutionID: "execution-1"}

func newHook(t *testing.T, s *service, r *reporter) (*Hook, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	h, err := New(s, r, functions, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	return h, &logs
}

// withBody returns good with its body replaced.
func withBody(good *lambda.InvokeOutput, body string) *lambda.InvokeOutput {
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(good.Payload, &resp); err != nil {
		panic(err)
	}
	resp.Body = body
	payload, _ := json.Marshal(resp)
	return &lambda.InvokeOutput{StatusCode: 200, Payload: payload}
}

// withContentType returns good with another Content-Type.
func withContentType(good *lambda.InvokeOutput, contentType string) *lambda.InvokeOutput {
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(good.Payload, &resp); err != nil {
		panic(err)
	}
	resp.Headers = map[string]string{"Content-Type": contentType}
	payload, _ := json.Marshal(resp)
	return &lambda.InvokeOutput{StatusCode: 200, Payload: payload}
}

// breaking returns an override that breaks the answers of one function.
func breaking(target string, breakIt func(good *lambda.InvokeOutput) (*lambda.InvokeOutput, error)) func(string, events.APIGatewayProxyRequest, *lambda.InvokeOutput) (*lambda.InvokeOutput, error) {
	return func(fn string, _ events.APIGatewayProxyRequest, good *lambda.InvokeOutput) (*lambda.InvokeOutput, error) {
		if fn != target {
			return good, nil
		}
		return breakIt(good)
	}
}

func TestHookReportsEachOutcomeOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// override breaks what the functions answer; nil for good answers.
		override func(string, events.APIGatewayProxyRequest, *lambda.InvokeOutput) (*lambda.InvokeOutput, error)
		want     types.LifecycleEventStatus
		// fault is in the failure's log line.
		fault string
	}{
		{name: "good answers", want: types.LifecycleEventStatusSucceeded},
		{
			name: "a wrong status",
			override: breaking(functions.GetOrder, func(good *lambda.InvokeOutput) (*lambda.InvokeOutput, error) {
				var resp events.APIGatewayProxyResponse
				_ = json.Unmarshal(good.Payload, &resp)
				return proxy(http.StatusCreated, "application/json", json.RawMessage(resp.Body)), nil
			}),
			want: types.LifecycleEventStatusFailed, fault: "status 201, want 200",
		},
		{
			name: "a create answered with a wrong status",
			override: breaking(functions.CreateOrder, func(good *lambda.InvokeOutput) (*lambda.InvokeOutput, error) {
				var resp events.APIGatewayProxyResponse
				_ = json.Unmarshal(good.Payload, &resp)
				return proxy(http.StatusCreated, "application/json", json.RawMessage(resp.Body)), nil
			}),
			want: types.LifecycleEventStatusFailed, fault: "createOrder (POST /api/orders)",
		},
		{
			name: "a declared error status",
			override: breaking(functions.ListOrders, func(*lambda.InvokeOutput) (*lambda.InvokeOutput, error) {
				return proxy(http.StatusServiceUnavailable, "application/problem+json", map[string]any{"type": "about:blank", "title": "Service Unavailable", "status": 503}), nil
			}),
			want: types.LifecycleEventStatusFailed, fault: "status 503, want 200",
		},
		{
			name: "a body that breaks the schema",
			override: breaking(functions.ListOrders, func(good *lambda.InvokeOutput) (*lambda.InvokeOutput, error) {
				return withBody(good, `{"orders": "none", "next_token": null}`), nil
			}),
			want: types.LifecycleEventStatusFailed, fault: "api.yaml does not allow the answer",
		},
		{
			name: "an order without its required members",
			override: breaking(functions.GetOrder, func(good *lambda.InvokeOutput) (*lambda.InvokeOutput, error) {
				var resp events.APIGatewayProxyResponse
				_ = json.Unmarshal(good.Payload, &resp)
				return withBody(good, `{"id": "`+member(resp.Body, "id")+`"}`), nil
			}),
			want: types.LifecycleEventStatusFailed, fault: "api.yaml does not allow the answer",
		},
		{
			name: "a content type the operation does not declare",
			override: breaking(functions.DeleteOrder, func(good *lambda.InvokeOutput) (*lambda.InvokeOutput, error) {
				return withContentType(good, "text/plain"), nil
			}),
			want: types.LifecycleEventStatusFailed, fault: "Content-Type",
		},
		{
			name: "an invoke error",
			override: breaking(functions.GetOrder, func(*lambda.InvokeOutput) (*lambda.InvokeOutput, error) {
				return nil, errors.New("AccessDeniedException: not authorized to perform lambda:InvokeFunction")
			}),
			want: types.LifecycleEventStatusFailed, fault: "AccessDeniedException",
		},
		{
			name: "a function error",
			override: breaking(functions.ListOrders, func(*lambda.InvokeOutput) (*lambda.InvokeOutput, error) {
				return &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: []byte(`{"errorMessage":"Task timed out after 10.00 seconds"}`)}, nil
			}),
			want: types.LifecycleEventStatusFailed, fault: "Task timed out",
		},
		{
			name: "no proxy response",
			override: breaking(functions.GetOrder, func(*lambda.InvokeOutput) (*lambda.InvokeOutput, error) {
				return &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(`"ok"`)}, nil
			}),
			want: types.LifecycleEventStatusFailed, fault: "no API Gateway proxy response",
		},
		{
			name: "a panic",
			override: breaking(functions.ListOrders, func(*lambda.InvokeOutput) (*lambda.InvokeOutput, error) {
				panic("boom")
			}),
			want: types.LifecycleEventStatusFailed, fault: "panicked",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, r := newService(), &reporter{}
			s.override = c.override
			h, logs := newHook(t, s, r)

			require.NoError(t, h.Handle(context.Background(), hookEvent))

			require.Len(t, r.reports, 1, "reported exactly once")
			got := r.reports[0]
			assert.Equal(t, c.want, got.Status, "%s", logs)
			assert.Equal(t, hookEvent.DeploymentID, aws.ToString(got.DeploymentId))
			assert.Equal(t, hookEvent.LifecycleEventHookExecutionID, aws.ToString(got.LifecycleEventHookExecutionId))
			if c.fault != "" {
				assert.Contains(t, logs.String(), c.fault)
			}
			for _, fn := range []string{functions.CreateOrder, functions.GetOrder, functions.ListOrders, functions.DeleteOrder} {
				assert.Equal(t, 1, s.calls(fn), "each new version is invoked once: %s", fn)
			}
			assert.Zero(t, s.left(), "the order it created is deleted, whatever failed")
			for _, sub := range s.subs {
				assert.Equal(t, Caller, sub, "every event is the reserved caller's")
			}
		})
	}
}

// A create that creates nothing leaves nothing to read or delete: the
// hook still lists, and reports Failed.
func TestHookWithoutAnOrderReportsFailed(t *testing.T) {
	t.Parallel()
	s, r := newService(), &reporter{}
	s.override = breaking(functions.CreateOrder, func(*lambda.InvokeOutput) (*lambda.InvokeOutput, error) {
		return proxy(http.StatusInternalServerError, "application/problem+json", map[string]any{"type": "about:blank", "title": "Internal Server Error", "status": 500}), nil
	})
	h, logs := newHook(t, s, r)
	require.NoError(t, h.Handle(context.Background(), hookEvent))
	require.Len(t, r.reports, 1)
	assert.Equal(t, types.LifecycleEventStatusFailed, r.reports[0].Status)
	assert.Contains(t, logs.String(), "status 500, want 200")
	assert.Equal(t, 0, s.calls(functions.GetOrder))
	assert.Equal(t, 1, s.calls(functions.ListOrders))
	assert.Equal(t, 0, s.calls(functions.DeleteOrder))
}

// A report that fails is the invocation's error, for Lambda to retry it;
// each run creates its own order under its own Idempotency-Key, so a
// retry never replays the order a run before it deleted.
func TestHookRetriesAFailedReport(t *testing.T) {
	t.Parallel()
	s, r := newService(), &reporter{err: errors.New("ThrottlingException")}
	h, _ := newHook(t, s, r)
	err := h.Handle(context.Background(), hookEvent)
	require.ErrorContains(t, err, "ThrottlingException")
	require.Len(t, r.reports, 1, "one report per run")

	r.err = nil
	require.NoError(t, h.Handle(context.Background(), hookEvent))
	require.Len(t, r.reports, 2)
	assert.Equal(t, types.LifecycleEventStatusSucceeded, r.reports[1].Status, "the retry does not replay the deleted order")
	require.Len(t, s.keys, 2)
	assert.NotEqual(t, s.keys[0], s.keys[1])
	assert.True(t, strings.HasPrefix(s.keys[0], Caller+"-"), s.keys[0])
	assert.Zero(t, s.left())
}

// An event without the ids has nothing to report to.
func TestHookNeedsTheIDsToReport(t *testing.T) {
	t.Parallel()
	s, r := newService(), &reporter{}
	h, _ := newHook(t, s, r)
	for _, e := range []Event{{}, {DeploymentID: "d-1"}, {LifecycleEventHookExecutionID: "x"}} {
		require.Error(t, h.Handle(context.Background(), e))
	}
	assert.Empty(t, r.reports)
	assert.Empty(t, s.invoked)
}

// Checks that run out of the invocation's time still end in a report:
// they stop reportReserve before the deadline.
func TestHookReportsBeforeItsDeadline(t *testing.T) {
	t.Parallel()
	s, r := newService(), &reporter{}
	h, _ := newHook(t, s, r)
	h.invoker = hanging{}
	ctx, cancel := context.WithTimeout(context.Background(), reportReserve+100*time.Millisecond)
	defer cancel()
	require.NoError(t, h.Handle(ctx, hookEvent))
	require.Len(t, r.reports, 1)
	assert.Equal(t, types.LifecycleEventStatusFailed, r.reports[0].Status)
	assert.NoError(t, ctx.Err(), "reported before the deadline")
}

// hanging is a function that never answers before the context ends.
type hanging struct{}

func (hanging) Invoke(ctx context.Context, _ *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// Every event names the reserved caller, and an event of one order names
// the order the hook created, in its path and path parameter alike.
func TestEventsActAsTheReservedCaller(t *testing.T) {
	t.Parallel()
	const id = "0b6a1f3e-5c2d-4e8f-9a7b-1c3d5e7f9a2b"
	for _, name := range sent {
		of := ""
		if name == getEvent || name == deleteEvent {
			of = id
		}
		req, err := event(name, of)
		require.NoError(t, err, name)
		claims, ok := req.RequestContext.Authorizer["claims"].(map[string]any)
		require.True(t, ok, name)
		assert.Equal(t, Caller, claims["sub"], name)
		assert.Equal(t, Caller, claims["username"], name)
		if req.PathParameters["orderId"] == "" {
			continue
		}
		assert.Equal(t, id, req.PathParameters["orderId"], name)
		assert.Equal(t, "/api/orders/"+id, req.Path, name)
		assert.True(t, strings.HasSuffix(req.RequestContext.Path, "/api/orders/"+id), name)
	}
	req, err := event(listEvent, "")
	require.NoError(t, err)
	req.RequestContext.Authorizer = nil
	asCaller(&req)
	assert.Equal(t, Caller, req.RequestContext.Authorizer["claims"].(map[string]any)["sub"], "claims are added when the event has none")
	_, err = event(listEvent, id)
	assert.Error(t, err, "the list event is of no one order")
}

// The hook sends every sample event under events/: a new operation's
// event needs a step in the scenario (README "Add an endpoint").
func TestHookSendsEverySampleEvent(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(samples.FS, "*.json")
	require.NoError(t, err)
	assert.ElementsMatch(t, files, sent, "a step in scenario.go for each event under events/")
	assert.False(t, slices.Contains(files, "env.json"), "env.json is sam local's environment, not an event")
}

// The template sets the versions and Lambda the rest.
func TestConfig(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"CREATE_ORDER_VERSION": functions.CreateOrder, "GET_ORDER_VERSION": functions.GetOrder,
		"LIST_ORDERS_VERSION": functions.ListOrders, "DELETE_ORDER_VERSION": functions.DeleteOrder,
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET",
	}
	cfg, err := env.ParseAsWithOptions[Config](env.Options{Environment: vars})
	require.NoError(t, err)
	assert.Equal(t, functions, cfg.Functions)
	assert.Equal(t, slog.LevelInfo, cfg.LogLevel.Level())

	delete(vars, "LIST_ORDERS_VERSION")
	_, err = env.ParseAsWithOptions[Config](env.Options{Environment: vars})
	assert.ErrorContains(t, err, "LIST_ORDERS_VERSION")
}
