package flags

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
)

// action is a condition's test of the context's value (key) against the
// rule's value.
type action struct {
	// check validates the rule's value when the document is parsed.
	check func(value any) error
	eval  func(key, value any) bool
}

// actions are those of Powertools' feature flags schema.
var actions = map[string]action{
	"EQUALS":                    {anyValue, equal},
	"NOT_EQUALS":                {anyValue, not(equal)},
	"KEY_GREATER_THAN":          {ordered, compare(func(c int) bool { return c > 0 })},
	"KEY_GREATER_THAN_OR_EQUAL": {ordered, compare(func(c int) bool { return c >= 0 })},
	"KEY_LESS_THAN":             {ordered, compare(func(c int) bool { return c < 0 })},
	"KEY_LESS_THAN_OR_EQUAL":    {ordered, compare(func(c int) bool { return c <= 0 })},
	"STARTSWITH":                {str, strings2(strings.HasPrefix)},
	"ENDSWITH":                  {str, strings2(strings.HasSuffix)},
	"IN":                        {list, keyInValue},
	"NOT_IN":                    {list, not(keyInValue)},
	"KEY_IN_VALUE":              {list, keyInValue},
	"KEY_NOT_IN_VALUE":          {list, not(keyInValue)},
	"VALUE_IN_KEY":              {anyValue, valueInKey},
	"VALUE_NOT_IN_KEY":          {anyValue, valueNotInKey},
	"ALL_IN_VALUE":              {list, allInValue},
	"ANY_IN_VALUE":              {list, anyInValue},
	"NONE_IN_VALUE":             {list, noneInValue},
	"MODULO_RANGE":              {moduloRange, inModuloRange},
}

func anyValue(any) error { return nil }

func ordered(v any) error {
	switch v.(type) {
	case float64, string:
		return nil
	}
	return errors.New("value must be a number or a string")
}

func str(v any) error {
	if _, ok := v.(string); !ok {
		return errors.New("value must be a string")
	}
	return nil
}

func list(v any) error {
	if _, ok := v.([]any); !ok {
		return errors.New("value must be a list")
	}
	return nil
}

func moduloRange(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return errors.New(`value must be {"BASE": n, "START": n, "END": n}`)
	}
	base, okB := integer(m["BASE"])
	start, okS := integer(m["START"])
	end, okE := integer(m["END"])
	if !okB || !okS || !okE || base <= 0 || start < 0 || start > end || end >= base {
		return errors.New("BASE, START and END must be whole numbers with 0 <= START <= END < BASE")
	}
	return nil
}

func not(f func(a, b any) bool) func(a, b any) bool {
	return func(a, b any) bool { return !f(a, b) }
}

func equal(a, b any) bool {
	switch a := a.(type) {
	case float64, string, bool, nil:
		return a == b
	case []any:
		bl, ok := b.([]any)
		return ok && slices.EqualFunc(a, bl, equal)
	}
	return false
}

func compare(ok func(int) bool) func(a, b any) bool {
	return func(a, b any) bool {
		switch a := a.(type) {
		case float64:
			bf, isNum := b.(float64)
			return isNum && ok(cmpFloat(a, bf))
		case string:
			bs, isStr := b.(string)
			return isStr && ok(strings.Compare(a, bs))
		}
		return false
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func strings2(f func(s, affix string) bool) func(a, b any) bool {
	return func(a, b any) bool {
		as, okA := a.(string)
		bs, okB := b.(string)
		return okA && okB && f(as, bs)
	}
}

func contains(l []any, v any) bool {
	return slices.ContainsFunc(l, func(e any) bool { return equal(e, v) })
}

func keyInValue(a, b any) bool {
	bl, _ := b.([]any)
	return contains(bl, a)
}

func valueInKey(a, b any) bool {
	al, ok := a.([]any)
	return ok && contains(al, b)
}

// valueNotInKey and noneInValue need a list in the context: another type
// matches neither an "in" nor a "not in" condition.
func valueNotInKey(a, b any) bool {
	_, ok := a.([]any)
	return ok && !valueInKey(a, b)
}

func noneInValue(a, b any) bool {
	_, ok := a.([]any)
	return ok && !anyInValue(a, b)
}

func allInValue(a, b any) bool {
	al, ok := a.([]any)
	bl, _ := b.([]any)
	return ok && !slices.ContainsFunc(al, func(e any) bool { return !contains(bl, e) })
}

func anyInValue(a, b any) bool {
	al, ok := a.([]any)
	bl, _ := b.([]any)
	return ok && slices.ContainsFunc(al, func(e any) bool { return contains(bl, e) })
}

func inModuloRange(a, b any) bool {
	n, ok := integer(a)
	m, _ := b.(map[string]any)
	if !ok {
		return false
	}
	base, _ := integer(m["BASE"])
	start, _ := integer(m["START"])
	end, _ := integer(m["END"])
	r := n % base
	if r < 0 {
		r += base
	}
	return start <= r && r <= end
}

func integer(v any) (int64, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// normalize gives JSON values and Go values one shape: numbers become
// float64, slices []any and maps map[string]any.
func normalize(v any) any {
	switch v := v.(type) {
	case nil, bool, string, float64:
		return v
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return v.String()
		}
		return f
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = normalize(e)
		}
		return out
	}
	// Any other number or slice type a caller may put in a context.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint())
	case reflect.Float32:
		return rv.Float()
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalize(rv.Index(i).Interface())
		}
		return out
	}
	return v
}
