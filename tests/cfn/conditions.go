package cfn

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

// value is an operand of Fn::Equals: a literal, a parameter's value, or
// an Fn::Join of a list parameter (a CommaDelimitedList's items).
func (t *Template) value(v any, params map[string]string) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	if join, ok := Path(v, "Fn::Join").([]any); ok && len(join) == 2 {
		sep, _ := join[0].(string)
		list, err := t.value(join[1], params)
		return strings.ReplaceAll(list, ",", sep), err
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

// Deciding returns the template as CloudFormation deploys it for a stack
// with these parameter values (the defaults standing for the others), as
// far as the named conditions decide: the resources and outputs under one
// that does not hold are left out, and each Fn::If on one is replaced by
// its branch, an AWS::NoValue branch by nothing. Other conditions stay as
// they are, for their own tests.
func (t *Template) Deciding(params map[string]string, conditions ...string) (*Template, error) {
	decided := map[string]bool{}
	for _, name := range conditions {
		h, err := t.Holds(name, params)
		if err != nil {
			return nil, err
		}
		decided[name] = h
	}
	raw, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("cfn: marshal the template: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("cfn: unmarshal the template: %w", err)
	}
	for _, section := range []string{"Resources", "Outputs"} {
		entries, _ := doc[section].(map[string]any)
		for id, entry := range entries {
			cond, _ := Path(entry, "Condition").(string)
			if h, ok := decided[cond]; ok && !h {
				delete(entries, id)
			} else if ok {
				delete(entry.(map[string]any), "Condition")
			}
		}
	}
	resolved, _ := decide(doc, decided)
	raw, err = json.Marshal(resolved)
	if err != nil {
		return nil, fmt.Errorf("cfn: marshal the decided template: %w", err)
	}
	var out Template
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("cfn: unmarshal the decided template: %w", err)
	}
	return &out, nil
}

// decide replaces the Fn::Ifs on decided conditions in v by their branch;
// keep is false where that branch is AWS::NoValue.
func decide(v any, decided map[string]bool) (_ any, keep bool) {
	switch v := v.(type) {
	case map[string]any:
		if cond, yes, no, ok := If(v); ok {
			if h, ok := decided[cond]; ok {
				branch := no
				if h {
					branch = yes
				}
				if ref, _ := Ref(branch); ref == "AWS::NoValue" {
					return nil, false
				}
				return decide(branch, decided)
			}
		}
		for k, inner := range v {
			if d, keep := decide(inner, decided); keep {
				v[k] = d
			} else {
				delete(v, k)
			}
		}
		return v, true
	case []any:
		out := make([]any, 0, len(v))
		for _, inner := range v {
			if d, keep := decide(inner, decided); keep {
				out = append(out, d)
			}
		}
		return out, true
	}
	return v, true
}
