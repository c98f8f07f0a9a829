// Package handler is the HTTP face of the orders service: it implements the
// strict server generated from api.yaml on top of the orders use cases,
// validates every request against the spec before any handler code runs,
// answers errors as RFC 9457 problem+json, and adapts it all to API
// Gateway's Lambda proxy events.
package httpapi

import (
	"context"

	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/orders"
)

// Service is what the HTTP layer needs of the orders logic.
type Service interface {
	Create(ctx context.Context, n orders.NewOrder, idempotencyKey string) (o orders.Order, replayed bool, err error)
	Get(ctx context.Context, id uuid.UUID) (orders.Order, error)
	Delete(ctx context.Context, id uuid.UUID) (orders.Order, error)
	List(ctx context.Context, limit int, pageToken string) (orders.Page, error)
}

var _ Service = (*orders.Service)(nil)

// defaultPageSize is api.yaml's default for the limit query parameter.
const defaultPageSize = 10

// server implements the operations of api.yaml. It returns domain errors as
// they are; problemFor maps them to responses in one place.
type server struct {
	svc Service
}

var _ api.StrictServerInterface = (*server)(nil)

func (s *server) CreateOrder(ctx context.Context, req api.CreateOrderRequestObject) (api.CreateOrderResponseObject, error) {
	var key string
	if req.Params.IdempotencyKey != nil {
		key = *req.Params.IdempotencyKey
	}
	o, replayed, err := s.svc.Create(ctx, orders.NewOrder{
		CustomerName: req.Body.CustomerName,
		ItemCount:    req.Body.OrderItemCount,
	}, key)
	if err != nil {
		return nil, err
	}
	resp := api.CreateOrder200JSONResponse{Body: toAPI(o)}
	if replayed {
		resp.Headers.IdempotentReplayed = &replayed
	}
	return resp, nil
}

func (s *server) GetOrder(ctx context.Context, req api.GetOrderRequestObject) (api.GetOrderResponseObject, error) {
	o, err := s.svc.Get(ctx, req.OrderId)
	if err != nil {
		return nil, err
	}
	return api.GetOrder200JSONResponse(toAPI(o)), nil
}

func (s *server) DeleteOrder(ctx context.Context, req api.DeleteOrderRequestObject) (api.DeleteOrderResponseObject, error) {
	o, err := s.svc.Delete(ctx, req.OrderId)
	if err != nil {
		return nil, err
	}
	return api.DeleteOrder200JSONResponse{OrderId: o.ID}, nil
}

func (s *server) ListOrders(ctx context.Context, req api.ListOrdersRequestObject) (api.ListOrdersResponseObject, error) {
	limit := defaultPageSize
	if req.Params.Limit != nil {
		limit = *req.Params.Limit
	}
	var token string
	if req.Params.NextToken != nil {
		token = *req.Params.NextToken
	}
	page, err := s.svc.List(ctx, limit, token)
	if err != nil {
		return nil, err
	}
	resp := api.ListOrders200JSONResponse{Orders: make([]api.Order, len(page.Orders))}
	for i, o := range page.Orders {
		resp.Orders[i] = toAPI(o)
	}
	if page.NextToken != "" {
		resp.NextToken = &page.NextToken
	}
	return resp, nil
}

func toAPI(o orders.Order) api.Order {
	return api.Order{Id: o.ID, Name: o.CustomerName, ItemCount: o.ItemCount, CreatedAt: o.CreatedAt, Premium: o.Premium}
}
