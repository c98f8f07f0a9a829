// Package flags evaluates feature flags written in the schema of
// Powertools for AWS Lambda's feature flags, and reads them from AWS
// AppConfig through the AppConfig Agent Lambda extension.
//
// A document keeps its flags under "features"; anything else in it is
// plain configuration, read with Document.Config. A flag has a "default"
// and optional "rules", tried in order: the first rule whose conditions all
// match gives its "when_match" value.
//
//	{"features": {"premium_features": {"default": false, "rules": {
//	    "vip": {"when_match": true, "conditions": [
//	        {"action": "STARTSWITH", "key": "customer_name", "value": "VIP-"}]}}}},
//	 "countries": ["ISRAEL", "USA"]}
package flags

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Document is a parsed and validated feature-flag document.
type Document struct {
	features map[string]feature
	config   map[string]json.RawMessage
}

type feature struct {
	def   any
	rules []rule
}

type rule struct {
	name       string
	whenMatch  any
	conditions []condition
}

type condition struct {
	action action
	key    string
	value  any
}

// Parse reads and validates a document. Every problem is reported, each
// with the flag and rule it is in.
func Parse(data []byte) (*Document, error) {
	var top map[string]json.RawMessage
	if err := unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("feature flags: not a JSON object: %w", err)
	}
	doc := &Document{features: map[string]feature{}, config: top}
	raw, ok := top["features"]
	if !ok {
		return nil, errors.New(`feature flags: no "features" object`)
	}
	var features map[string]json.RawMessage
	if err := unmarshal(raw, &features); err != nil || features == nil {
		return nil, fmt.Errorf(`feature flags: "features" is not an object: %w`, cmp.Or(err, errors.New("null")))
	}
	var errs []error
	for name, raw := range features {
		f, err := parseFeature(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("flag %q: %w", name, err))
			continue
		}
		doc.features[name] = f
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("feature flags: %w", err)
	}
	return doc, nil
}

// Config returns a non-flag member of the document, raw; nil when absent.
func (d *Document) Config(key string) json.RawMessage {
	if key == "features" {
		return nil
	}
	return d.config[key]
}

// Value evaluates a flag for attrs: the when_match of the first rule whose
// conditions all hold, else the flag's default; fallback when the document
// has no such flag.
func (d *Document) Value(name string, attrs map[string]any, fallback any) any {
	f, ok := d.features[name]
	if !ok {
		return fallback
	}
	for _, r := range f.rules {
		if r.matches(attrs) {
			return r.whenMatch
		}
	}
	return f.def
}

// Bool evaluates a boolean flag; fallback when the flag is missing or not
// boolean.
func (d *Document) Bool(name string, attrs map[string]any, fallback bool) bool {
	if v, ok := d.Value(name, attrs, fallback).(bool); ok {
		return v
	}
	return fallback
}

func (r rule) matches(attrs map[string]any) bool {
	for _, c := range r.conditions {
		v, ok := attrs[c.key]
		if !ok || !c.action.eval(normalize(v), c.value) {
			return false
		}
	}
	return true
}

func parseFeature(raw json.RawMessage) (feature, error) {
	var f struct {
		Default *json.RawMessage `json:"default"`
		Rules   json.RawMessage  `json:"rules"`
	}
	if err := unmarshal(raw, &f); err != nil {
		return feature{}, fmt.Errorf("not an object: %w", err)
	}
	if f.Default == nil {
		return feature{}, errors.New(`no "default"`)
	}
	var out feature
	if err := unmarshal(*f.Default, &out.def); err != nil {
		return feature{}, err
	}
	out.def = normalize(out.def)
	// No rules, or null, as Powertools reads it: the default alone.
	if len(f.Rules) == 0 || string(f.Rules) == "null" {
		return out, nil
	}
	names, rules, err := orderedObject(f.Rules)
	if err != nil {
		return feature{}, fmt.Errorf(`"rules": %w`, err)
	}
	var errs []error
	for _, name := range names {
		r, err := parseRule(name, rules[name], out.def)
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %q: %w", name, err))
			continue
		}
		out.rules = append(out.rules, r)
	}
	return out, errors.Join(errs...)
}

func parseRule(name string, raw json.RawMessage, def any) (rule, error) {
	var r struct {
		WhenMatch  *json.RawMessage  `json:"when_match"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := unmarshal(raw, &r); err != nil {
		return rule{}, fmt.Errorf("not an object: %w", err)
	}
	if r.WhenMatch == nil {
		return rule{}, errors.New(`no "when_match"`)
	}
	out := rule{name: name}
	if err := unmarshal(*r.WhenMatch, &out.whenMatch); err != nil {
		return rule{}, err
	}
	out.whenMatch = normalize(out.whenMatch)
	if _, boolFlag := def.(bool); boolFlag {
		if _, ok := out.whenMatch.(bool); !ok {
			return rule{}, errors.New(`"when_match" of a boolean flag must be true or false`)
		}
	}
	if len(r.Conditions) == 0 {
		return rule{}, errors.New(`no "conditions"`)
	}
	var errs []error
	for i, raw := range r.Conditions {
		c, err := parseCondition(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("condition %d: %w", i+1, err))
			continue
		}
		out.conditions = append(out.conditions, c)
	}
	return out, errors.Join(errs...)
}

func parseCondition(raw json.RawMessage) (condition, error) {
	var c struct {
		Action string           `json:"action"`
		Key    string           `json:"key"`
		Value  *json.RawMessage `json:"value"`
	}
	if err := unmarshal(raw, &c); err != nil {
		return condition{}, fmt.Errorf("not an object: %w", err)
	}
	act, ok := actions[c.Action]
	if !ok {
		return condition{}, fmt.Errorf("unknown action %q", c.Action)
	}
	if c.Key == "" {
		return condition{}, errors.New(`no "key"`)
	}
	if c.Value == nil {
		return condition{}, errors.New(`no "value"`)
	}
	var value any
	if err := unmarshal(*c.Value, &value); err != nil {
		return condition{}, err
	}
	value = normalize(value)
	if err := act.check(value); err != nil {
		return condition{}, fmt.Errorf("%s: %w", c.Action, err)
	}
	return condition{action: act, key: c.Key, value: value}, nil
}

// unmarshal decodes JSON with numbers kept exact, refusing trailing data.
func unmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// orderedObject decodes an object keeping its keys' order, which decides
// which rule wins.
func orderedObject(data json.RawMessage) ([]string, map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, errors.New("not an object")
	}
	var names []string
	values := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		if _, dup := values[name]; dup {
			return nil, nil, fmt.Errorf("rule %q appears twice", name)
		}
		names = append(names, name)
		values[name] = v
	}
	return names, values, nil
}
