// Command requestspec writes the request side of an OpenAPI document as
// compact JSON: its paths, each operation's parameters and request body,
// and the components they use, without responses, documentation, examples
// or extensions. The orders function validates requests against it: it
// decodes in half the time of the whole document, on every cold start.
// Operations with a tag that oapi-codegen's configuration excludes are left
// out, as oapi-codegen leaves them out of the server.
//
// Usage: requestspec api.yaml oapi-codegen.yaml requests.json
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
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: requestspec api.yaml oapi-codegen.yaml requests.json")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "requestspec:", err)
		os.Exit(1)
	}
}

func run(in, codegenConfig, out string) error {
	spec, err := openapi3.NewLoader().LoadFromFile(in)
	if err != nil {
		return fmt.Errorf("load %s: %w", in, err)
	}
	excluded, err := excludedTags(codegenConfig)
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
	raw, err = json.Marshal(requestSide(doc, excluded))
	if err != nil {
		return fmt.Errorf("encode the request side: %w", err)
	}
	return os.WriteFile(out, append(raw, '\n'), 0o600) //nolint:gosec // A path given by go generate.
}

// requestSide keeps what request validation reads. Every operation keeps a
// default response, so that the result is still a valid OpenAPI document.
func requestSide(doc map[string]any, excluded []string) map[string]any {
	info, _ := doc["info"].(map[string]any)
	out := map[string]any{
		"openapi": doc["openapi"],
		"info":    map[string]any{"title": info["title"], "version": info["version"]},
	}
	paths := map[string]any{}
	for path, v := range objects(doc["paths"]) {
		item := map[string]any{}
		for key, v := range v {
			switch {
			case key == "parameters":
				item[key] = parameters(v)
			case isMethod(key) && !tagged(mapOf(v), excluded):
				item[key] = operation(mapOf(v))
			}
		}
		if len(item) > 0 && (len(item) > 1 || item["parameters"] == nil) {
			paths[path] = item
		}
	}
	out["paths"] = paths
	components := map[string]any{}
	for _, kind := range []string{"schemas", "parameters", "requestBodies", "securitySchemes"} {
		c, ok := mapOf(doc["components"])[kind]
		if !ok {
			continue
		}
		kept := map[string]any{}
		for name, v := range objects(c) {
			switch kind {
			case "schemas":
				kept[name] = schema(v)
			case "parameters":
				kept[name] = parameter(v)
			case "requestBodies":
				kept[name] = requestBody(v)
			default:
				kept[name] = v
			}
		}
		components[kind] = kept
	}
	out["components"] = components
	return out
}

// excludedTags reads output-options.exclude-tags from oapi-codegen's
// configuration.
func excludedTags(path string) ([]string, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // A path given by go generate.
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var cfg struct {
		OutputOptions struct {
			ExcludeTags []string `yaml:"exclude-tags"`
		} `yaml:"output-options"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return cfg.OutputOptions.ExcludeTags, nil
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

func isMethod(key string) bool {
	switch strings.ToUpper(key) {
	case "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE":
		return true
	}
	return false
}

func operation(op map[string]any) map[string]any {
	out := map[string]any{"responses": map[string]any{"default": map[string]any{"description": ""}}}
	for key, v := range op {
		switch key {
		case "operationId", "security":
			out[key] = v
		case "parameters":
			out[key] = parameters(v)
		case "requestBody":
			out[key] = requestBody(mapOf(v))
		}
	}
	return out
}

func parameters(v any) []any {
	list, _ := v.([]any)
	out := make([]any, len(list))
	for i, p := range list {
		out[i] = parameter(mapOf(p))
	}
	return out
}

func parameter(p map[string]any) map[string]any {
	return pick(p, map[string]func(any) any{
		"$ref": keep, "name": keep, "in": keep, "required": keep, "style": keep, "explode": keep,
		"allowEmptyValue": keep, "allowReserved": keep, "schema": schema, "content": content,
	})
}

func requestBody(b map[string]any) map[string]any {
	return pick(b, map[string]func(any) any{"$ref": keep, "required": keep, "content": content})
}

func content(v any) any {
	out := map[string]any{}
	for mediaType, m := range mapOf(v) {
		out[mediaType] = pick(mapOf(m), map[string]func(any) any{"schema": schema, "encoding": keep})
	}
	return out
}

// schema drops a schema's documentation (description, title, examples,
// extensions) and keeps every keyword that validation reads; a member
// named like a keyword under properties is a name, not a keyword.
func schema(v any) any {
	s := mapOf(v)
	out := map[string]any{}
	for key, v := range s {
		switch key {
		case "description", "title", "example", "examples", "externalDocs", "xml":
		case "properties":
			props := map[string]any{}
			for name, p := range mapOf(v) {
				props[name] = schema(p)
			}
			out[key] = props
		case "items", "not":
			out[key] = schema(v)
		case "additionalProperties":
			if _, isSchema := v.(map[string]any); isSchema {
				out[key] = schema(v)
			} else {
				out[key] = v
			}
		case "allOf", "oneOf", "anyOf":
			list, _ := v.([]any)
			kept := make([]any, len(list))
			for i, x := range list {
				kept[i] = schema(x)
			}
			out[key] = kept
		default:
			if !strings.HasPrefix(key, "x-") {
				out[key] = v
			}
		}
	}
	return out
}

func keep(v any) any { return v }

// pick keeps the members of m named in keys, each passed through its
// function.
func pick(m map[string]any, keys map[string]func(any) any) map[string]any {
	out := map[string]any{}
	for key, v := range m {
		if f, ok := keys[key]; ok {
			out[key] = f(v)
		}
	}
	return out
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// objects is an object whose members are objects.
func objects(v any) map[string]map[string]any {
	m := mapOf(v)
	out := make(map[string]map[string]any, len(m))
	for k, x := range m {
		out[k] = mapOf(x)
	}
	return out
}
