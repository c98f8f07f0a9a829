package sam

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// parameter is a template parameter: its default, as written.
type parameter struct {
	Default yaml.Node `yaml:"Default"`
}

// SetParameters overrides parameter defaults, as `sam local
// --parameter-overrides` does; a name the template lacks is an error.
func (t *Template) SetParameters(values map[string]string) error {
	var errs []error
	for name, value := range values {
		if _, ok := t.Parameters[name]; !ok {
			errs = append(errs, fmt.Errorf("no parameter %s in the template", name))
			continue
		}
		if t.overrides == nil {
			t.overrides = map[string]string{}
		}
		t.overrides[name] = value
	}
	return errors.Join(errs...)
}

// ParseParameterOverrides reads "Name=value Other=value", the form of
// `sam deploy --parameter-overrides`; a value may be quoted.
func ParseParameterOverrides(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, m := range overridePair.FindAllStringSubmatch(s, -1) {
		out[m[1]] = strings.Trim(m[2], `"'`)
	}
	if rest := strings.TrimSpace(overridePair.ReplaceAllString(s, "")); rest != "" {
		return nil, fmt.Errorf("parameter overrides: %q is not Name=value", rest)
	}
	return out, nil
}

var overridePair = regexp.MustCompile(`(\w+)=("[^"]*"|'[^']*'|\S*)`)

// Parameter is a parameter's value: its override, else its default.
func (t *Template) Parameter(name string) (string, bool) {
	if v, ok := t.overrides[name]; ok {
		return v, true
	}
	p, ok := t.Parameters[name]
	if !ok {
		return "", false
	}
	return p.Default.Value, true
}

// pseudo are the pseudo parameters a local run gives: sam local's.
var pseudo = map[string]string{
	"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
	"AWS::StackName": "local", "AWS::URLSuffix": "amazonaws.com",
}

// noValue is what Ref AWS::NoValue resolves to: the key or item holding
// it goes.
type noValue struct{}

// Resolve resolves the parameters and conditions in v, a value of the
// template's JSON form ({"Fn::If": [...]}, {"Fn::Sub": "..."}, {"Ref":
// "..."}), as api.yaml's extensions hold them, for a local run: Fn::If by
// the template's Conditions, Ref of a parameter or pseudo parameter, and
// Fn::Sub of those. References to resources (${Function.Arn}) stay as
// they are, for the stand-ins that read them.
func (t *Template) Resolve(v any) (any, error) {
	out, err := t.resolveValue(v)
	if _, gone := out.(noValue); gone {
		return nil, err
	}
	return out, err
}

func (t *Template) resolveValue(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			for fn, arg := range v {
				if out, ok, err := t.intrinsic(fn, arg); ok {
					return out, err
				}
			}
		}
		return t.resolveMap(v)
	case []any:
		out := make([]any, 0, len(v))
		for _, item := range v {
			r, err := t.resolveValue(item)
			if err != nil {
				return nil, err
			}
			if _, gone := r.(noValue); !gone {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return v, nil
}

// resolveMap resolves each member of an object that is no intrinsic.
func (t *Template) resolveMap(v map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(v))
	for k, item := range v {
		r, err := t.resolveValue(item)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if _, gone := r.(noValue); !gone {
			out[k] = r
		}
	}
	return out, nil
}

// intrinsic resolves one intrinsic function, if it is one this resolves.
func (t *Template) intrinsic(fn string, arg any) (any, bool, error) {
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		if name == "AWS::NoValue" {
			return noValue{}, true, nil
		}
		if v, ok := t.Parameter(name); ok {
			return v, true, nil
		}
		if v, ok := pseudo[name]; ok {
			return v, true, nil
		}
		return nil, false, nil // a resource: left as it is
	case "Fn::Sub":
		s, ok := arg.(string)
		if !ok {
			return nil, true, errors.New("Fn::Sub: only the string form is resolved locally")
		}
		return t.sub(s), true, nil
	case "Fn::If":
		list, _ := arg.([]any)
		if len(list) != 3 {
			return nil, true, errors.New("Fn::If wants [condition, then, else]")
		}
		name, _ := list[0].(string)
		holds, err := t.Condition(name)
		if err != nil {
			return nil, true, err
		}
		branch := list[2]
		if holds {
			branch = list[1]
		}
		r, err := t.resolveValue(branch)
		return r, true, err
	}
	return nil, false, nil
}

var subVar = regexp.MustCompile(`\$\{([^}!]+)\}`)

// sub replaces the parameters and pseudo parameters of an Fn::Sub string,
// and leaves ${Resource.Attribute} as it is.
func (t *Template) sub(s string) string {
	return subVar.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := t.Parameter(name); ok {
			return v
		}
		if v, ok := pseudo[name]; ok {
			return v
		}
		return m
	})
}

// Condition evaluates a condition of the template, on its parameters:
// Fn::Equals, Fn::Not, Fn::And, Fn::Or and Condition, over scalars and
// Refs of parameters.
func (t *Template) Condition(name string) (bool, error) {
	node, ok := t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s in the template", name)
	}
	return t.evalCondition(&node, map[string]bool{name: true})
}

func (t *Template) evalCondition(n *yaml.Node, seen map[string]bool) (bool, error) {
	tag, args := conditionParts(n)
	switch tag {
	case "!Equals":
		if len(args) != 2 {
			return false, errors.New("Fn::Equals wants two values")
		}
		a, errA := t.scalar(args[0])
		b, errB := t.scalar(args[1])
		return a == b, errors.Join(errA, errB)
	case "!Not":
		if len(args) != 1 {
			return false, errors.New("Fn::Not wants one condition")
		}
		v, err := t.evalCondition(args[0], seen)
		return !v, err
	case "!And", "!Or":
		return t.evalAll(tag == "!And", args, seen)
	case "!Condition":
		return t.evalNamed(args[0].Value, seen)
	}
	return false, fmt.Errorf("%s cannot be evaluated locally", tag)
}

// conditionParts reads a condition in either form, short (!Not [...]) or
// long ({"Fn::Not": [...]}, {"Condition": name}).
func conditionParts(n *yaml.Node) (string, []*yaml.Node) {
	switch {
	case n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Condition":
		return "!Condition", []*yaml.Node{n.Content[1]}
	case n.Kind == yaml.MappingNode && len(n.Content) == 2:
		return "!" + strings.TrimPrefix(n.Content[0].Value, "Fn::"), n.Content[1].Content
	case n.Tag == "!Condition":
		return "!Condition", []*yaml.Node{n}
	}
	return n.Tag, n.Content
}

// evalAll is Fn::And (and true) or Fn::Or (and false) of conditions.
func (t *Template) evalAll(and bool, args []*yaml.Node, seen map[string]bool) (bool, error) {
	for _, a := range args {
		v, err := t.evalCondition(a, seen)
		if err != nil || v != and {
			return v, err
		}
	}
	return and, nil
}

// evalNamed evaluates the condition name refers to.
func (t *Template) evalNamed(name string, seen map[string]bool) (bool, error) {
	if seen[name] {
		return false, fmt.Errorf("condition %s refers to itself", name)
	}
	node, ok := t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s in the template", name)
	}
	next := maps.Clone(seen)
	next[name] = true
	return t.evalCondition(&node, next)
}

// scalar is the value of a condition's operand: a scalar, a Ref of a
// parameter or pseudo parameter, or an Fn::Join of those or of a list
// parameter's items.
func (t *Template) scalar(n *yaml.Node) (string, error) {
	ref := ""
	switch {
	case n.Tag == "!Join":
		return t.join(n.Content)
	case n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Fn::Join":
		return t.join(n.Content[1].Content)
	case n.Tag == "!Ref":
		ref = n.Value
	case n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Ref":
		ref = n.Content[1].Value
	case n.Kind == yaml.ScalarNode:
		return n.Value, nil
	default:
		return "", fmt.Errorf("%s cannot be evaluated locally", n.Tag)
	}
	if v, ok := t.Parameter(ref); ok {
		return v, nil
	}
	if v, ok := pseudo[ref]; ok {
		return v, nil
	}
	return "", fmt.Errorf("the Ref of %s names no parameter", ref)
}

// join is Fn::Join: its separator, and a list of scalars or a list
// parameter (a CommaDelimitedList, whose value holds its items).
func (t *Template) join(args []*yaml.Node) (string, error) {
	if len(args) != 2 {
		return "", errors.New("Fn::Join wants a separator and a list")
	}
	if args[1].Kind == yaml.SequenceNode {
		items := make([]string, len(args[1].Content))
		for i, item := range args[1].Content {
			v, err := t.scalar(item)
			if err != nil {
				return "", err
			}
			items[i] = v
		}
		return strings.Join(items, args[0].Value), nil
	}
	list, err := t.scalar(args[1])
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(list, ",", args[0].Value), nil
}
