// Package sam reads what local runs need from a SAM template: the DynamoDB
// tables to create and the functions' environment, so that template.yaml
// stays the one place where both are defined.
package sam

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"
)

// Template is a parsed SAM template.
type Template struct {
	Parameters map[string]parameter `yaml:"Parameters"`
	Conditions map[string]yaml.Node `yaml:"Conditions"`
	Globals    struct {
		Function functionProps `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]Resource `yaml:"Resources"`

	overrides map[string]string // SetParameters'
}

// Resource is one entry of a template's Resources; Properties stays raw,
// since its shape depends on Type and may hold intrinsic functions.
type Resource struct {
	Type       string    `yaml:"Type"`
	Properties yaml.Node `yaml:"Properties"`
}

// UnmarshalYAML reads a resource, and leaves an Fn::ForEach loop (a list
// where a resource is a mapping) as a Resource of no type: the resources
// local runs need (functions and tables) are declared one by one, and a
// loop's resources (log groups, permissions, alarms) are AWS's alone.
func (r *Resource) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	type plain Resource
	return n.Decode((*plain)(r))
}

type functionProps struct {
	// Timeout is the function's timeout in seconds; 0 when unset.
	Timeout     int `yaml:"Timeout"`
	Environment struct {
		Variables map[string]yaml.Node `yaml:"Variables"`
	} `yaml:"Environment"`
	LoggingConfig struct {
		LogFormat           string `yaml:"LogFormat"`
		ApplicationLogLevel string `yaml:"ApplicationLogLevel"`
	} `yaml:"LoggingConfig"`
}

// lambdaVars returns the variables that Lambda itself sets from a
// function's logging configuration, the function's own over the globals'.
func lambdaVars(global, own functionProps) map[string]string {
	format := cmp.Or(own.LoggingConfig.LogFormat, global.LoggingConfig.LogFormat)
	level := cmp.Or(own.LoggingConfig.ApplicationLogLevel, global.LoggingConfig.ApplicationLogLevel)
	vars := map[string]string{}
	if format != "" {
		vars["AWS_LAMBDA_LOG_FORMAT"] = format
	}
	// Lambda passes the level only with JSON logs, where it filters them.
	if format == "JSON" && level != "" {
		vars["AWS_LAMBDA_LOG_LEVEL"] = level
	}
	return vars
}

// tableProps is the part of AWS::DynamoDB::Table's properties that shapes
// a local table. Capacity, encryption and backups do not apply locally.
type tableProps struct {
	AttributeDefinitions []struct {
		AttributeName string `yaml:"AttributeName"`
		AttributeType string `yaml:"AttributeType"`
	} `yaml:"AttributeDefinitions"`
	KeySchema []keyElement `yaml:"KeySchema"`
	GSIs      []struct {
		IndexName  string       `yaml:"IndexName"`
		KeySchema  []keyElement `yaml:"KeySchema"`
		Projection struct {
			ProjectionType   string   `yaml:"ProjectionType"`
			NonKeyAttributes []string `yaml:"NonKeyAttributes"`
		} `yaml:"Projection"`
	} `yaml:"GlobalSecondaryIndexes"`
	TimeToLive struct {
		AttributeName string `yaml:"AttributeName"`
		Enabled       bool   `yaml:"Enabled"`
	} `yaml:"TimeToLiveSpecification"`
}

type keyElement struct {
	AttributeName string `yaml:"AttributeName"`
	KeyType       string `yaml:"KeyType"`
}

func keySchema(elems []keyElement) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, len(elems))
	for i, e := range elems {
		out[i] = types.KeySchemaElement{AttributeName: aws.String(e.AttributeName), KeyType: types.KeyType(e.KeyType)}
	}
	return out
}

func (p tableProps) createInput(name string) dynamodb.CreateTableInput {
	in := dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(p.KeySchema),
	}
	for _, a := range p.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName), AttributeType: types.ScalarAttributeType(a.AttributeType),
		})
	}
	for _, g := range p.GSIs {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(g.IndexName),
			KeySchema: keySchema(g.KeySchema),
			Projection: &types.Projection{
				ProjectionType:   types.ProjectionType(g.Projection.ProjectionType),
				NonKeyAttributes: g.Projection.NonKeyAttributes,
			},
		})
	}
	return in
}

// Table is a DynamoDB table that a template defines.
type Table struct {
	// LogicalID names the table in the template; local runs use it as the
	// table's name, as `sam local` resolves a !Ref.
	LogicalID string
	Create    dynamodb.CreateTableInput
	// TTLAttribute is the attribute that expires items; "" when none does.
	TTLAttribute string
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // The template the caller names.
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	var t Template
	if err := yaml.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("parse template %s: %w", path, err)
	}
	return &t, nil
}

// resources yields the resources of one type, by logical id in order.
func (t *Template) resources(typ string) iter.Seq2[string, *Resource] {
	return func(yield func(string, *Resource) bool) {
		for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
			r := t.Resources[id]
			if r.Type == typ && !yield(id, &r) {
				return
			}
		}
	}
}

// UserPools returns the logical ids of the template's Cognito user pools,
// in order.
func (t *Template) UserPools() []string {
	var ids []string
	for id := range t.resources("AWS::Cognito::UserPool") {
		ids = append(ids, id)
	}
	return ids
}

// Tables returns the template's AWS::DynamoDB::Table resources, by logical id.
func (t *Template) Tables() ([]Table, error) {
	var tables []Table
	for id, r := range t.resources("AWS::DynamoDB::Table") {
		var p tableProps
		if err := r.Properties.Decode(&p); err != nil {
			return nil, fmt.Errorf("table %s: %w", id, err)
		}
		if len(p.KeySchema) == 0 {
			return nil, fmt.Errorf("table %s: no KeySchema", id)
		}
		table := Table{LogicalID: id, Create: p.createInput(id)}
		if p.TimeToLive.Enabled {
			table.TTLAttribute = p.TimeToLive.AttributeName
		}
		tables = append(tables, table)
	}
	return tables, nil
}

// Environment returns the variables that the template gives its functions:
// each function's own over the globals, and those that Lambda sets from
// LoggingConfig. A !Ref or !GetAtt of a resource resolves to its logical id,
// as `sam local` resolves a !Ref; other intrinsic functions cannot be
// resolved without AWS and are an error. Two functions seeing one variable
// with different values is an error too, since local runs serve every
// function from one process.
func (t *Template) Environment() (map[string]string, error) {
	globals, err := t.resolveAll("Globals", t.Globals.Function.Environment.Variables)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	var errs []error
	functions := 0
	for id, r := range t.resources("AWS::Serverless::Function") {
		functions++
		var p functionProps
		if err := r.Properties.Decode(&p); err != nil {
			errs = append(errs, fmt.Errorf("function %s: %w", id, err))
			continue
		}
		own, err := t.resolveAll(id, p.Environment.Variables)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		seen := maps.Clone(globals)
		maps.Copy(seen, own)
		maps.Copy(seen, lambdaVars(t.Globals.Function, p))
		for name, value := range seen {
			if old, ok := env[name]; ok && old != value {
				errs = append(errs, fmt.Errorf("function %s: %s is %q here but %q elsewhere", id, name, value, old))
				continue
			}
			env[name] = value
		}
	}
	if functions == 0 {
		// Without functions, the globals are all there is.
		maps.Copy(env, globals)
		maps.Copy(env, lambdaVars(t.Globals.Function, functionProps{}))
	}
	return env, errors.Join(errs...)
}

// lambdaDefaultTimeout is Lambda's timeout for a function that names none.
const lambdaDefaultTimeout = 3 * time.Second

// Timeouts returns each function's timeout: its own Timeout, else the
// globals', else Lambda's default.
func (t *Template) Timeouts() (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	for id, r := range t.resources("AWS::Serverless::Function") {
		var p functionProps
		if err := r.Properties.Decode(&p); err != nil {
			return nil, fmt.Errorf("function %s: %w", id, err)
		}
		seconds := cmp.Or(p.Timeout, t.Globals.Function.Timeout)
		out[id] = lambdaDefaultTimeout
		if seconds > 0 {
			out[id] = time.Duration(seconds) * time.Second
		}
	}
	return out, nil
}

// Declared returns, for each function, the names of the environment
// variables the template declares for it: the globals' and its own. These
// are the only variables sam local sets in a function's container.
func (t *Template) Declared() (map[string][]string, error) {
	out := map[string][]string{}
	for id, r := range t.resources("AWS::Serverless::Function") {
		var p functionProps
		if err := r.Properties.Decode(&p); err != nil {
			return nil, fmt.Errorf("function %s: %w", id, err)
		}
		names := slices.Collect(maps.Keys(t.Globals.Function.Environment.Variables))
		for name := range p.Environment.Variables {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		out[id] = names
	}
	return out, nil
}

func (t *Template) resolveAll(owner string, vars map[string]yaml.Node) (map[string]string, error) {
	out := make(map[string]string, len(vars))
	var errs []error
	for name := range vars {
		node := vars[name]
		value, err := t.resolve(&node)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", owner, name, err))
			continue
		}
		out[name] = value
	}
	return out, errors.Join(errs...)
}

func (t *Template) resolve(n *yaml.Node) (string, error) {
	switch {
	case n.Tag == "!If" && len(n.Content) == 3:
		return t.resolveIf(n.Content)
	case n.Kind == yaml.ScalarNode && n.Tag == "!Ref" && t.isParameter(n.Value):
		v, _ := t.Parameter(n.Value)
		return v, nil
	case n.Kind == yaml.ScalarNode && (n.Tag == "!Ref" || n.Tag == "!GetAtt"):
		id, _, _ := strings.Cut(n.Value, ".")
		if _, ok := t.Resources[id]; !ok {
			return "", fmt.Errorf("%s %s: no such resource", n.Tag, n.Value)
		}
		return id, nil
	case n.Kind == yaml.ScalarNode && (n.Tag == "!!str" || n.Tag == "!!int" || n.Tag == "!!bool" || n.Tag == "!!float"):
		return n.Value, nil
	default:
		return "", fmt.Errorf("%s cannot be resolved locally", n.Tag)
	}
}

// resolveIf resolves the branch of an !If that the stack's parameters
// choose.
func (t *Template) resolveIf(args []*yaml.Node) (string, error) {
	holds, err := t.Condition(args[0].Value)
	if err != nil {
		return "", err
	}
	if holds {
		return t.resolve(args[1])
	}
	return t.resolve(args[2])
}

func (t *Template) isParameter(name string) bool {
	_, ok := t.Parameters[name]
	return ok
}
