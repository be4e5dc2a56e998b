package api

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"sort"

	"github.com/goccy/go-yaml"
)

// mediaOpenAPI is the media type of the API definition (OGC API – Features
// Part 1, 7.2.4).
const mediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"

// openapiFS holds the API definition: openapi/openapi.yaml is its head and
// shared components, every other openapi/*.yaml file the paths (and
// components) of one resource.
//
//go:embed openapi/*.yaml
var openapiFS embed.FS

// openapiHead is the file that holds everything but the resources' paths.
const openapiHead = "openapi/openapi.yaml"

// apiDefinition merges the files of openapiFS into one OpenAPI document
// and returns it as JSON. A resource file may hold only paths and
// components; a path or component that two files define is an error, so
// that no file silently overrides another's.
func apiDefinition() ([]byte, error) {
	doc, err := readYAMLObject(openapiHead)
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(openapiFS, "openapi/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	paths := objectMember(doc, "paths")
	components := objectMember(doc, "components")
	for _, name := range names {
		if name == openapiHead {
			continue
		}
		part, err := readYAMLObject(name)
		if err != nil {
			return nil, err
		}
		for k := range part {
			if k != "paths" && k != "components" {
				return nil, fmt.Errorf("%s: only paths and components may be in a resource file, not %q", name, k)
			}
		}
		if err := mergeInto(paths, objectMember(part, "paths"), name, "paths"); err != nil {
			return nil, err
		}
		for section, v := range objectMember(part, "components") {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: components.%s is not an object", name, section)
			}
			if err := mergeInto(objectMember(components, section), m, name, "components."+section); err != nil {
				return nil, err
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode API definition: %w", err)
	}
	return buf.Bytes(), nil
}

// readYAMLObject reads one file of openapiFS as a JSON object.
func readYAMLObject(name string) (map[string]any, error) {
	b, err := openapiFS.ReadFile(name)
	if err != nil {
		return nil, err
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path.Base(name), err)
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, fmt.Errorf("%s: not a YAML mapping: %w", path.Base(name), err)
	}
	return m, nil
}

// objectMember returns the object m[key], adding an empty one if m has
// none (a member that is not an object is replaced: the validators report
// such a document anyway).
func objectMember(m map[string]any, key string) map[string]any {
	v, ok := m[key].(map[string]any)
	if !ok {
		v = map[string]any{}
		m[key] = v
	}
	return v
}

// mergeInto adds the members of src to dst, refusing one dst has.
func mergeInto(dst, src map[string]any, file, where string) error {
	for k, v := range src {
		if _, dup := dst[k]; dup {
			return fmt.Errorf("%s: %s %q is defined in another file too", file, where, k)
		}
		dst[k] = v
	}
	return nil
}

// handleAPIDefinition serves the OpenAPI document, the landing page's
// service-desc. A document that does not load (which the tests rule out)
// is a 500 for every request, logged.
func handleAPIDefinition(logger *slog.Logger) http.Handler {
	doc, err := apiDefinition()
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		if err != nil {
			return fmt.Errorf("load API definition: %w", err)
		}
		w.Header().Set("Content-Type", mediaOpenAPI)
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(doc)
		return nil
	})
}

// handleAPIDoc serves the API definition rendered as an HTML page, the
// landing page's service-doc. It needs nothing from outside the binary.
func handleAPIDoc(logger *slog.Logger) http.Handler {
	page, err := renderAPIDoc()
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		if err != nil {
			return fmt.Errorf("render API documentation: %w", err)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		_, _ = w.Write(page)
		return nil
	})
}
