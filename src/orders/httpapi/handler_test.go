package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/orders/httpapi"
	"github.com/go-sam-blueprint/orders/src/orders/orderstest"
	"github.com/go-sam-blueprint/orders/src/platform/caller"
	"github.com/go-sam-blueprint/orders/src/platform/logging"
)

const (
	validationType  = "https://github.com/go-sam-blueprint/orders/blob/main/docs/problems.md#validation-error"
	invalidJSONType = "https://github.com/go-sam-blueprint/orders/blob/main/docs/problems.md#invalid-json"
	knownID         = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
)

var created = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// fixture is the real HTTP handler over the real orders logic, kept in
// memory, with one order stored under knownID.
type fixture struct {
	h     http.Handler
	store *orderstest.Store
	log   *bytes.Buffer
}

func newFixture(tb testing.TB, level slog.Level) *fixture {
	tb.Helper()
	f := &fixture{store: orderstest.NewStore(), log: &bytes.Buffer{}}
	f.store.Add(orders.Order{ID: uuid.MustParse(knownID), Owner: orderstest.Alice, CustomerName: "Grace", ItemCount: 2, CreatedAt: created})
	svc, err := orders.NewService(f.store, orders.WithClock(func() time.Time { return created }))
	require.NoError(tb, err)
	f.h, err = httpapi.New(svc, logging.New(f.log, level))
	require.NoError(tb, err)
	return f
}

func newHandler(tb testing.TB) (http.Handler, *orderstest.Store) {
	tb.Helper()
	f := newFixture(tb, slog.LevelInfo)
	return f.h, f.store
}

// serve sends a request as alice, whose token API Gateway verified.
func serve(h http.Handler, method, target, contentType, body string) *httptest.ResponseRecorder {
	return serveAs(h, orderstest.Alice, method, target, contentType, body)
}

// serveAs sends a request as owner; "" sends it with no verified caller.
func serveAs(h http.Handler, owner orders.Owner, method, target, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if owner != "" {
		req = req.WithContext(caller.NewContext(req.Context(), claimsOf(owner)))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// claimsOf are the claims API Gateway passes for owner's access token.
func claimsOf(owner orders.Owner) caller.Claims {
	return caller.Claims{"sub": string(owner), "scope": "orders/read orders/write", "token_use": "access"}
}

// authorizerOf is an event's requestContext.authorizer for owner's token.
func authorizerOf(owner orders.Owner) map[string]any {
	claims := map[string]any{}
	for k, v := range claimsOf(owner) {
		claims[k] = v
	}
	return map[string]any{"claims": claims}
}

func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) api.Problem {
	t.Helper()
	assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	var p api.Problem
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p), rec.Body.String())
	assert.Equal(t, rec.Code, p.Status, "status member matches the HTTP status")
	return p
}

func pointers(p api.Problem) map[string]string {
	out := map[string]string{}
	if p.Errors == nil {
		return out
	}
	for _, e := range *p.Errors {
		switch {
		case e.Pointer != nil:
			out[*e.Pointer] = e.Detail
		case e.Parameter != nil:
			out[*e.Parameter] = e.Detail
		}
	}
	return out
}

func TestCreateOrder(t *testing.T) {
	t.Parallel()
	for _, contentType := range []string{"application/json", "application/json; charset=utf-8", ""} {
		t.Run("content type "+contentType, func(t *testing.T) {
			t.Parallel()
			h, store := newHandler(t)
			rec := serve(h, http.MethodPost, "/api/orders", contentType, `{"customer_name":"Ada","order_item_count":3}`)
			assert.Empty(t, rec.Header().Get("Idempotent-Replayed"))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			var o api.Order
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &o))
			assert.Equal(t, "Ada", o.Name)
			assert.Equal(t, 3, o.ItemCount)
			assert.Equal(t, created, o.CreatedAt)
			assert.NotEqual(t, uuid.Nil, o.Id)
			assert.Equal(t, 2, store.Len())
		})
	}
}

func TestCreateOrderRejectsInvalidBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		pointers map[string]string
	}{
		{"missing name", `{"order_item_count":5}`, map[string]string{"#/customer_name": "must be 1 to 20 characters long"}},
		{"missing both", `{}`, map[string]string{"#/customer_name": "must be 1 to 20 characters long", "#/order_item_count": "must be from 1 to 1000"}},
		{"empty name", `{"customer_name":"","order_item_count":1}`, map[string]string{"#/customer_name": "must be 1 to 20 characters long"}},
		{"long name", `{"customer_name":"abcdefghijklmnopqrstu","order_item_count":1}`, map[string]string{"#/customer_name": "must be 1 to 20 characters long"}},
		{"zero items", `{"customer_name":"Ada","order_item_count":0}`, map[string]string{"#/order_item_count": "must be from 1 to 1000"}},
		{"too many items", `{"customer_name":"Ada","order_item_count":1001}`, map[string]string{"#/order_item_count": "must be from 1 to 1000"}},
		{"fractional items", `{"customer_name":"Ada","order_item_count":1.5}`, map[string]string{"#/order_item_count": "must be an integer"}},
		{"name not a string", `{"customer_name":7,"order_item_count":1}`, map[string]string{"#/customer_name": "must be a string"}},
		{"unknown field", `{"customer_name":"Ada","order_item_count":1,"coupon":"x"}`, map[string]string{"#/coupon": "is not a member of this object"}},
		// The first member that the type lacks is named: decoding stops there.
		{"two unknown fields", `{"customer_name":"Ada","order_item_count":1,"b/c":1,"a":2}`, map[string]string{"#/b~1c": "is not a member of this object"}},
		{"name in another case", `{"Customer_Name":"Ada","order_item_count":1}`, map[string]string{"#/Customer_Name": "is not a member of this object"}},
		{"count as a string", `{"customer_name":"Ada","order_item_count":"1"}`, map[string]string{"#/order_item_count": "must be an integer"}},
		{"not an object", `[1,2]`, map[string]string{"#": "must be an object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, store := newHandler(t)
			rec := serve(h, http.MethodPost, "/api/orders", "application/json", tt.body)
			require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
			p := decodeProblem(t, rec)
			assert.Equal(t, validationType, p.Type)
			assert.Equal(t, tt.pointers, pointers(p))
			assert.NotContains(t, rec.Body.String(), "schema", "validator internals must not leak")
			assert.Equal(t, 1, store.Len(), "nothing is stored")
		})
	}
}

func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		status      int
		problemType string
	}{
		{"not json", http.MethodPost, "/api/orders", "application/json", "not json", http.StatusBadRequest, invalidJSONType},
		{"truncated json", http.MethodPost, "/api/orders", "", `{"customer_name":`, http.StatusBadRequest, invalidJSONType},
		{"no body", http.MethodPost, "/api/orders", "application/json", "", http.StatusBadRequest, invalidJSONType},
		{"not json media type", http.MethodPost, "/api/orders", "text/plain", `{}`, http.StatusUnsupportedMediaType, "about:blank"},
		{"too large", http.MethodPost, "/api/orders", "", `{"customer_name":"` + strings.Repeat("a", 20000) + `"}`, http.StatusRequestEntityTooLarge, "about:blank"},
		{"unknown path", http.MethodGet, "/api/customers", "", "", http.StatusNotFound, "about:blank"},
		{"wrong method", http.MethodPut, "/api/orders", "", "", http.StatusMethodNotAllowed, "about:blank"},
		{
			"tampered next_token", http.MethodGet, "/api/orders?next_token=x", "", "", http.StatusBadRequest,
			"https://github.com/go-sam-blueprint/orders/blob/main/docs/problems.md#invalid-next-token",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := newHandler(t)
			rec := serve(h, tt.method, tt.target, tt.contentType, tt.body)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			p := decodeProblem(t, rec)
			assert.Equal(t, tt.problemType, p.Type)
			assert.NotEmpty(t, p.Title)
		})
	}
}

func TestMethodNotAllowedListsAllowedMethods(t *testing.T) {
	t.Parallel()
	h, _ := newHandler(t)
	rec := serve(h, http.MethodTrace, "/api/orders/"+knownID, "", "")
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "DELETE, GET, HEAD", rec.Header().Get("Allow"))
}

// Issue 15, finding 5: HEAD is answered wherever GET is, as HTTP asks:
// the GET's status, headers and length, and no body.
func TestHeadIsGetWithoutTheBody(t *testing.T) {
	t.Parallel()
	h, _ := newHandler(t)
	for _, target := range []string{"/api/orders", "/api/orders/" + knownID, "/api/orders/" + uuid.NewString()} {
		get := serve(h, http.MethodGet, target, "", "")
		head := serve(h, http.MethodHead, target, "", "")
		assert.Equal(t, get.Code, head.Code, target)
		assert.Empty(t, head.Body.String(), "%s: no body", target)
		assert.Equal(t, strconv.Itoa(get.Body.Len()), head.Header().Get("Content-Length"), target)
		assert.Equal(t, get.Header().Get("Content-Type"), head.Header().Get("Content-Type"), target)
		assert.Equal(t, "nosniff", head.Header().Get("X-Content-Type-Options"), target)
	}
	rec := serve(h, http.MethodHead, "/nothing", "", "")
	assert.Equal(t, http.StatusNotFound, rec.Code, "no GET, no HEAD")
}

func TestInvalidParameters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, target string
		invalid              map[string]string
	}{
		{"order id not a uuid", http.MethodGet, "/api/orders/abc", map[string]string{"orderId": "must be a UUID"}},
		{"delete id not a uuid", http.MethodDelete, "/api/orders/12345", map[string]string{"orderId": "must be a UUID"}},
		// uuid.Parse reads these; the spec's format does not.
		{"order id without hyphens", http.MethodGet, "/api/orders/" + strings.ReplaceAll(knownID, "-", ""), map[string]string{"orderId": "must be a UUID"}},
		{"order id in braces", http.MethodGet, "/api/orders/%7B" + knownID + "%7D", map[string]string{"orderId": "must be a UUID"}},
		{"order id as a URN", http.MethodDelete, "/api/orders/urn:uuid:" + knownID, map[string]string{"orderId": "must be a UUID"}},
		{"limit twice", http.MethodGet, "/api/orders?limit=1&limit=2", map[string]string{"limit": "must be sent once"}},
		{"limit zero", http.MethodGet, "/api/orders?limit=0", map[string]string{"limit": "must be from 1 to 100"}},
		{"limit too big", http.MethodGet, "/api/orders?limit=101", map[string]string{"limit": "must be from 1 to 100"}},
		{"limit not a number", http.MethodGet, "/api/orders?limit=ten", map[string]string{"limit": "must be an integer"}},
		{"both out of range", http.MethodGet, "/api/orders?limit=0&next_token=" + strings.Repeat("x", 1025), map[string]string{"limit": "must be from 1 to 100", "next_token": "must be 1 to 1024 characters long"}},
		// A blank parameter is refused before the domain's rules are
		// looked at.
		{"next_token blank", http.MethodGet, "/api/orders?limit=0&next_token=", map[string]string{"next_token": "must not be empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := newHandler(t)
			rec := serve(h, tt.method, tt.target, "", "")
			require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
			assert.Equal(t, tt.invalid, pointers(decodeProblem(t, rec)))
		})
	}
}

func TestGetAndDeleteOrder(t *testing.T) {
	t.Parallel()
	h, store := newHandler(t)

	rec := serve(h, http.MethodGet, "/api/orders/"+knownID, "", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"id":"`+knownID+`","name":"Grace","item_count":2,"created_at":"2026-11-26T12:00:00Z","premium":false}`, rec.Body.String())

	rec = serve(h, http.MethodDelete, "/api/orders/"+knownID, "", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"order_id":"`+knownID+`"}`, rec.Body.String())
	assert.Equal(t, 0, store.Len())

	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		rec = serve(h, method, "/api/orders/"+knownID, "", "")
		require.Equal(t, http.StatusNotFound, rec.Code, method)
		p := decodeProblem(t, rec)
		assert.Equal(t, "about:blank", p.Type)
		assert.Equal(t, "Not Found", p.Title)
	}
}

func TestListOrdersPages(t *testing.T) {
	t.Parallel()
	h, _ := newHandler(t)
	for i := range 4 {
		require.Equal(t, http.StatusOK, serve(h, http.MethodPost, "/api/orders", "", fmt.Sprintf(`{"customer_name":"Ada","order_item_count":%d}`, i+1)).Code)
	}
	seen := map[uuid.UUID]bool{}
	target := "/api/orders?limit=2"
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5, "paging must end")
		rec := serve(h, http.MethodGet, target, "", "")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var page api.OrderPage
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &page))
		assert.LessOrEqual(t, len(page.Orders), 2)
		for _, o := range page.Orders {
			assert.False(t, seen[o.Id], "an order appears once")
			seen[o.Id] = true
		}
		if page.NextToken == nil {
			assert.Contains(t, rec.Body.String(), `"next_token":null`)
			break
		}
		target = "/api/orders?limit=2&next_token=" + *page.NextToken
	}
	assert.Len(t, seen, 5)
}

func TestListOrdersDefaultsToTen(t *testing.T) {
	t.Parallel()
	h, _ := newHandler(t)
	for i := range 11 {
		require.Equal(t, http.StatusOK, serve(h, http.MethodPost, "/api/orders", "", fmt.Sprintf(`{"customer_name":"Ada","order_item_count":%d}`, i+1)).Code)
	}
	var page api.OrderPage
	require.NoError(t, json.Unmarshal(serve(h, http.MethodGet, "/api/orders", "", "").Body.Bytes(), &page))
	assert.Len(t, page.Orders, 10)
	assert.NotNil(t, page.NextToken)
}

func TestInternalErrorsRevealNothing(t *testing.T) {
	t.Parallel()
	h, store := newHandler(t)
	store.Err = errors.New("dynamodb: table arn:aws:dynamodb:eu-west-1:123:table/secret is on fire")
	for _, req := range []struct{ method, target, body string }{
		{http.MethodPost, "/api/orders", `{"customer_name":"Ada","order_item_count":1}`},
		{http.MethodGet, "/api/orders/" + knownID, ""},
		{http.MethodDelete, "/api/orders/" + knownID, ""},
		{http.MethodGet, "/api/orders", ""},
	} {
		rec := serve(h, req.method, req.target, "", req.body)
		require.Equal(t, http.StatusInternalServerError, rec.Code)
		p := decodeProblem(t, rec)
		assert.Equal(t, "Internal Server Error", p.Title)
		assert.NotContains(t, rec.Body.String(), "secret")
		assert.NotContains(t, rec.Body.String(), "dynamodb")
	}
}

func TestEveryAnswerCarriesSecurityHeaders(t *testing.T) {
	t.Parallel()
	h, _ := newHandler(t)
	for _, rec := range []*httptest.ResponseRecorder{
		serve(h, http.MethodGet, "/api/orders/"+knownID, "", ""),
		serve(h, http.MethodGet, "/nope", "", ""),
		serve(h, http.MethodPost, "/api/orders", "", "{"),
	} {
		assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	}
}

func TestNewNeedsServiceAndLogger(t *testing.T) {
	t.Parallel()
	_, err := httpapi.New(nil, slog.Default())
	require.Error(t, err)
	svc, err := orders.NewService(orderstest.NewStore())
	require.NoError(t, err)
	_, err = httpapi.New(svc, nil)
	require.Error(t, err)
}

// Without a caller that API Gateway verified (an API deployed without its
// authorizer, sam local start-api), every operation is refused, and
// nothing is stored or read.
func TestOperationsNeedAVerifiedCaller(t *testing.T) {
	t.Parallel()
	h, store := newHandler(t)
	tests := []struct{ method, target, body string }{
		{http.MethodPost, "/api/orders", `{"customer_name":"Ada","order_item_count":1}`},
		{http.MethodGet, "/api/orders", ""},
		{http.MethodGet, "/api/orders/" + knownID, ""},
		{http.MethodDelete, "/api/orders/" + knownID, ""},
	}
	for _, tt := range tests {
		rec := serveAs(h, "", tt.method, tt.target, "application/json", tt.body)
		require.Equal(t, http.StatusUnauthorized, rec.Code, "%s %s: %s", tt.method, tt.target, rec.Body)
		assert.Equal(t, "Bearer", rec.Header().Get("WWW-Authenticate"))
		p := decodeProblem(t, rec)
		assert.Equal(t, "about:blank", p.Type)
	}
	assert.Equal(t, 1, store.Len(), "nothing stored, nothing deleted")
	rec := serveAs(h, "no#such:owner", http.MethodGet, "/api/orders", "", "")
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "a subject no key can hold is no caller")
}

// An order is its owner's: to anyone else it does not exist.
func TestOrdersAreTheirOwners(t *testing.T) {
	t.Parallel()
	h, store := newHandler(t)
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		rec := serveAs(h, orderstest.Bob, method, "/api/orders/"+knownID, "", "")
		assert.Equal(t, http.StatusNotFound, rec.Code, "%s: %s", method, rec.Body)
		assert.Equal(t, http.StatusText(http.StatusNotFound), decodeProblem(t, rec).Title)
	}
	assert.Equal(t, 1, store.Len(), "alice's order is still there")

	rec := serveAs(h, orderstest.Bob, http.MethodGet, "/api/orders", "", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `{"orders":[],"next_token":null}`, rec.Body.String(), "bob lists none of alice's")
}
