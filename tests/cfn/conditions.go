package cfn

import (
	"errors"
	"fmt"
)

// Holds evaluates the template's condition name as CloudFormation would
// for a stack with these parameter values, the defaults standing for the
// others: Fn::Equals, Fn::Not, Fn::And, Fn::Or and Condition, over
// literals and Refs of parameters.
func (t *Template) Holds(name string, params map[string]string) (bool, error) {
	return t.holds(map[string]any{"Condition": name}, params, map[string]bool{})
}

// Exists reports whether resource id is created for a stack with these
// parameter values: it has no Condition, or its condition holds.
func (t *Template) Exists(id string, params map[string]string) (bool, error) {
	r, ok := t.Resources[id]
	if !ok {
		return false, fmt.Errorf("no resource %s", id)
	}
	if r.Condition == "" {
		return true, nil
	}
	return t.Holds(r.Condition, params)
}

func (t *Template) holds(v any, params map[string]string, seen map[string]bool) (bool, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("not a condition: %v", v)
	}
	for fn, arg := range m {
		args := List(arg)
		switch fn {
		case "Condition":
			name, _ := arg.(string)
			if seen[name] {
				return false, fmt.Errorf("condition %s refers to itself", name)
			}
			c, ok := t.Conditions[name]
			if !ok {
				return false, fmt.Errorf("no condition %s", name)
			}
			seen[name] = true
			h, err := t.holds(c, params, seen)
			delete(seen, name)
			return h, err
		case "Fn::Not":
			if len(args) != 1 {
				return false, errors.New("Fn::Not wants one condition")
			}
			h, err := t.holds(args[0], params, seen)
			return !h, err
		case "Fn::And", "Fn::Or":
			and := fn == "Fn::And"
			for _, a := range args {
				h, err := t.holds(a, params, seen)
				if err != nil || h != and {
					return h, err
				}
			}
			return and, nil
		case "Fn::Equals":
			if len(args) != 2 {
				return false, errors.New("Fn::Equals wants two values")
			}
			a, errA := t.value(args[0], params)
			b, errB := t.value(args[1], params)
			return a == b, errors.Join(errA, errB)
		}
		return false, fmt.Errorf("%s cannot be evaluated offline", fn)
	}
	return false, nil
}

// value is an operand of Fn::Equals: a literal, or a parameter's value.
func (t *Template) value(v any, params map[string]string) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	name, ok := Ref(v)
	if !ok {
		return "", fmt.Errorf("cannot be evaluated offline: %v", v)
	}
	if p, ok := params[name]; ok {
		return p, nil
	}
	def, ok := Path(t.Parameters[name], "Default").(string)
	if !ok {
		return "", fmt.Errorf("parameter %s has no string default", name)
	}
	return def, nil
}
