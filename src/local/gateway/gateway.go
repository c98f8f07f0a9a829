// Package gateway stands in for Amazon API Gateway (REST) on a
// developer's machine, and answers as the deployed API answers. It serves
// an OpenAPI spec as API Gateway imports it (the x-amazon-apigateway
// extensions of api.yaml), and emulates what the template turns on, after
// API Gateway's documentation (docs/edge.md cites each point):
//
//   - routing by resource and method, with no redirect: a trailing slash
//     matches its resource, leading slashes collapse, an unknown route or
//     method is MISSING_AUTHENTICATION_TOKEN;
//   - the payload limits: over 10 MB the front door answers 413 in plain
//     text, and an event over Lambda's 6 MB gets 413 Request Too Long;
//   - mock integrations, such as the CORS preflights, answered without a
//     function;
//   - the Cognito user pool authorizers of the spec's security schemes,
//     with the scopes each method names, against local user pools;
//   - the request validators, when the spec turns them on;
//   - the gateway responses of the spec, their headers and templates, and
//     API Gateway's defaults for the others;
//   - binary media types, both ways;
//   - each function's timeout, after which Lambda stops it and API Gateway
//     answers INTEGRATION_FAILURE, and the 29 s integration timeout.
//
// Each request that passes becomes the REST proxy event that API Gateway
// (and `sam local start-api`) builds, handed to the function that the
// operation's x-amazon-apigateway-integration names, in a Lambda context
// with that function's deadline and X-Ray trace header.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/go-sam-blueprint/orders/src/local/cognito"
)

// Invoke is a Lambda handler for REST proxy events.
type Invoke func(ctx context.Context, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// Function is one function of the template, as Lambda runs it.
type Function struct {
	Invoke Invoke
	// Timeout is the function's Timeout: Lambda stops it then. Lambda's
	// default, 3 s, when zero.
	Timeout time.Duration
}

// Options tune the emulated API.
type Options struct {
	// Stage is the stage name in request contexts; "Prod" when empty, as
	// for SAM's implicit API.
	Stage string
	// Functions are the template's functions by logical id, as the
	// integrations of the spec name them.
	Functions map[string]Function
	// AccessLog receives one line per request; nothing is logged when nil.
	AccessLog io.Writer
	// IntegrationTimeout is how long API Gateway waits for a function:
	// 29 s, its default, when zero.
	IntegrationTimeout time.Duration
	// UserPools stand in for the template's Cognito user pools, by
	// logical id, as the authorizers' providerARNs name them.
	UserPools map[string]UserPool
	// Template resolves the CloudFormation intrinsics of the spec's
	// extensions (Fn::If, parameters) for the stack's parameters, as a
	// deploy does; nil leaves them as they are.
	Template Resolver
}

// Limits of API Gateway and Lambda that the stand-in keeps.
const (
	// MaxPayload is API Gateway's payload limit, 10 MB.
	MaxPayload = 10 << 20
	// maxEvent is Lambda's limit on a synchronous invocation's request,
	// the event, 6 MB.
	maxEvent = 6 << 20
	// defaultIntegrationTimeout is API Gateway's default integration timeout.
	defaultIntegrationTimeout = 29 * time.Second
	// defaultFunctionTimeout is Lambda's default function timeout.
	defaultFunctionTimeout = 3 * time.Second
)

// Gateway is the API Gateway stand-in: an http.Handler.
type Gateway struct {
	routes     []*route
	responses  responses
	validators validators
	binary     []string // binary media types
	opts       Options
}

// New returns the stand-in for spec. It fails when an integration names a
// function that opts lacks, as a deploy would.
func New(spec *openapi3.T, opts Options) (*Gateway, error) {
	if opts.Stage == "" {
		opts.Stage = "Prod"
	}
	if opts.IntegrationTimeout <= 0 {
		opts.IntegrationTimeout = defaultIntegrationTimeout
	}
	if opts.Template != nil {
		if err := resolveExtensions(spec, opts.Template); err != nil {
			return nil, err
		}
	}
	g := &Gateway{opts: opts, responses: gatewayResponses(spec), binary: stringList(spec.Extensions["x-amazon-apigateway-binary-media-types"])}
	var err error
	if g.validators, err = requestValidators(spec); err != nil {
		return nil, err
	}
	schemes, err := authorizers(spec, opts.UserPools)
	if err != nil {
		return nil, err
	}
	if g.routes, err = compileRoutes(spec, schemes); err != nil {
		return nil, err
	}
	for _, rt := range g.routes {
		for method, target := range rt.methods {
			if target.mock != nil {
				continue
			}
			if _, ok := opts.Functions[target.function]; !ok {
				return nil, fmt.Errorf("gateway: %s %s: no function %q", method, rt.template, target.function)
			}
		}
	}
	return g, nil
}

// ServeHTTP answers one request as API Gateway would.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	g.serve(rec, r)
	if g.opts.AccessLog != nil {
		fmt.Fprintf(g.opts.AccessLog, "%s %s %s %d %s\n", start.Format(time.TimeOnly), r.Method, r.URL.RequestURI(), rec.status,
			time.Since(start).Round(10*time.Microsecond))
	}
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	req := newRequest(r, g.opts.Stage)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPayload))
	if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge || r.ContentLength > MaxPayload {
		writeFrontDoorTooLarge(w)
		return
	}
	if err != nil {
		g.responses.write(w, req, failure{kind: "BAD_REQUEST_BODY", message: "Invalid request body"})
		return
	}
	rt, target, params := g.match(req.path, r.Method)
	if target == nil {
		g.responses.write(w, req, failure{kind: "MISSING_AUTHENTICATION_TOKEN"})
		return
	}
	req.resource = rt.template
	var claims cognito.Claims
	if target.auth != nil {
		var f *failure
		if claims, f = target.auth.authorize(r); f != nil {
			g.responses.write(w, req, *f)
			return
		}
	}
	if target.mock != nil {
		target.mock.write(w, req)
		return
	}
	if f := g.validators.check(target, r, params, body); f != nil {
		g.responses.write(w, req, *f)
		return
	}
	event := g.event(r, req, rt, params, body)
	if claims != nil {
		event.RequestContext.Authorizer = map[string]any{"claims": eventClaims(claims)}
	}
	if eventSize(event) > maxEvent {
		writeRequestTooLong(w, req)
		return
	}
	resp, failed := g.invoke(r.Context(), target.function, event)
	if failed == nil {
		failed = g.writeProxyResponse(w, r, req, resp)
	}
	if failed != nil {
		g.responses.write(w, req, *failed)
	}
}

// statusRecorder remembers the status, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}
