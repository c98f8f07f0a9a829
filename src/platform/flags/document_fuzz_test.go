package flags_test

import (
	"encoding/json"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/flags"
)

// fuzzFlagNames reads the flag names and the condition keys of a document
// that flags.Parse accepted, independently of the package.
func fuzzFlagNames(t *testing.T, doc []byte) (names, keys []string) {
	t.Helper()
	var top map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(doc, &top), "an accepted document is a JSON object")
	var features map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(top["features"], &features), "an accepted document has features")
	for name, raw := range features {
		names = append(names, name)
		var f struct {
			Rules map[string]struct {
				Conditions []struct {
					Key string `json:"key"`
				} `json:"conditions"`
			} `json:"rules"`
		}
		_ = json.Unmarshal(raw, &f) // The keys only make contexts that match.
		for _, r := range f.Rules {
			for _, c := range r.Conditions {
				keys = append(keys, c.Key)
			}
		}
	}
	return names, keys
}

// fuzzAttrs builds a context of every type a caller may pass, from the
// fuzzer's values: key i of keys gets the value that kinds[i] picks.
func fuzzAttrs(keys []string, kinds []byte, s string, n float64, i int64) map[string]any {
	list := strings.Split(s, ",")
	values := []any{
		s, n, i, int32(i), uint64(i), float32(n), n == 0, nil,
		list,
		[]any{s, n, i, nil},
		[]int64{i, -i},
		[]float64{n, math.NaN()},
		map[string]any{"k": s},
		[2]string{s, s},
		struct{}{},
		math.Inf(1), math.NaN(), strings.ToUpper(s), len(s),
	}
	attrs := map[string]any{}
	for j, key := range keys {
		kind := byte(j)
		if j < len(kinds) {
			kind = kinds[j]
		}
		attrs[key] = values[int(kind)%len(values)]
	}
	return attrs
}

// missing is a fallback that no document can hold.
type missing struct{ name string }

// FuzzFlags sends arbitrary documents through flags.Parse and, when one is
// accepted, evaluates each of its flags and a missing one with contexts of
// strings, numbers and lists from the fuzzer: no panic, only JSON is
// accepted, a missing flag gives the fallback, and Bool agrees with Value.
func FuzzFlags(f *testing.F) {
	project, err := os.ReadFile("../../orders/flags.json")
	require.NoError(f, err)
	_, err = flags.Parse(project)
	require.NoError(f, err, "the project's flags.json parses")
	seeds := [][]byte{
		project,
		[]byte(`{"features": {}}`),
		[]byte(`{"features": {"f": {"default": true}}}`),
		[]byte(`{"features": {"f": {"default": "x", "rules": null}}}`),
		[]byte(`{"features": {"f": {"default": 1e400}}}`),
		[]byte(`{"features": {"f": {"default": false, "rules": {"r": {"when_match": true, "conditions": [` +
			`{"action": "MODULO_RANGE", "key": "k", "value": {"BASE": 100, "START": 0, "END": 19}}]}}}}}`),
		[]byte(`{"features": {"f": {"default": false, "rules": {"r": {"when_match": true, "conditions": [` +
			`{"action": "KEY_GREATER_THAN", "key": "k", "value": 1e400}]}}}}}`),
		[]byte(`{"features": {"f": {"default": false, "rules": {"a": {"when_match": true, "conditions": [` +
			`{"action": "IN", "key": "k", "value": ["a", 1, null, [1]]}, {"action": "VALUE_IN_KEY", "key": "l", "value": "a"}]},` +
			`"b": {"when_match": false, "conditions": [{"action": "ALL_IN_VALUE", "key": "l", "value": ["a", "b"]}]}}}}}`),
		[]byte(`{"features": {"f": {"default": {"a": [1, 2]}, "rules": {"r": {"when_match": [], "conditions": [` +
			`{"action": "EQUALS", "key": "k", "value": {"x": 1}}]}}}}}`),
		[]byte(`{"features": {"f": {"default": false, "rules": {"r": {"when_match": true, "conditions": [` +
			`{"action": "MODULO_RANGE", "key": "k", "value": {"BASE": 9007199254740992, "START": 0, "END": 9007199254740991}}]}}}}}`),
		[]byte(`{"features": {"f": {"default": false, "rules": {"r": {"when_match": 1, "conditions": []}}}}}`),
		[]byte(`{"features": {"f": {"default": false, "rules": {"r": {}, "r": {}}}}}`),
		[]byte(`{"features": {"f": {"default": false}}} x`),
		[]byte(`{"features": null}`),
		[]byte(`{"features": [], "features": {}}`),
		[]byte(`{"countries": ["ISRAEL"]}`),
		[]byte(`[]`), []byte(`null`), []byte(``), []byte("\xff"),
	}
	for _, doc := range seeds {
		f.Add(doc, "VIP-Ada", 10.0, int64(-3), []byte{0, 1, 8, 9})
	}
	f.Add(project, "RanTheBuilder", math.Inf(-1), int64(math.MaxInt64), []byte{18, 7})

	f.Fuzz(func(t *testing.T, raw []byte, s string, n float64, i int64, kinds []byte) {
		doc, err := flags.Parse(raw)
		if err != nil {
			require.Nil(t, doc)
			return
		}
		require.NotNil(t, doc)
		require.True(t, json.Valid(raw), "only JSON is accepted")
		require.Nil(t, doc.Config("features"), "the flags are no configuration")

		names, keys := fuzzFlagNames(t, raw)
		keys = append(keys, "customer_name", s)
		attrs := fuzzAttrs(keys, kinds, s, n, i)

		absent := "missing:" + s
		for _, name := range names {
			if name == absent {
				absent += "!"
			}
		}
		fallback := missing{absent}
		require.Equal(t, fallback, doc.Value(absent, attrs, fallback))
		require.True(t, doc.Bool(absent, attrs, true), "a missing flag is the fallback")
		require.False(t, doc.Bool(absent, attrs, false), "a missing flag is the fallback")
		require.Nil(t, doc.Value(absent, nil, nil))

		for _, name := range append(names, "") {
			v := doc.Value(name, attrs, fallback)
			if _, isMissing := v.(missing); isMissing {
				require.NotContains(t, names, name, "a flag of the document has a value")
			}
			require.True(t, reflect.DeepEqual(v, doc.Value(name, attrs, fallback)), "the same context, the same value")
			b, isBool := v.(bool)
			require.Equal(t, isBool && b || !isBool, doc.Bool(name, attrs, true), "Bool agrees with Value")
			require.Equal(t, isBool && b, doc.Bool(name, attrs, false), "Bool agrees with Value")
			doc.Value(name, nil, nil) // No context: no panic.
			doc.Value(name, map[string]any{}, nil)
		}
	})
}
