package flags_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/platform/flags"
)

// oneFlagDoc is a document with one boolean flag "flag", default false, and
// one rule, when_match true, with one condition on the context key "k".
func oneFlagDoc(t *testing.T, action string, value any) []byte {
	t.Helper()
	doc := map[string]any{
		"features": map[string]any{
			"flag": map[string]any{
				"default": false,
				"rules": map[string]any{
					"the rule": map[string]any{
						"when_match": true,
						"conditions": []any{
							map[string]any{"action": action, "key": "k", "value": value},
						},
					},
				},
			},
		},
	}
	raw, err := json.Marshal(doc)
	require.NoError(t, err)
	return raw
}

func mustParse(t *testing.T, raw string) *flags.Document {
	t.Helper()
	doc, err := flags.Parse([]byte(raw))
	require.NoError(t, err, "document:\n%s", raw)
	require.NotNil(t, doc)
	return doc
}

func TestDocumentBoolActions(t *testing.T) {
	t.Parallel()
	modulo := map[string]any{"BASE": 100, "START": 0, "END": 19}
	tests := []struct {
		action  string
		value   any   // the condition's value in the document
		match   []any // context values for "k" that make the rule match
		noMatch []any // context values for "k" that do not
	}{
		{"EQUALS", "RanTheBuilder", []any{"RanTheBuilder"}, []any{"ranthebuilder", "RanTheBuilder ", 5}},
		{"EQUALS", 10, []any{10, 10.0, int64(10), float32(10)}, []any{11, 10.5, "10"}},
		{"EQUALS", true, []any{true}, []any{false, "true", 1}},
		{"EQUALS", []string{"a", "b"}, []any{[]string{"a", "b"}, []any{"a", "b"}}, []any{[]string{"b", "a"}, []string{"a"}, "a"}},
		{"NOT_EQUALS", "x", []any{"y", "X", 1}, []any{"x"}},
		{"NOT_EQUALS", 5, []any{6, 5.5, "5"}, []any{5, 5.0}},
		{"KEY_GREATER_THAN", 10, []any{11, 10.5, 1e9}, []any{10, 10.0, 9, -11, "11"}},
		{"KEY_GREATER_THAN", "m", []any{"n", "mm"}, []any{"m", "a", 100}},
		{"KEY_GREATER_THAN_OR_EQUAL", 10, []any{10, 10.0, 11, 10.01}, []any{9, 9.99, "10"}},
		{"KEY_LESS_THAN", 10, []any{9, 9.99, -1, -1.5}, []any{10, 10.0, 11, "9"}},
		{"KEY_LESS_THAN", "m", []any{"a", "l"}, []any{"m", "z"}},
		{"KEY_LESS_THAN_OR_EQUAL", 10, []any{10, 10.0, 9.5, -3}, []any{10.5, 11, "10"}},
		{"STARTSWITH", "VIP-", []any{"VIP-Ada", "VIP-"}, []any{"Ada-VIP-", "vip-Ada", "VIP", 5}},
		{"STARTSWITH", "12", []any{"123", "12"}, []any{123, 12.5, "012"}},
		{"ENDSWITH", "@example.com", []any{"ada@example.com"}, []any{"ada@example.org", "@example.com.au", 5}},
		{"ENDSWITH", "5", []any{"15"}, []any{15, 2.5, "51"}},
		{"IN", []string{"ISRAEL", "USA"}, []any{"USA", "ISRAEL"}, []any{"usa", "FRANCE", []string{"USA"}}},
		{"IN", []any{1, 2, 3}, []any{2, 3.0}, []any{4, 2.5, "2"}},
		{"NOT_IN", []string{"ISRAEL", "USA"}, []any{"FRANCE", "usa"}, []any{"USA", "ISRAEL"}},
		{"NOT_IN", []any{1, 2}, []any{3, 1.5}, []any{1, 2.0}},
		{"KEY_IN_VALUE", []string{"ISRAEL", "USA"}, []any{"USA"}, []any{"FRANCE"}},
		{"KEY_IN_VALUE", []any{1, 2}, []any{1, 2.0}, []any{3}},
		{"KEY_NOT_IN_VALUE", []string{"ISRAEL", "USA"}, []any{"FRANCE"}, []any{"ISRAEL"}},
		{"VALUE_IN_KEY", "admin", []any{[]string{"user", "admin"}, []any{"admin"}}, []any{[]string{"user"}, []any{}, "admin"}},
		{"VALUE_IN_KEY", 3, []any{[]any{1, 2, 3}, []any{3.0}}, []any{[]any{1, 2}, []any{"3"}}},
		{"VALUE_NOT_IN_KEY", "admin", []any{[]string{"user"}, []any{}}, []any{[]string{"user", "admin"}, []any{"admin"}}},
		{"ALL_IN_VALUE", []string{"a", "b", "c"}, []any{[]string{"a", "c"}, []any{"a", "b", "c"}}, []any{[]string{"a", "d"}, []any{"d"}, "a"}},
		{"ANY_IN_VALUE", []string{"a", "b"}, []any{[]string{"x", "b"}, []any{"a"}}, []any{[]string{"x", "y"}, []string{}, "a"}},
		{"ANY_IN_VALUE", []any{1, 2}, []any{[]any{5, 2}}, []any{[]any{3, 4}}},
		{"NONE_IN_VALUE", []string{"a", "b"}, []any{[]string{"x", "y"}, []any{}}, []any{[]string{"x", "a"}, []any{"b"}}},
		{
			"MODULO_RANGE", modulo,
			[]any{0, 5, 19, 119, 219.0, int64(1005), -99, -181, -100},
			[]any{20, 99, 100 + 20, -1, -80, 5.5, "5"},
		},
		{"MODULO_RANGE", map[string]any{"BASE": 10, "START": 3, "END": 3}, []any{3, 13, -7}, []any{2, 4, -3}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.action, tt.value), func(t *testing.T) {
			t.Parallel()
			raw := oneFlagDoc(t, tt.action, tt.value)
			doc, err := flags.Parse(raw)
			require.NoError(t, err, "document:\n%s", raw)

			// The fallback is the opposite of the expected answer, so that
			// answering the fallback instead of evaluating fails.
			for _, v := range tt.match {
				assert.True(t, doc.Bool("flag", map[string]any{"k": v}, false),
					"%s %v should match context value %#v", tt.action, tt.value, v)
			}
			for _, v := range tt.noMatch {
				assert.False(t, doc.Bool("flag", map[string]any{"k": v}, true),
					"%s %v should not match context value %#v", tt.action, tt.value, v)
			}
			// A missing context key never matches: the flag's default.
			assert.False(t, doc.Bool("flag", map[string]any{"other": tt.match[0]}, true),
				"missing key should give the default")
			assert.False(t, doc.Bool("flag", nil, true), "nil context should give the default")
		})
	}
}

func TestDocumentRulesInDocumentOrder(t *testing.T) {
	t.Parallel()
	const tmpl = `{"features": {"flag": {"default": false, "rules": {
		%q: {"when_match": %t, "conditions": [{"action": "EQUALS", "key": "tier", "value": "gold"}]},
		%q: {"when_match": %t, "conditions": [{"action": "STARTSWITH", "key": "tier", "value": "go"}]}
	}}}}`
	tests := []struct {
		name         string
		first, other string
		firstWins    bool
	}{
		// Names in and against alphabetical order, so neither sorting nor
		// map order can pass by chance.
		{"first false wins over later true", "z first", "a second", false},
		{"first true wins over later false", "a first", "z second", true},
		{"first false, sorted names", "a first", "z second", false},
		{"first true, reversed names", "z first", "a second", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw := fmt.Sprintf(tmpl, tt.first, tt.firstWins, tt.other, !tt.firstWins)
			// Parse repeatedly: an implementation that ranges over a Go map
			// gets a different order on some run.
			for range 20 {
				doc := mustParse(t, raw)
				require.Equal(t, tt.firstWins, doc.Bool("flag", map[string]any{"tier": "gold"}, !tt.firstWins))
			}
			doc := mustParse(t, raw)
			// Only the second rule matches: it applies.
			assert.Equal(t, !tt.firstWins, doc.Bool("flag", map[string]any{"tier": "gone"}, tt.firstWins))
			// Neither matches: the default.
			assert.False(t, doc.Bool("flag", map[string]any{"tier": "silver"}, true))
		})
	}
}

func TestDocumentRuleConditionsAllMustHold(t *testing.T) {
	t.Parallel()
	doc := mustParse(t, `{"features": {"adult_gold": {"default": false, "rules": {
		"gold and adult": {"when_match": true, "conditions": [
			{"action": "EQUALS", "key": "tier", "value": "gold"},
			{"action": "KEY_GREATER_THAN_OR_EQUAL", "key": "age", "value": 18},
			{"action": "IN", "key": "country", "value": ["ISRAEL", "USA"]}
		]}}}}}`)
	tests := []struct {
		name  string
		attrs map[string]any
		want  bool
	}{
		{"all hold", map[string]any{"tier": "gold", "age": 18, "country": "USA"}, true},
		{"all hold, float age", map[string]any{"tier": "gold", "age": 40.0, "country": "ISRAEL"}, true},
		{"first fails", map[string]any{"tier": "silver", "age": 18, "country": "USA"}, false},
		{"second fails", map[string]any{"tier": "gold", "age": 17, "country": "USA"}, false},
		{"last fails", map[string]any{"tier": "gold", "age": 18, "country": "FRANCE"}, false},
		{"none hold", map[string]any{"tier": "silver", "age": 3, "country": "FRANCE"}, false},
		{"one key missing", map[string]any{"tier": "gold", "age": 18}, false},
		{"empty context", map[string]any{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, doc.Bool("adult_gold", tt.attrs, !tt.want))
		})
	}
}

func TestDocumentValueNonBoolean(t *testing.T) {
	t.Parallel()
	doc := mustParse(t, `{"features": {
		"discount_percent": {"default": 0, "rules": {
			"gold": {"when_match": 10, "conditions": [{"action": "EQUALS", "key": "tier", "value": "gold"}]}}},
		"banner": {"default": "plain", "rules": {
			"festive": {"when_match": "festive", "conditions": [{"action": "IN", "key": "month", "value": [12]}]}}},
		"limits": {"default": {"max": 5}},
		"enabled": {"default": true}
	}}`)
	gold := map[string]any{"tier": "gold", "month": 12}
	silver := map[string]any{"tier": "silver", "month": 6}
	tests := []struct {
		name     string
		flag     string
		attrs    map[string]any
		fallback any
		want     any
	}{
		{"number when_match", "discount_percent", gold, -1, 10.0},
		{"number default", "discount_percent", silver, -1, 0.0},
		{"string when_match", "banner", gold, "fallback", "festive"},
		{"string default", "banner", silver, "fallback", "plain"},
		{"object default", "limits", nil, nil, map[string]any{"max": 5.0}},
		{"bool default", "enabled", nil, false, true},
		{"unknown flag", "nope", gold, "fallback", "fallback"},
		{"unknown flag nil fallback", "nope", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, doc.Value(tt.flag, tt.attrs, tt.fallback))
		})
	}

	t.Run("Bool on non-boolean or unknown flag gives the fallback", func(t *testing.T) {
		t.Parallel()
		for _, name := range []string{"discount_percent", "banner", "limits", "nope"} {
			for _, attrs := range []map[string]any{gold, silver, nil} {
				assert.True(t, doc.Bool(name, attrs, true), "flag %s, attrs %v", name, attrs)
				assert.False(t, doc.Bool(name, attrs, false), "flag %s, attrs %v", name, attrs)
			}
		}
		// A boolean flag ignores the fallback.
		assert.True(t, doc.Bool("enabled", nil, false))
	})
}

func TestDocumentConfig(t *testing.T) {
	t.Parallel()
	doc := mustParse(t, `{
		"features": {"flag": {"default": true}},
		"countries": ["ISRAEL", "USA"],
		"limits": {"max_items": 5},
		"greeting": "hello",
		"nothing": null
	}`)
	tests := []struct {
		key  string
		want string // JSON; "" for nil
	}{
		{"countries", `["ISRAEL","USA"]`},
		{"limits", `{"max_items": 5}`},
		{"greeting", `"hello"`},
		{"nothing", `null`},
		{"features", ""},
		{"missing", ""},
		{"flag", ""}, // a flag is not configuration
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			got := doc.Config(tt.key)
			if tt.want == "" {
				assert.Nil(t, got)
				return
			}
			require.NotNil(t, got)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
	var countries []string
	require.NoError(t, json.Unmarshal(doc.Config("countries"), &countries))
	assert.Equal(t, []string{"ISRAEL", "USA"}, countries)
}

func TestParseRejectsInvalidDocuments(t *testing.T) {
	t.Parallel()
	// flagDoc wraps one flag "bad_flag" into a document.
	flagDoc := func(flag string) string {
		return `{"features": {"good_flag": {"default": true}, "bad_flag": ` + flag + `}}`
	}
	// ruleDoc wraps one rule "bad rule" into a boolean flag "bad_flag".
	ruleDoc := func(rule string) string {
		return flagDoc(`{"default": false, "rules": {
			"good rule": {"when_match": true, "conditions": [{"action": "EQUALS", "key": "k", "value": 1}]},
			"bad rule": ` + rule + `}}`)
	}
	// condDoc wraps one condition into rule "bad rule".
	condDoc := func(cond string) string {
		return ruleDoc(`{"when_match": true, "conditions": [` + cond + `]}`)
	}
	inFlag := []string{`"bad_flag"`}
	inRule := []string{`"bad_flag"`, `"bad rule"`}
	with := func(base []string, more ...string) []string { return append(append([]string{}, base...), more...) }

	tests := []struct {
		name string
		doc  string
		want []string // substrings of the error
	}{
		{"empty", ``, []string{"feature flags"}},
		{"not JSON", `{features: }`, []string{"JSON"}},
		{"JSON but not an object", `["features"]`, []string{"JSON object"}},
		{"no features", `{"countries": ["USA"]}`, []string{`"features"`}},
		{"features a list", `{"features": []}`, []string{`"features"`, "not an object"}},
		{"features a string", `{"features": "x"}`, []string{`"features"`, "not an object"}},
		{"features null", `{"features": null}`, []string{`"features"`}},
		{"flag not an object", flagDoc(`true`), with(inFlag, "not an object")},
		{"flag without default", flagDoc(`{"rules": {}}`), with(inFlag, `"default"`)},
		{"rules not an object", flagDoc(`{"default": false, "rules": []}`), with(inFlag, `"rules"`)},
		{"rule not an object", ruleDoc(`[]`), with(inRule, "not an object")},
		{"rule without when_match", ruleDoc(`{"conditions": [{"action": "EQUALS", "key": "k", "value": 1}]}`), with(inRule, `"when_match"`)},
		{"boolean flag, string when_match", ruleDoc(`{"when_match": "yes", "conditions": [{"action": "EQUALS", "key": "k", "value": 1}]}`), with(inRule, `"when_match"`, "boolean")},
		{"boolean flag, number when_match", ruleDoc(`{"when_match": 1, "conditions": [{"action": "EQUALS", "key": "k", "value": 1}]}`), with(inRule, `"when_match"`)},
		{"rule without conditions", ruleDoc(`{"when_match": true}`), with(inRule, `"conditions"`)},
		{"rule with empty conditions", ruleDoc(`{"when_match": true, "conditions": []}`), with(inRule, `"conditions"`)},
		{"condition not an object", condDoc(`"EQUALS"`), with(inRule, "condition 1")},
		{"unknown action", condDoc(`{"action": "BETWEEN", "key": "k", "value": 1}`), with(inRule, "condition 1", "BETWEEN")},
		{"no action", condDoc(`{"key": "k", "value": 1}`), with(inRule, "action")},
		{"lower-case action", condDoc(`{"action": "equals", "key": "k", "value": 1}`), with(inRule, "equals")},
		{"condition without key", condDoc(`{"action": "EQUALS", "value": 1}`), with(inRule, `"key"`)},
		{"condition with empty key", condDoc(`{"action": "EQUALS", "key": "", "value": 1}`), with(inRule, `"key"`)},
		{"condition without value", condDoc(`{"action": "EQUALS", "key": "k"}`), with(inRule, `"value"`)},
		{"second condition bad", condDoc(`{"action": "EQUALS", "key": "k", "value": 1}, {"action": "NOPE", "key": "k", "value": 1}`), with(inRule, "condition 2", "NOPE")},
		{"IN with a string", condDoc(`{"action": "IN", "key": "k", "value": "USA"}`), with(inRule, "IN", "list")},
		{"NOT_IN with a number", condDoc(`{"action": "NOT_IN", "key": "k", "value": 1}`), with(inRule, "NOT_IN", "list")},
		{"KEY_IN_VALUE with an object", condDoc(`{"action": "KEY_IN_VALUE", "key": "k", "value": {}}`), with(inRule, "KEY_IN_VALUE", "list")},
		{"ALL_IN_VALUE with a string", condDoc(`{"action": "ALL_IN_VALUE", "key": "k", "value": "a"}`), with(inRule, "ALL_IN_VALUE", "list")},
		{"ANY_IN_VALUE with a string", condDoc(`{"action": "ANY_IN_VALUE", "key": "k", "value": "a"}`), with(inRule, "ANY_IN_VALUE", "list")},
		{"NONE_IN_VALUE with a string", condDoc(`{"action": "NONE_IN_VALUE", "key": "k", "value": "a"}`), with(inRule, "NONE_IN_VALUE", "list")},
		{"STARTSWITH with a number", condDoc(`{"action": "STARTSWITH", "key": "k", "value": 5}`), with(inRule, "STARTSWITH", "string")},
		{"ENDSWITH with a list", condDoc(`{"action": "ENDSWITH", "key": "k", "value": ["a"]}`), with(inRule, "ENDSWITH", "string")},
		{"KEY_GREATER_THAN with a bool", condDoc(`{"action": "KEY_GREATER_THAN", "key": "k", "value": true}`), with(inRule, "KEY_GREATER_THAN", "number or a string")},
		{"KEY_LESS_THAN with a list", condDoc(`{"action": "KEY_LESS_THAN", "key": "k", "value": [1]}`), with(inRule, "KEY_LESS_THAN", "number or a string")},
		{"MODULO_RANGE END = BASE", condDoc(`{"action": "MODULO_RANGE", "key": "k", "value": {"BASE": 100, "START": 0, "END": 100}}`), with(inRule, "MODULO_RANGE")},
		{"MODULO_RANGE END > BASE", condDoc(`{"action": "MODULO_RANGE", "key": "k", "value": {"BASE": 10, "START": 0, "END": 20}}`), with(inRule, "MODULO_RANGE")},
		{"MODULO_RANGE START > END", condDoc(`{"action": "MODULO_RANGE", "key": "k", "value": {"BASE": 100, "START": 20, "END": 10}}`), with(inRule, "MODULO_RANGE")},
		{"MODULO_RANGE BASE 0", condDoc(`{"action": "MODULO_RANGE", "key": "k", "value": {"BASE": 0, "START": 0, "END": 0}}`), with(inRule, "MODULO_RANGE")},
		{"MODULO_RANGE negative BASE", condDoc(`{"action": "MODULO_RANGE", "key": "k", "value": {"BASE": -10, "START": 0, "END": 5}}`), with(inRule, "MODULO_RANGE")},
		{"MODULO_RANGE negative START", condDoc(`{"action": "MODULO_RANGE", "key": "k", "value": {"BASE": 100, "START": -1, "END": 5}}`), with(inRule, "MODULO_RANGE")},
		{"MODULO_RANGE fractional BASE", condDoc(`{"action": "MODULO_RANGE", "key": "k", "value": {"BASE": 10.5, "START": 0, "END": 5}}`), with(inRule, "MODULO_RANGE")},
		{"MODULO_RANGE string BASE", condDoc(`{"action": "MODULO_RANGE", "key": "k", "value": {"BASE": "100", "START": 0, "END": 5}}`), with(inRule, "MODULO_RANGE")},
		{"MODULO_RANGE without END", condDoc(`{"action": "MODULO_RANGE", "key": "k", "value": {"BASE": 100, "START": 0}}`), with(inRule, "MODULO_RANGE")},
		{"MODULO_RANGE not an object", condDoc(`{"action": "MODULO_RANGE", "key": "k", "value": [100, 0, 5]}`), with(inRule, "MODULO_RANGE")},
		{
			"duplicate rule names", flagDoc(`{"default": false, "rules": {
			"bad rule": {"when_match": true, "conditions": [{"action": "EQUALS", "key": "k", "value": 1}]},
			"bad rule": {"when_match": false, "conditions": [{"action": "EQUALS", "key": "k", "value": 2}]}}}`),
			with(inRule, "twice"),
		},
		{"trailing object", `{"features": {}} {}`, []string{"trailing"}},
		{"trailing garbage", `{"features": {}} x`, []string{"feature flags"}},
		{"trailing brace", `{"features": {}}}`, []string{"feature flags"}},
		{"trailing bracket", `{"features": {}}]`, []string{"feature flags"}},
		{"trailing data in a flag", flagDoc(`{"default": false} `) + ` 1`, []string{"feature flags"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := flags.Parse([]byte(tt.doc))
			require.Error(t, err, "document:\n%s", tt.doc)
			assert.Nil(t, doc)
			for _, want := range tt.want {
				assert.Contains(t, err.Error(), want)
			}
			// The valid flag and rule are not blamed.
			assert.NotContains(t, err.Error(), "good_flag")
			assert.NotContains(t, err.Error(), "good rule")
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := flags.Parse([]byte(`{"features": {
		"first_bad": {"rules": {}},
		"second_bad": {"default": false, "rules": {
			"rule one": {"when_match": "x", "conditions": [{"action": "EQUALS", "key": "k", "value": 1}]},
			"rule two": {"when_match": true, "conditions": [{"action": "IN", "key": "k", "value": 1}]}}},
		"fine": {"default": true}
	}}`))
	require.Error(t, err)
	for _, want := range []string{`"first_bad"`, `"second_bad"`, `"rule one"`, `"rule two"`} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), `"fine"`)
}

func TestProjectFlagsFile(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../orders/flags.json")
	require.NoError(t, err)
	doc, err := flags.Parse(raw)
	require.NoError(t, err)

	tests := []struct {
		flag     string
		customer any // nil: no customer_name in the context
		want     bool
	}{
		{"premium_features", "RanTheBuilder", true},
		{"premium_features", "VIP-Ada", true},
		{"premium_features", "VIP-", true},
		{"premium_features", "Ada", false},
		{"premium_features", "ranthebuilder", false},
		{"premium_features", "Ada VIP-", false},
		{"premium_features", nil, false},
		{"ten_percent_off_campaign", "RanTheBuilder", false},
		{"ten_percent_off_campaign", "VIP-Ada", false},
		{"ten_percent_off_campaign", nil, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.flag, tt.customer), func(t *testing.T) {
			t.Parallel()
			attrs := map[string]any{}
			if tt.customer != nil {
				attrs["customer_name"] = tt.customer
			}
			assert.Equal(t, tt.want, doc.Bool(tt.flag, attrs, !tt.want))
		})
	}

	var countries []string
	require.NoError(t, json.Unmarshal(doc.Config("countries"), &countries))
	assert.Equal(t, []string{"ISRAEL", "USA"}, countries)
	assert.Nil(t, doc.Config("features"))
}

// Context values of any Go number or slice type compare as JSON values do;
// null rules are no rules; "not in" needs a list in the context.
func TestDocumentContextTypesAndNulls(t *testing.T) {
	t.Parallel()
	doc, err := flags.Parse([]byte(`{"features": {
		"eq": {"default": false, "rules": {"r": {"when_match": true, "conditions": [{"action": "EQUALS", "key": "k", "value": 10}]}}},
		"in": {"default": false, "rules": {"r": {"when_match": true, "conditions": [{"action": "VALUE_IN_KEY", "key": "k", "value": 3}]}}},
		"notin": {"default": false, "rules": {"r": {"when_match": true, "conditions": [{"action": "VALUE_NOT_IN_KEY", "key": "k", "value": "a"}]}}},
		"plain": {"default": true, "rules": null}}}`))
	require.NoError(t, err)
	for _, v := range []any{uint(10), int8(10), int16(10), uint32(10), uint64(10), float32(10)} {
		assert.True(t, doc.Bool("eq", map[string]any{"k": v}, false), "%T", v)
	}
	assert.True(t, doc.Bool("in", map[string]any{"k": []int{1, 3}}, false))
	assert.True(t, doc.Bool("in", map[string]any{"k": [2]uint{3, 4}}, false))
	assert.False(t, doc.Bool("notin", map[string]any{"k": "abc"}, false), "a string is no list")
	assert.True(t, doc.Bool("notin", map[string]any{"k": []string{"b"}}, false))
	assert.True(t, doc.Bool("plain", nil, false))
}
