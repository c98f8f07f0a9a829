// Command requestspec writes the request side of an OpenAPI document: its
// paths, each operation's parameters, request body and security, and the
// components those reference, without responses, documentation, examples
// or extensions. The orders function validates requests against it.
// Operations with a tag that oapi-codegen's configuration excludes are
// left out, as oapi-codegen leaves them out of the server.
//
// It writes it twice: as compact JSON (requests.json, to read and to
// review), and as Go code that builds kin-openapi's document of it, as
// decoding that JSON and resolving its references would, without doing
// either (requests.gen.go): the function validates against that, and a
// cold start decodes nothing.
//
// It fails on any member it does not know at the document, path, operation
// or components level, rather than drop something validation might read.
//
// Usage: requestspec api.yaml oapi-codegen.yaml requests.json requests.gen.go
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: requestspec api.yaml oapi-codegen.yaml requests.json requests.gen.go")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3], os.Args[4]); err != nil {
		fmt.Fprintln(os.Stderr, "requestspec:", err)
		os.Exit(1)
	}
}

func run(in, codegenConfig, outJSON, outGo string) error {
	spec, err := openapi3.NewLoader().LoadFromFile(in)
	if err != nil {
		return fmt.Errorf("load %s: %w", in, err)
	}
	pkg, excluded, err := codegenSettings(codegenConfig)
	if err != nil {
		return err
	}
	raw, err := spec.MarshalJSON()
	if err != nil {
		return fmt.Errorf("encode %s: %w", in, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("decode %s: %w", in, err)
	}
	side, err := requestSide(doc, excluded)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	raw, err = json.Marshal(side)
	if err != nil {
		return fmt.Errorf("encode the request side: %w", err)
	}
	loaded, err := load(raw)
	if err != nil {
		return err
	}
	code, err := goSource(pkg, loaded)
	if err != nil {
		return err
	}
	if err := os.WriteFile(outJSON, append(raw, '\n'), 0o600); err != nil { //nolint:gosec // A path given by go generate.
		return err
	}
	return os.WriteFile(outGo, code, 0o600) //nolint:gosec // A path given by go generate.
}

// codegenSettings reads the package and output-options.exclude-tags from
// oapi-codegen's configuration.
func codegenSettings(path string) (pkg string, excluded []string, _ error) {
	raw, err := os.ReadFile(path) //nolint:gosec // A path given by go generate.
	if err != nil {
		return "", nil, fmt.Errorf("read %s: %w", path, err)
	}
	var cfg struct {
		Package       string `yaml:"package"`
		OutputOptions struct {
			ExcludeTags []string `yaml:"exclude-tags"`
		} `yaml:"output-options"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		return "", nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if cfg.Package == "" {
		return "", nil, fmt.Errorf("%s names no package", path)
	}
	return cfg.Package, cfg.OutputOptions.ExcludeTags, nil
}

// What each level keeps and drops; any other member is an error. The
// document's servers go: the validation middleware ignores them
// (DoNotValidateServers).
var (
	documentKeeps = []string{"openapi", "security"}
	documentDrops = []string{"info", "servers", "tags", "externalDocs", "paths", "components"}
	pathKeeps     = []string{"servers", "parameters"}
	pathDrops     = []string{"summary", "description"}
	opKeeps       = []string{"operationId", "parameters", "requestBody", "security", "servers"}
	opDrops       = []string{"tags", "summary", "description", "externalDocs", "responses", "callbacks", "deprecated"}
	componentKind = []string{"schemas", "parameters", "requestBodies", "securitySchemes"}
	componentDrop = []string{"responses", "headers", "examples", "links", "callbacks"}
	methods       = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
)

// requestSide keeps what request validation reads. Every operation gets a
// default response, so that the result is still a valid OpenAPI document.
func requestSide(doc map[string]any, excluded []string) (map[string]any, error) {
	out, err := members(doc, documentKeeps, documentDrops, "the document")
	if err != nil {
		return nil, err
	}
	info := mapOf(doc["info"])
	out["info"] = map[string]any{"title": info["title"], "version": info["version"]}

	paths := map[string]any{}
	for path, v := range mapOf(doc["paths"]) {
		item, err := pathItem(mapOf(v), excluded, path)
		if err != nil {
			return nil, err
		}
		if item != nil {
			paths[path] = item
		}
	}
	out["paths"] = paths

	// Only known kinds; reachable keeps what the paths use.
	components := mapOf(doc["components"])
	if _, err := members(components, nil, slices.Concat(componentKind, componentDrop), "components"); err != nil {
		return nil, err
	}
	out["components"] = reachable(out, components)
	return out, nil
}

// pathItem is a path's request side, or nil when none of its operations
// is kept.
func pathItem(item map[string]any, excluded []string, path string) (map[string]any, error) {
	out, err := members(item, pathKeeps, slices.Concat(pathDrops, methods), "path "+path)
	if err != nil {
		return nil, err
	}
	hasOperation := false
	for _, method := range methods {
		op, ok := item[method].(map[string]any)
		if !ok || tagged(op, excluded) {
			continue
		}
		kept, err := operation(op, method+" "+path)
		if err != nil {
			return nil, err
		}
		out[method] = kept
		hasOperation = true
	}
	if !hasOperation {
		return nil, nil
	}
	return out, nil
}

func operation(op map[string]any, name string) (map[string]any, error) {
	out, err := members(op, opKeeps, opDrops, name)
	if err != nil {
		return nil, err
	}
	out["responses"] = map[string]any{"default": map[string]any{"description": ""}}
	return out, nil
}

// members keeps the members of m named in keeps, stripped of
// documentation, and leaves out those named in others (dropped, or the
// caller's to handle) and extensions; any other member is an error.
func members(m map[string]any, keeps, others []string, where string) (map[string]any, error) {
	out := map[string]any{}
	for key, v := range m {
		switch {
		case slices.Contains(keeps, key):
			out[key] = strip(v)
		case slices.Contains(others, key), strings.HasPrefix(key, "x-"):
		default:
			return nil, fmt.Errorf("%s: %q is unknown here; teach internal/requestspec whether validation reads it", where, key)
		}
	}
	return out, nil
}

// strip removes documentation (description, summary, title, example,
// examples, externalDocs, extensions) from a value and everything in it,
// except where members are names or values, not keywords: under
// properties, enum, default and const.
func strip(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for key, x := range v {
			switch {
			case key == "properties":
				props := map[string]any{}
				for name, p := range mapOf(x) {
					props[name] = strip(p)
				}
				out[key] = props
			case key == "enum", key == "default", key == "const":
				out[key] = x
			case isDocumentation(key):
			default:
				out[key] = strip(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = strip(x)
		}
		return out
	}
	return v
}

func isDocumentation(key string) bool {
	switch key {
	case "description", "summary", "title", "example", "examples", "externalDocs":
		return true
	}
	return strings.HasPrefix(key, "x-")
}

// reachable keeps the components that the paths and the document's
// security reference, directly or through other components, stripped of
// documentation; security schemes are all kept, as security names them
// without a reference.
func reachable(doc map[string]any, components map[string]any) map[string]any {
	out := map[string]any{}
	if schemes, ok := components["securitySchemes"]; ok {
		out["securitySchemes"] = strip(schemes)
	}
	seen := map[string]bool{}
	queue := refs(doc, nil)
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		if seen[ref] {
			continue
		}
		seen[ref] = true
		kind, name, ok := componentRef(ref)
		if !ok || !slices.Contains(componentKind, kind) {
			continue
		}
		c, ok := mapOf(components[kind])[name]
		if !ok {
			continue
		}
		kept := mapOf(out[kind])
		if kept == nil {
			kept = map[string]any{}
			out[kind] = kept
		}
		kept[name] = strip(c)
		queue = refs(c, queue)
	}
	return out
}

// refs appends every $ref in v to list.
func refs(v any, list []string) []string {
	switch v := v.(type) {
	case map[string]any:
		for key, x := range v {
			if s, ok := x.(string); ok && key == "$ref" {
				list = append(list, s)
				continue
			}
			list = refs(x, list)
		}
	case []any:
		for _, x := range v {
			list = refs(x, list)
		}
	}
	return list
}

// componentRef splits "#/components/schemas/Order" into its kind and name.
func componentRef(ref string) (kind, name string, ok bool) {
	rest, ok := strings.CutPrefix(ref, "#/components/")
	if !ok {
		return "", "", false
	}
	kind, name, ok = strings.Cut(rest, "/")
	return kind, name, ok && !strings.Contains(name, "/")
}

// tagged reports whether op has one of tags.
func tagged(op map[string]any, tags []string) bool {
	list, _ := op["tags"].([]any)
	for _, t := range list {
		if s, ok := t.(string); ok && slices.Contains(tags, s) {
			return true
		}
	}
	return false
}

// mapOf is v as an object, or nil when it is none.
func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
