// Package cfn loads the project's template as CloudFormation deploys it:
// after the SAM transform, run offline by scripts/sam-transform, with
// api.yaml inlined as the API's body. The infrastructure and security
// suites assert on it.
package cfn

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/go-sam-blueprint/orders/tests/repo"
)

// Template is a CloudFormation template. Intrinsic functions stay as
// CloudFormation's JSON has them: {"Ref": ...}, {"Fn::GetAtt": [...]}.
type Template struct {
	Parameters map[string]any       `json:"Parameters"`
	Conditions map[string]any       `json:"Conditions"`
	Mappings   map[string]any       `json:"Mappings"`
	Resources  map[string]*Resource `json:"Resources"`
	Outputs    map[string]any       `json:"Outputs"`
}

// Resource is one resource of a Template.
type Resource struct {
	Type                string         `json:"Type"`
	Condition           string         `json:"Condition,omitempty"`
	Properties          map[string]any `json:"Properties,omitempty"`
	Metadata            map[string]any `json:"Metadata,omitempty"`
	DeletionPolicy      any            `json:"DeletionPolicy,omitempty"`
	UpdateReplacePolicy any            `json:"UpdateReplacePolicy,omitempty"`
	DependsOn           any            `json:"DependsOn,omitempty"`
	UpdatePolicy        map[string]any `json:"UpdatePolicy,omitempty"`
}

// Transform runs the offline SAM transform on the template at path, with
// its parameters' defaults, and returns the result; outDir receives the
// JSON file.
func Transform(path, outDir string) (*Template, error) {
	return TransformWith(path, outDir, nil)
}

// TransformWith runs the transform as a deploy with these parameter
// values does (Environment=staging, ...), the defaults standing for the
// others: CloudFormation hands the SAM transform the stack's values, and
// SAM resolves what depends on them (a DeploymentPreference Type, say).
// outDir receives the JSON file, named after the values.
func TransformWith(path, outDir string, params map[string]string) (*Template, error) {
	// Python reads these, not the test binary; go test caches a result
	// until a file the test itself opened changes, so open them here, or a
	// broken template.yaml would keep an old pass.
	for _, input := range []string{path, filepath.Join(filepath.Dir(path), "api.yaml"), filepath.Join(repo.Root(), "scripts", "sam-transform")} {
		if _, err := os.ReadFile(input); err != nil {
			return nil, fmt.Errorf("read %s: %w", input, err)
		}
	}
	name := "template.transformed"
	args := []string{filepath.Join(repo.Root(), "scripts", "sam-transform"), path, ""}
	for _, k := range slices.Sorted(maps.Keys(params)) {
		args = append(args, k+"="+params[k])
		name += "." + k + "-" + params[k]
	}
	out := filepath.Join(outDir, name+".json")
	args[2] = out
	cmd := exec.CommandContext(context.Background(), "python3", args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("sam-transform %s %v: %w\n%s", path, params, err, msg)
	}
	return Load(out)
}

// Load reads a CloudFormation template in JSON.
func Load(path string) (*Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	var t Template
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("parse template %s: %w", path, err)
	}
	return &t, nil
}

// Clone returns a deep copy, for a test to break.
func (t *Template) Clone() *Template {
	raw, err := json.Marshal(t)
	if err != nil {
		panic(fmt.Sprintf("cfn: a parsed template always marshals: %v", err))
	}
	var c Template
	if err := json.Unmarshal(raw, &c); err != nil {
		panic(fmt.Sprintf("cfn: a marshalled template always parses: %v", err))
	}
	return &c
}

// IDs returns the logical ids of the resources of one type, sorted.
func (t *Template) IDs(typ string) []string {
	var ids []string
	for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
		if t.Resources[id].Type == typ {
			ids = append(ids, id)
		}
	}
	return ids
}

// Ref returns the logical id that v references with Ref, if it does.
func Ref(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	id, ok := m["Ref"].(string)
	return id, ok
}

// GetAtt returns the logical id and attribute of an Fn::GetAtt, if v is one.
func GetAtt(v any) (id, attr string, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", "", false
	}
	parts, isList := m["Fn::GetAtt"].([]any)
	if !isList || len(parts) != 2 {
		return "", "", false
	}
	id, ok1 := parts[0].(string)
	attr, ok2 := parts[1].(string)
	return id, attr, ok1 && ok2
}

// If returns the condition and branches of an Fn::If, if v is one.
func If(v any) (condition string, whenTrue, whenFalse any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, nil, false
	}
	parts, isList := m["Fn::If"].([]any)
	if !isList || len(parts) != 3 {
		return "", nil, nil, false
	}
	condition, ok = parts[0].(string)
	return condition, parts[1], parts[2], ok
}

// Path walks v through map keys and list indexes; nil when a step is missing.
func Path(v any, steps ...any) any {
	for _, step := range steps {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[s]
		case int:
			l, ok := v.([]any)
			if !ok || s >= len(l) {
				return nil
			}
			v = l[s]
		default:
			return nil
		}
	}
	return v
}

// Statement is one statement of an IAM policy document.
type Statement struct {
	Effect    string
	Actions   []string
	Resources []any
	Principal any
	Condition any
}

// Statements reads a policy document's statements; Action and Resource
// may be one value or a list.
func Statements(doc any) []Statement {
	list, _ := Path(doc, "Statement").([]any)
	out := make([]Statement, 0, len(list))
	for _, raw := range list {
		m, _ := raw.(map[string]any)
		s := Statement{Principal: m["Principal"], Condition: m["Condition"]}
		s.Effect, _ = m["Effect"].(string)
		for _, a := range List(m["Action"]) {
			if name, ok := a.(string); ok {
				s.Actions = append(s.Actions, name)
			}
		}
		s.Resources = List(m["Resource"])
		out = append(out, s)
	}
	return out
}

// List reads a property that CloudFormation accepts as one value or a
// list of them (an IAM Action or Resource) as a list.
func List(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

// Sub renders an Fn::Sub, in either form, as its text: the variables of
// its list form substituted where they are strings or lookups in the
// template's mappings; any other ${...} left as it is.
func (t *Template) Sub(v any) (string, bool) {
	switch arg := Path(v, "Fn::Sub").(type) {
	case string:
		return arg, true
	case []any:
		text, ok := arg[0].(string)
		vars, _ := Path(arg, 1).(map[string]any)
		if !ok {
			return "", false
		}
		for name, value := range vars {
			if s, ok := t.lookup(value); ok {
				text = strings.ReplaceAll(text, "${"+name+"}", s)
			}
		}
		return text, true
	}
	return "", false
}

// lookup resolves a string, or an Fn::FindInMap with literal keys.
func (t *Template) lookup(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	keys, ok := Path(v, "Fn::FindInMap").([]any)
	if !ok || len(keys) != 3 {
		return "", false
	}
	s, ok := Path(t.Mappings, keys...).(string)
	return s, ok
}

// Keys returns the keys of m, sorted.
func Keys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// integrationAlias finds the resource an integration's uri names after the
// transform, which resolves <Function>.Alias to the alias' logical id.
var integrationAlias = regexp.MustCompile(`functions/\$\{(\w+)\}/invocations`)

// Invoked returns the alias that integration, an
// x-amazon-apigateway-integration of the OrdersApi's body, invokes
// (functions/${<Alias>}/invocations after the transform), and the
// function the alias is of.
func (t *Template) Invoked(integration any) (fn, alias string, err error) {
	uri, _ := t.Sub(Path(integration, "uri"))
	m := integrationAlias.FindStringSubmatch(uri)
	if len(m) != 2 {
		return "", "", fmt.Errorf("the integration invokes no resource of the template: %v", Path(integration, "uri"))
	}
	if r := t.Resources[m[1]]; r == nil || r.Type != "AWS::Lambda::Alias" {
		return "", m[1], fmt.Errorf("the integration invokes %s, which is no alias of the template", m[1])
	}
	fn, _ = Ref(t.Resources[m[1]].Properties["FunctionName"])
	return fn, m[1], nil
}

// Integrated returns the function whose alias the API operation
// operationID invokes, in the OrdersApi's body.
func (t *Template) Integrated(operationID string) (string, error) {
	paths, _ := Path(t.Resources["OrdersApi"].Properties, "Body", "paths").(map[string]any)
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		for _, op := range ops {
			if Path(op, "operationId") != operationID {
				continue
			}
			fn, _, err := t.Invoked(Path(op, "x-amazon-apigateway-integration"))
			if err != nil {
				return "", fmt.Errorf("%s: %w", operationID, err)
			}
			return fn, nil
		}
	}
	return "", fmt.Errorf("no operation %s", operationID)
}
