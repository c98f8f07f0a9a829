package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
)

// createBody is what the oracle of FuzzCreateBody makes of a body.
type createBody struct {
	// valid: the body is one JSON object with exactly the members
	// customer_name, a string of 1 to 20 characters, and order_item_count,
	// an integer from 1 to 1000, and nothing after it.
	valid bool
	name  string
	count int64
	// duplicate: a member appears twice (the last one counts, as in
	// encoding/json); refusing such a body as not JSON is fine too.
	duplicate bool
	// plainCount: the count is written without a fraction or exponent.
	plainCount bool
	// trailing: the body is a valid order followed by something else,
	// which makes it no JSON at all; name and count are the order's.
	trailing bool
}

var plainInteger = regexp.MustCompile(`^-?(0|[1-9]\d*)$`)

// readCreateBody is the oracle: an independent reading of api.yaml's
// CreateOrderRequest. A string's length is its number of Unicode code
// points once decoded (an invalid UTF-8 byte decodes to U+FFFD), which is
// what kin-openapi counts: its comment says UTF-16 units, but it ranges over
// the string's runes, of which none is a surrogate.
func readCreateBody(body []byte) createBody {
	var out createBody
	if !json.Valid(body) {
		// Not JSON, or JSON followed by something else: what was the value?
		var first json.RawMessage
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&first); err != nil {
			return out
		}
		rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")
		if len(rest) == 0 || !json.Valid(first) {
			return out
		}
		out = readCreateBody(first)
		out.valid, out.trailing = false, out.valid
		return out
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return out
	}
	members := map[string]json.RawMessage{}
	duplicate := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return out
		}
		if _, dup := members[name]; dup {
			duplicate = true
		}
		members[name] = v // The last one wins, as in encoding/json.
	}
	rawName, okName := members["customer_name"]
	rawCount, okCount := members["order_item_count"]
	if len(members) != 2 || !okName || !okCount || len(rawName) == 0 || rawName[0] != '"' {
		return out
	}
	if err := json.Unmarshal(rawName, &out.name); err != nil {
		return out
	}
	if n := utf8.RuneCountInString(out.name); n < 1 || n > 20 {
		return out
	}
	count, ok := jsonInteger(string(rawCount))
	if !ok || count < 1 || count > 1000 {
		return out
	}
	// Duplicate members and invalid UTF-8 may be refused (body.go does).
	// A lone surrogate escape decodes to U+FFFD, which body.go refuses to
	// store in its place; a U+FFFD sent as such, raw or escaped, is kept.
	sent := strings.Count(string(rawName), "\uFFFD") + strings.Count(strings.ToLower(string(rawName)), `\ufffd`)
	replaced := strings.Count(out.name, "\uFFFD") > sent
	out.valid, out.count, out.duplicate = true, count, duplicate || !utf8.Valid(body) || replaced
	out.plainCount = plainInteger.MatchString(string(rawCount))
	return out
}

// jsonInteger reads a JSON number that is a whole number of reasonable
// size, exactly: 1.0 and 1e2 are whole numbers, 1.0000000000000001 is not.
func jsonInteger(raw string) (int64, bool) {
	if raw == "" || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, false
	}
	// big.Rat would expand an exponent such as 1e999999999 in full.
	if i := strings.IndexAny(raw, "eE"); i >= 0 {
		if exp, err := strconv.Atoi(strings.TrimPrefix(raw[i+1:], "+")); err != nil || exp > 100 || exp < -100-len(raw) {
			return 0, false
		}
	}
	r, ok := new(big.Rat).SetString(raw)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

// FuzzCreateBody sends arbitrary bytes as the body of POST /api/orders,
// with and without a Content-Type, through the real handler: never a 5xx;
// a 200 only for a body that the oracle finds valid, echoing its name and
// count; and a valid body written plainly is accepted. Every 4xx is a
// problem document.
func FuzzCreateBody(f *testing.F) {
	for _, body := range []string{
		`{"customer_name":"Ada","order_item_count":3}`,
		`{"customer_name": "Ada", "order_item_count": 3}` + "\n",
		`{"order_item_count":1000,"customer_name":"abcdefghijklmnopqrst"}`,
		`{"customer_name":"ééééééééééééééééééé€","order_item_count":1}`,
		`{"customer_name":"😀😀😀😀😀😀😀😀😀😀😀","order_item_count":1}`,
		`{"customer_name":"\ud83d\ude00","order_item_count":1}`,
		`{"customer_name":"\ud800","order_item_count":1}`,
		"{\"customer_name\":\"\xff\xfe\",\"order_item_count\":1}",
		`{"customer_name":"VIP-Grace","order_item_count":1}`,
		`{"customer_name":"","order_item_count":1}`,
		`{"customer_name":"abcdefghijklmnopqrstu","order_item_count":1}`,
		`{"customer_name":"Ada","order_item_count":0}`,
		`{"customer_name":"Ada","order_item_count":1001}`,
		`{"customer_name":"Ada","order_item_count":-1}`,
		`{"customer_name":"Ada","order_item_count":1.5}`,
		`{"customer_name":"Ada","order_item_count":1.0}`,
		`{"customer_name":"Ada","order_item_count":1e2}`,
		`{"customer_name":"Ada","order_item_count":1000.0000000000000001}`,
		`{"customer_name":"Ada","order_item_count":1e999999999}`,
		`{"customer_name":"Ada","order_item_count":"3"}`,
		`{"customer_name":7,"order_item_count":1}`,
		`{"customer_name":null,"order_item_count":1}`,
		`{"customer_name":"Ada"}`,
		`{"customer_name":"Ada","order_item_count":3,"coupon":"x"}`,
		`{"Customer_Name":"Ada","order_item_count":3}`,
		`{"customer_name":"Ada","customer_name":"Eve","order_item_count":3}`,
		`{"customer_name":"Ada","order_item_count":3}{}`,
		`{"customer_name":"Ada","order_item_count":3} x`,
		`[{"customer_name":"Ada","order_item_count":3}]`,
		`"Ada"`, `null`, `{}`, ``, ` `, `{`, "\xef\xbb\xbf{}",
	} {
		f.Add([]byte(body), true)
		f.Add([]byte(body), false)
	}

	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body []byte, withContentType bool) {
		ft.reset(t)
		contentType := ""
		if withContentType {
			contentType = "application/json"
		}
		rec := serve(ft.h, http.MethodPost, "/api/orders", contentType, string(body))
		want := readCreateBody(body)
		t.Logf("%q: oracle %+v, answer %d %s", body, want, rec.Code, rec.Body)

		require.Less(t, rec.Code, 500, "no 5xx for any body: %s\nlog: %s", rec.Body, ft.log)
		switch {
		case rec.Code == http.StatusOK:
			require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			var o api.Order
			dec := json.NewDecoder(rec.Body)
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(&o))
			_, err := dec.Token()
			require.ErrorIs(t, err, io.EOF)
			require.Equal(t, want.name, o.Name, "the order has the name sent: %q", body)
			require.EqualValues(t, want.count, o.ItemCount, "the order has the count sent: %q", body)
			require.True(t, want.valid, "only a valid order is created: %q", body)
		case rec.Code >= 400:
			unnamed := requireProblem(t, rec.Code, rec.Header().Values("Content-Type"), rec.Body.String(), "body %q", body)
			require.Empty(t, unnamed, "every entry of errors names the failing part: %s", rec.Body)
			if want.valid && want.duplicate && rec.Code == http.StatusBadRequest {
				return // Refused as not JSON before the count is read: fine.
			}
			if want.valid && !want.plainCount {
				// JSON Schema counts 1.0 and 1e2 as integers; the service
				// asks for them written as whole numbers, naming the member.
				require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "%q: %s", body, rec.Body)
				require.Contains(t, rec.Body.String(), `"pointer":"#/order_item_count"`)
				return
			}
			require.False(t, want.valid && !want.duplicate, "a valid order is refused: %q: %s", body, rec.Body)
		default:
			require.Fail(t, "a create answers 200 or a problem", "%d %s", rec.Code, rec.Body)
		}
	})
}
