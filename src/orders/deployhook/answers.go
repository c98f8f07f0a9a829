package deployhook

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/go-sam-blueprint/orders/src/api/openapi"
)

// answers holds a function's answers to the orders operations of
// api.yaml (the spec src/api embeds), as tests/contract holds the
// deployed API's.
type answers struct {
	router routers.Router
}

// answerOptions make an undeclared status a fault, report every failing
// member of a body at once, and check the formats the spec uses.
var answerOptions = &openapi3filter.Options{
	IncludeResponseStatus:   true,
	MultiError:              true,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi.Formats()},
}

func newAnswers() (*answers, error) {
	spec, err := openapi.Document()
	if err != nil {
		return nil, fmt.Errorf("deployhook: %w", err)
	}
	// The spec's server is the API's own origin: any host and stage.
	spec.Servers = nil
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		return nil, fmt.Errorf("deployhook: route api.yaml: %w", err)
	}
	return &answers{router: router}, nil
}

// check validates resp, the answer to req, against the operation req
// names: its status is one the operation declares, and its headers,
// content type and body are what the spec says for that status.
func (a *answers) check(ctx context.Context, req events.APIGatewayProxyRequest, resp events.APIGatewayProxyResponse) error {
	u := url.URL{Scheme: "https", Host: "api.invalid", Path: req.Path, RawQuery: query(req).Encode()}
	r, err := http.NewRequestWithContext(ctx, req.HTTPMethod, u.String(), http.NoBody)
	if err != nil {
		return fmt.Errorf("the event's request: %w", err)
	}
	for name, value := range req.Headers {
		r.Header.Set(name, value)
	}
	route, params, err := a.router.FindRoute(r)
	if err != nil {
		return fmt.Errorf("api.yaml has no operation for %s %s: %w", req.HTTPMethod, req.Path, err)
	}
	header := http.Header{}
	for name, value := range resp.Headers {
		header.Set(name, value)
	}
	for name, values := range resp.MultiValueHeaders {
		header.Del(name)
		for _, v := range values {
			header.Add(name, v)
		}
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return fmt.Errorf("the body is not base64 as isBase64Encoded says: %w", err)
		}
	}
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: r, PathParams: params, Route: route, Options: answerOptions,
		},
		Status:  resp.StatusCode,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: answerOptions,
	})
}

// query is the event's query string.
func query(req events.APIGatewayProxyRequest) url.Values {
	q := url.Values{}
	for name, values := range req.MultiValueQueryStringParameters {
		q[name] = append(q[name], values...)
	}
	for name, value := range req.QueryStringParameters {
		if _, ok := q[name]; !ok {
			q.Set(name, value)
		}
	}
	return q
}
