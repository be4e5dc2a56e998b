package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strings"
)

// The HTML page of the API definition is rendered from the same JSON the
// service-desc serves, with the subset of OpenAPI 3.0 the document uses:
// operations with their parameters, bodies and responses, and the schemas.

type oasDoc struct {
	Info struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Description string `json:"description"`
	} `json:"info"`
	Tags []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"tags"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Parameters map[string]oasParam    `json:"parameters"`
		Responses  map[string]oasResponse `json:"responses"`
		Schemas    map[string]oasSchema   `json:"schemas"`
	} `json:"components"`
}

type oasOperation struct {
	Tags        []string               `json:"tags"`
	Summary     string                 `json:"summary"`
	Description string                 `json:"description"`
	Parameters  []oasParam             `json:"parameters"`
	RequestBody *oasBody               `json:"requestBody"`
	Responses   map[string]oasResponse `json:"responses"`
	Security    *[]map[string][]string `json:"security"`
}

type oasParam struct {
	Ref         string     `json:"$ref"`
	Name        string     `json:"name"`
	In          string     `json:"in"`
	Description string     `json:"description"`
	Required    bool       `json:"required"`
	Schema      *oasSchema `json:"schema"`
}

type oasBody struct {
	Required bool                `json:"required"`
	Content  map[string]oasMedia `json:"content"`
}

type oasResponse struct {
	Ref         string              `json:"$ref"`
	Description string              `json:"description"`
	Content     map[string]oasMedia `json:"content"`
}

type oasMedia struct {
	Schema *oasSchema `json:"schema"`
}

type oasSchema struct {
	Ref         string               `json:"$ref"`
	Type        string               `json:"type"`
	Format      string               `json:"format"`
	Description string               `json:"description"`
	Enum        []any                `json:"enum"`
	Items       *oasSchema           `json:"items"`
	Properties  map[string]oasSchema `json:"properties"`
	Required    []string             `json:"required"`
	AllOf       []oasSchema          `json:"allOf"`
	OneOf       []oasSchema          `json:"oneOf"`
	Nullable    bool                 `json:"nullable"`
	Default     any                  `json:"default"`
}

// summary is a one-line description of a schema's type.
func (s *oasSchema) summary() string {
	if s == nil {
		return ""
	}
	var t string
	switch {
	case s.Ref != "":
		t = refName(s.Ref)
	case s.Items != nil:
		t = "array of " + s.Items.summary()
	case len(s.Enum) > 0:
		vals := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			vals[i] = fmt.Sprint(v)
		}
		t = "one of " + strings.Join(vals, ", ")
	case len(s.AllOf) > 0 || len(s.OneOf) > 0:
		var parts []string
		for _, p := range append(slices.Clone(s.AllOf), s.OneOf...) {
			parts = append(parts, p.summary())
		}
		t = strings.Join(parts, " + ")
		if len(s.OneOf) > 0 {
			t = strings.Join(parts, " or ")
		}
	case s.Type != "":
		t = s.Type
		if s.Format != "" {
			t += " (" + s.Format + ")"
		}
	default:
		t = "any"
	}
	if s.Nullable {
		t += " or null"
	}
	if s.Default != nil {
		t += fmt.Sprintf("; default %v", s.Default)
	}
	return t
}

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

// docView is what the page template shows.
type docView struct {
	Title, Version, Description string
	Sections                    []docSection
	Schemas                     []docSchema
}

type docSection struct {
	Name, Description string
	Operations        []docOperation
}

type docOperation struct {
	Method, Path, Summary, Description string
	Public                             bool
	Params                             []docRow
	Body                               []docRow
	Responses                          []docRow
}

// docRow is one row of a table: a name, a type (or media types), whether
// it is required and what it means.
type docRow struct {
	Name, Type, Description string
	Required                bool
}

type docSchema struct {
	Name, Type, Description string
	Properties              []docRow
}

var docMethods = []string{"get", "post", "put", "patch", "delete"}

// renderAPIDoc renders the API definition as an HTML page.
func renderAPIDoc() ([]byte, error) {
	raw, err := apiDefinition()
	if err != nil {
		return nil, err
	}
	var doc oasDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	v := docView{Title: doc.Info.Title, Version: doc.Info.Version, Description: doc.Info.Description}
	byTag := map[string]*docSection{}
	for _, t := range doc.Tags {
		v.Sections = append(v.Sections, docSection{Name: t.Name, Description: t.Description})
	}
	for i := range v.Sections {
		byTag[v.Sections[i].Name] = &v.Sections[i]
	}
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		item := doc.Paths[p]
		var shared []oasParam
		if b, ok := item["parameters"]; ok {
			if err := json.Unmarshal(b, &shared); err != nil {
				return nil, fmt.Errorf("%s parameters: %w", p, err)
			}
		}
		for _, m := range docMethods {
			b, ok := item[m]
			if !ok {
				continue
			}
			var op oasOperation
			if err := json.Unmarshal(b, &op); err != nil {
				return nil, fmt.Errorf("%s %s: %w", m, p, err)
			}
			sec := byTag[firstOr(op.Tags, "")]
			if sec == nil {
				return nil, fmt.Errorf("%s %s: tag %q is not in the document's tags", m, p, firstOr(op.Tags, ""))
			}
			sec.Operations = append(sec.Operations, doc.operationView(strings.ToUpper(m), p, op, shared))
		}
	}
	v.Schemas = doc.schemaViews()
	var buf bytes.Buffer
	if err := apiDocTemplate.Execute(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func firstOr(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}

// operationView resolves the references of one operation into table rows.
func (d *oasDoc) operationView(method, path string, op oasOperation, shared []oasParam) docOperation {
	o := docOperation{Method: method, Path: path, Summary: op.Summary, Description: op.Description,
		Public: op.Security != nil && len(*op.Security) == 0}
	for _, p := range append(slices.Clone(shared), op.Parameters...) {
		if p.Ref != "" {
			p = d.Components.Parameters[refName(p.Ref)]
		}
		o.Params = append(o.Params, docRow{Name: p.Name + " (" + p.In + ")", Type: p.Schema.summary(),
			Description: p.Description, Required: p.Required})
	}
	if op.RequestBody != nil {
		for _, mt := range sortedKeys(op.RequestBody.Content) {
			o.Body = append(o.Body, docRow{Name: mt, Type: op.RequestBody.Content[mt].Schema.summary(), Required: op.RequestBody.Required})
		}
	}
	for _, code := range sortedKeys(op.Responses) {
		r := op.Responses[code]
		if r.Ref != "" {
			r = d.Components.Responses[refName(r.Ref)]
		}
		var types []string
		for _, mt := range sortedKeys(r.Content) {
			types = append(types, mt+": "+r.Content[mt].Schema.summary())
		}
		o.Responses = append(o.Responses, docRow{Name: code, Type: strings.Join(types, "; "), Description: r.Description})
	}
	return o
}

// schemaViews lists the component schemas with their properties, those of
// allOf members included.
func (d *oasDoc) schemaViews() []docSchema {
	var out []docSchema
	for _, name := range sortedKeys(d.Components.Schemas) {
		s := d.Components.Schemas[name]
		ds := docSchema{Name: name, Type: s.summary(), Description: s.Description}
		for _, part := range append([]oasSchema{s}, s.AllOf...) {
			for _, pn := range sortedKeys(part.Properties) {
				p := part.Properties[pn]
				ds.Properties = append(ds.Properties, docRow{Name: pn, Type: p.summary(),
					Description: p.Description, Required: slices.Contains(part.Required, pn)})
			}
		}
		out = append(out, ds)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var apiDocTemplate = template.Must(template.New("api").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} API {{.Version}}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#1b1f24}
h2{border-bottom:2px solid #d0d7de;padding-bottom:.2rem;margin-top:2.5rem}
section.op{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}
.GET{color:#0969da}.POST{color:#1a7f37}.PUT,.PATCH{color:#9a6700}.DELETE{color:#cf222e}
code,.p{font-family:ui-monospace,monospace}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border-bottom:1px solid #eaeef2;text-align:left;padding:.2rem .5rem;vertical-align:top}
th{font-weight:600;color:#57606a}.req{color:#cf222e}.pub{color:#57606a;font-size:.85rem}
pre{white-space:pre-wrap;font:inherit}
</style></head><body>
<h1>{{.Title}} API <small>{{.Version}}</small></h1>
<p>The machine-readable definition is <a href="api">OpenAPI 3.0 JSON</a>.</p>
<pre>{{.Description}}</pre>
<nav><ul>{{range .Sections}}<li><a href="#{{.Name}}">{{.Name}}</a></li>{{end}}<li><a href="#schemas">Schemas</a></li></ul></nav>
{{range .Sections}}<h2 id="{{.Name}}">{{.Name}}</h2><p>{{.Description}}</p>
{{range .Operations}}<section class="op"><h3><span class="m {{.Method}}">{{.Method}}</span> <span class="p">{{.Path}}</span> — {{.Summary}}{{if .Public}} <span class="pub">(no token needed)</span>{{end}}</h3>
{{with .Description}}<pre>{{.}}</pre>{{end}}
{{with .Params}}<table><tr><th>Parameter</th><th>Type</th><th>Description</th></tr>{{range .}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
{{with .Body}}<table><tr><th>Request body</th><th>Schema</th></tr>{{range .}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{.Type}}</td></tr>{{end}}</table>{{end}}
<table><tr><th>Status</th><th>Content</th><th>Description</th></tr>{{range .Responses}}<tr><td>{{.Name}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}</table>
</section>{{end}}{{end}}
<h2 id="schemas">Schemas</h2>
{{range .Schemas}}<section class="op" id="schema-{{.Name}}"><h3 class="p">{{.Name}}</h3><p>{{.Type}}</p>{{with .Description}}<pre>{{.}}</pre>{{end}}
{{with .Properties}}<table><tr><th>Property</th><th>Type</th><th>Description</th></tr>{{range .}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
</section>{{end}}
</body></html>
`))
