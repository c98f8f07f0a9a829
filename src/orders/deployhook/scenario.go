package deployhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	samples "github.com/go-sam-blueprint/orders/events"
)

// Caller is the reserved caller the hook acts as: every event's
// requestContext.authorizer.claims.sub becomes this, so the hook sees and
// touches only its own orders, never a customer's. No Cognito user or app
// client can have it as its sub (a user's is a UUID, an app client's its
// client id, 26 lower-case letters and digits).
const Caller = "deployment-hook"

// Functions are the versions the hook invokes, one per operation of the
// scenario, as ARNs (arn:aws:lambda:region:account:function:name:version):
// the template sets each to !Ref <Function>.Version, the version being
// deployed, and the hook's role may invoke exactly those.
type Functions struct {
	CreateOrder string `env:"CREATE_ORDER_VERSION,required,notEmpty"`
	GetOrder    string `env:"GET_ORDER_VERSION,required,notEmpty"`
	ListOrders  string `env:"LIST_ORDERS_VERSION,required,notEmpty"`
	DeleteOrder string `env:"DELETE_ORDER_VERSION,required,notEmpty"`
}

// The sample events the hook sends, one per orders operation, by file
// name under events/.
const (
	createEvent = "create_order.json"
	getEvent    = "get_order.json"
	listEvent   = "list_orders.json"
	deleteEvent = "delete_order.json"
)

// sent are the sample events the scenario sends: a test holds it to
// every event under events/, so a new operation's event needs its step.
var sent = []string{createEvent, getEvent, listEvent, deleteEvent}

// run is the scenario: create an order, read it back, list, delete it.
// Every step runs even when one before it failed, and the order, once
// created, is deleted whatever else failed, a panic included: production
// keeps nothing of the hook's.
func (h *Hook) run(ctx context.Context) (err error) {
	id, err := h.create(ctx)
	if id != "" {
		defer func() { err = errors.Join(err, h.delete(ctx, id)) }()
		err = errors.Join(err, h.get(ctx, id))
	}
	return errors.Join(err, h.list(ctx))
}

// create creates an order and returns its id: read from the answer even
// when the answer breaks api.yaml, so that whatever was created is
// deleted.
func (h *Hook) create(ctx context.Context) (string, error) {
	req, err := event(createEvent, "")
	if err != nil {
		return "", err
	}
	setHeader(&req, "Idempotency-Key", h.newKey())
	resp, err := h.call(ctx, "createOrder", h.functions.CreateOrder, req)
	id := member(resp.Body, "id")
	if err == nil && id == "" {
		err = fmt.Errorf("createOrder: %w: %s", errNoOrderID, excerpt(resp.Body))
	}
	return id, err
}

func (h *Hook) get(ctx context.Context, id string) error {
	req, err := event(getEvent, id)
	if err != nil {
		return err
	}
	resp, err := h.call(ctx, "getOrder", h.functions.GetOrder, req)
	if err == nil && member(resp.Body, "id") != id {
		return fmt.Errorf("getOrder: asked for order %s, answered %s", id, excerpt(resp.Body))
	}
	return err
}

func (h *Hook) list(ctx context.Context) error {
	req, err := event(listEvent, "")
	if err != nil {
		return err
	}
	_, err = h.call(ctx, "listOrders", h.functions.ListOrders, req)
	return err
}

func (h *Hook) delete(ctx context.Context, id string) error {
	req, err := event(deleteEvent, id)
	if err != nil {
		return err
	}
	resp, err := h.call(ctx, "deleteOrder", h.functions.DeleteOrder, req)
	if err == nil && member(resp.Body, "order_id") != id {
		return fmt.Errorf("deleteOrder: asked to delete order %s, answered %s", id, excerpt(resp.Body))
	}
	return err
}

// call invokes function with req and holds its answer to api.yaml: a
// proxy response with status 200, and a body, content type and headers the
// operation declares for it. The response is returned whatever its
// faults, for the caller to read what it can.
func (h *Hook) call(ctx context.Context, operation, function string, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	var resp events.APIGatewayProxyResponse
	where := fmt.Sprintf("%s (%s %s) on %s", operation, req.HTTPMethod, req.Path, function)
	payload, err := json.Marshal(req)
	if err != nil {
		return resp, fmt.Errorf("%s: encode the event: %w", where, err)
	}
	out, err := h.invoker.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(function), Payload: payload})
	if err != nil {
		return resp, fmt.Errorf("%s: invoke: %w", where, err)
	}
	if out.FunctionError != nil {
		return resp, fmt.Errorf("%s: the function failed (%s): %s", where, aws.ToString(out.FunctionError), excerpt(string(out.Payload)))
	}
	if err := json.Unmarshal(out.Payload, &resp); err != nil {
		return resp, fmt.Errorf("%s: the answer is no API Gateway proxy response: %w: %s", where, err, excerpt(string(out.Payload)))
	}
	var faults []error
	if resp.StatusCode != http.StatusOK {
		faults = append(faults, fmt.Errorf("status %d, want %d", resp.StatusCode, http.StatusOK))
	}
	if err := h.answers.check(ctx, req, resp); err != nil {
		faults = append(faults, fmt.Errorf("api.yaml does not allow the answer: %w", err))
	}
	if err := errors.Join(faults...); err != nil {
		return resp, fmt.Errorf("%s: %w; body: %s", where, err, excerpt(resp.Body))
	}
	h.log.InfoContext(ctx, "answered as api.yaml allows", slog.String("operation", operation), slog.String("function", function), slog.Int("status", resp.StatusCode))
	return resp, nil
}

// event reads a sample event, as the reserved caller, and for an event of
// one order (its path parameter orderId), about the order id instead.
func event(name, id string) (events.APIGatewayProxyRequest, error) {
	var req events.APIGatewayProxyRequest
	raw, err := samples.FS.ReadFile(name)
	if err != nil {
		return req, fmt.Errorf("sample event: %w", err)
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return req, fmt.Errorf("sample event %s: %w", name, err)
	}
	asCaller(&req)
	if id != "" {
		sample := req.PathParameters["orderId"]
		if sample == "" {
			return req, fmt.Errorf("sample event %s has no orderId path parameter", name)
		}
		req.PathParameters["orderId"] = id
		req.Path = strings.ReplaceAll(req.Path, sample, id)
		req.RequestContext.Path = strings.ReplaceAll(req.RequestContext.Path, sample, id)
	}
	return req, nil
}

// asCaller makes the reserved caller the event's: the claims' sub, which
// the function makes the orders' owner, and the username beside it.
func asCaller(req *events.APIGatewayProxyRequest) {
	if req.RequestContext.Authorizer == nil {
		req.RequestContext.Authorizer = map[string]any{}
	}
	claims, ok := req.RequestContext.Authorizer["claims"].(map[string]any)
	if !ok {
		claims = map[string]any{}
		req.RequestContext.Authorizer["claims"] = claims
	}
	claims["sub"] = Caller
	claims["username"] = Caller
}

// setHeader sets a header in both of the event's header maps, as API
// Gateway sends them.
func setHeader(req *events.APIGatewayProxyRequest, name, value string) {
	if req.Headers == nil {
		req.Headers = map[string]string{}
	}
	if req.MultiValueHeaders == nil {
		req.MultiValueHeaders = map[string][]string{}
	}
	req.Headers[name] = value
	req.MultiValueHeaders[name] = []string{value}
}

// member reads a top-level string member of a JSON object; "" when there
// is none.
func member(body, name string) string {
	var doc map[string]any
	if json.Unmarshal([]byte(body), &doc) != nil {
		return ""
	}
	s, _ := doc[name].(string)
	return s
}

// excerpt shortens a body for a message.
func excerpt(s string) string {
	const most = 512
	if len(s) > most {
		return s[:most] + "..."
	}
	return s
}
