package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// failure is a request that API Gateway answers itself: the gateway
// response type, and what its $context.error variables hold.
type failure struct {
	kind       string // MISSING_AUTHENTICATION_TOKEN, BAD_REQUEST_BODY, ...
	message    string // $context.error.message; the type's default when ""
	validation string // $context.error.validationErrorString
	status     int    // the status when the type has none of its own (INTEGRATION_FAILURE)
}

// builtIn is what API Gateway answers with for a gateway response type
// that the API does not customise: its status, its message, and the
// x-amzn-ErrorType it names (docs/edge.md).
type builtIn struct {
	status    int
	message   string
	errorType string
	// body, when set, is the default body exactly as API Gateway sends it.
	body string
}

var builtIns = map[string]builtIn{
	"MISSING_AUTHENTICATION_TOKEN": {http.StatusForbidden, "Missing Authentication Token", "MissingAuthenticationTokenException", ""},
	"BAD_REQUEST_BODY":             {http.StatusBadRequest, "Invalid request body", "BadRequestException", ""},
	"BAD_REQUEST_PARAMETERS":       {http.StatusBadRequest, "", "BadRequestException", ""},
	// API Gateway answers a function's error, or a response it cannot
	// read, with 502 and a body of its own spacing.
	"INTEGRATION_FAILURE": {http.StatusBadGateway, "Internal server error", "InternalServerErrorException", `{"message": "Internal server error"}`},
	"INTEGRATION_TIMEOUT": {http.StatusGatewayTimeout, "Endpoint request timed out", "", ""},
	// A Cognito authorizer's every failure; the error type is LocalStack's
	// (no capture from AWS was found: docs/auth.md).
	"UNAUTHORIZED": {http.StatusUnauthorized, "Unauthorized", "UnauthorizedException", ""},
}

// gatewayResponse is one entry of x-amazon-apigateway-gateway-responses.
type gatewayResponse struct {
	StatusCode         string            `json:"statusCode"`
	ResponseParameters map[string]string `json:"responseParameters"`
	ResponseTemplates  map[string]string `json:"responseTemplates"`
}

// responses are the API's gateway responses, by type.
type responses map[string]gatewayResponse

func gatewayResponses(spec *openapi3.T) responses {
	out := responses{}
	raw, err := json.Marshal(spec.Extensions["x-amazon-apigateway-gateway-responses"])
	if err == nil {
		_ = json.Unmarshal(raw, &out) // An API without them answers with the built-in ones.
	}
	return out
}

// pick is the gateway response API Gateway uses for kind: the API's own,
// else its DEFAULT_4XX or DEFAULT_5XX, else none.
func (rs responses) pick(kind string, status int) (gatewayResponse, bool) {
	if r, ok := rs[kind]; ok {
		return r, true
	}
	family := "DEFAULT_4XX"
	if status >= http.StatusInternalServerError {
		family = "DEFAULT_5XX"
	}
	r, ok := rs[family]
	return r, ok
}

// write answers f as API Gateway does: the gateway response's status,
// headers and template, with the headers API Gateway adds itself.
func (rs responses) write(w http.ResponseWriter, req *request, f failure) {
	def := builtIns[f.kind]
	status := def.status
	if f.status != 0 {
		status = f.status
	}
	message := f.message
	if message == "" {
		message = def.message
	}
	h := w.Header()
	h.Set("x-amzn-RequestId", req.id)
	if def.errorType != "" {
		h.Set("x-amzn-ErrorType", def.errorType)
	}
	r, customised := rs.pick(f.kind, status)
	if !customised {
		body := def.body
		if body == "" {
			body = `{"message":` + quote(message) + `}`
		}
		h.Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
		return
	}
	if n, err := strconv.Atoi(r.StatusCode); err == nil {
		status = n
	}
	contentType, template := templateFor(r.ResponseTemplates)
	h.Set("Content-Type", contentType)
	for key, value := range r.ResponseParameters {
		name, ok := strings.CutPrefix(key, "gatewayresponse.header.")
		// Only literal values ('...') are emulated; a mapping from the
		// request would echo it.
		if ok && len(value) >= 2 && value[0] == '\'' && value[len(value)-1] == '\'' {
			h.Set(name, value[1:len(value)-1])
		}
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, substitute(template, req, f.kind, message, f.validation))
}

// templateFor picks the template of a gateway response: application/json's,
// as API Gateway takes it when the request's Accept names no other, else
// the first; none is a body of {"message":...}.
func templateFor(templates map[string]string) (contentType, template string) {
	if t, ok := templates["application/json"]; ok {
		return "application/json", t
	}
	for ct, t := range templates {
		return ct, t
	}
	return "application/json", `{"message":$context.error.messageString}`
}

// substitute fills in the $context variables of a gateway response
// template. Gateway response templates are not VTL: API Gateway only
// replaces variables.
func substitute(template string, req *request, kind, message, validation string) string {
	return strings.NewReplacer(
		"$context.error.messageString", quote(message),
		"$context.error.message", escape(message),
		"$context.error.validationErrorString", escape(validation),
		"$context.error.responseType", kind,
		"$context.requestId", req.id,
		"$context.extendedRequestId", req.id,
		"$context.stage", req.stage,
		"$context.resourcePath", req.resource,
		"$context.httpMethod", req.method,
	).Replace(template)
}

// quote is s as a JSON string, quotes included.
func quote(s string) string {
	raw, _ := json.Marshal(s)
	return string(raw)
}

// escape is s as the inside of a JSON string.
func escape(s string) string {
	q := quote(s)
	return q[1 : len(q)-1]
}

// writeFrontDoorTooLarge answers a body over API Gateway's 10 MB: its front
// door refuses it before any gateway response applies, in plain text,
// without a request id.
func writeFrontDoorTooLarge(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text; charset=utf-8")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	_, _ = io.WriteString(w, "HTTP content length exceeded "+strconv.Itoa(MaxPayload)+" bytes.")
}

// writeRequestTooLong answers a request whose event would exceed what
// Lambda takes: API Gateway's REQUEST_TOO_LARGE, which an API cannot
// customise.
func writeRequestTooLong(w http.ResponseWriter, req *request) {
	h := w.Header()
	h.Set("x-amzn-RequestId", req.id)
	h.Set("x-amzn-ErrorType", "BadRequestException")
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	_, _ = io.WriteString(w, `{"message": "Request Too Long"}`)
}
