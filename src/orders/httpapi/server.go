package httpapi

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/platform/caller"
	"github.com/go-sam-blueprint/orders/src/platform/logging"
)

// Service is what the HTTP layer needs of the orders use cases.
type Service interface {
	Create(ctx context.Context, owner orders.Owner, n orders.NewOrder, idempotencyKey string) (o orders.Order, replayed bool, err error)
	Get(ctx context.Context, owner orders.Owner, id uuid.UUID) (orders.Order, error)
	Delete(ctx context.Context, owner orders.Owner, id uuid.UUID) (orders.Order, error)
	List(ctx context.Context, owner orders.Owner, req orders.PageRequest) (orders.Page, error)
}

var _ Service = (*orders.Service)(nil)

// server implements the operations of api.yaml: each maps the request to a
// use case and its answer back, and notes on the log line the order it
// touched. It returns the domain's errors as they are; problemFor answers
// them.
type server struct {
	svc Service
}

var _ api.StrictServerInterface = (*server)(nil)

func (s *server) CreateOrder(ctx context.Context, req api.CreateOrderRequestObject) (api.CreateOrderResponseObject, error) {
	key, err := optional(req.Params.IdempotencyKey, orders.FieldIdempotencyKey)
	if err != nil {
		return nil, err
	}
	owner, err := ownerOf(ctx)
	if err != nil {
		return nil, err
	}
	o, replayed, err := s.svc.Create(ctx, owner, orders.NewOrder{
		CustomerName: req.Body.CustomerName,
		ItemCount:    req.Body.OrderItemCount,
	}, key)
	if err != nil {
		return nil, err
	}
	noteOrder(ctx, o.ID)
	resp := api.CreateOrder200JSONResponse{Body: toAPI(o)}
	if replayed {
		resp.Headers.IdempotentReplayed = &replayed
	}
	return resp, nil
}

func (s *server) GetOrder(ctx context.Context, req api.GetOrderRequestObject) (api.GetOrderResponseObject, error) {
	noteOrder(ctx, req.OrderId)
	owner, err := ownerOf(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.svc.Get(ctx, owner, req.OrderId)
	if err != nil {
		return nil, err
	}
	return api.GetOrder200JSONResponse(toAPI(o)), nil
}

func (s *server) DeleteOrder(ctx context.Context, req api.DeleteOrderRequestObject) (api.DeleteOrderResponseObject, error) {
	noteOrder(ctx, req.OrderId)
	owner, err := ownerOf(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.svc.Delete(ctx, owner, req.OrderId)
	if err != nil {
		return nil, err
	}
	return api.DeleteOrder200JSONResponse{OrderId: o.ID}, nil
}

func (s *server) ListOrders(ctx context.Context, req api.ListOrdersRequestObject) (api.ListOrdersResponseObject, error) {
	page := orders.PageRequest{Size: orders.DefaultPageSize}
	if req.Params.Limit != nil {
		page.Size = *req.Params.Limit
	}
	token, err := optional(req.Params.NextToken, orders.FieldPageToken)
	if err != nil {
		return nil, err
	}
	page.Token = token
	owner, err := ownerOf(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.List(ctx, owner, page)
	if err != nil {
		return nil, err
	}
	resp := api.ListOrders200JSONResponse{Orders: make([]api.Order, len(p.Orders))}
	for i, o := range p.Orders {
		resp.Orders[i] = toAPI(o)
	}
	if p.NextToken != "" {
		resp.NextToken = &p.NextToken
	}
	return resp, nil
}

// optional is an optional text parameter's value, "" when it was not sent.
// Sent, it must not be empty (the spec's minLength: 1): the domain would
// read it as not sent, and the client meant something by it.
func optional(param *string, field string) (string, error) {
	if param == nil {
		return "", nil
	}
	if *param == "" {
		return "", &orders.InvalidError{Violations: []orders.Violation{{Field: field, Reason: "must not be empty"}}}
	}
	return *param, nil
}

// noteOrder names the order an operation touched on the request's log line.
func noteOrder(ctx context.Context, id uuid.UUID) {
	logging.Note(ctx, slog.String("order_id", id.String()))
}

func toAPI(o orders.Order) api.Order {
	return api.Order{Id: o.ID, Name: o.CustomerName, ItemCount: o.ItemCount, CreatedAt: o.CreatedAt, Premium: o.Premium}
}

// ownerOf is the caller that API Gateway's authorizer verified, as the
// owner of the orders a request acts on.
func ownerOf(ctx context.Context) (orders.Owner, error) {
	claims, ok := caller.FromContext(ctx)
	if !ok {
		return "", fmt.Errorf("%w: no verified token reached the function", orders.ErrNoOwner)
	}
	return orders.NewOwner(claims.Subject())
}
