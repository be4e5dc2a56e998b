package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxJSONDepth bounds the nesting of request bodies.
const maxJSONDepth = 32

// encode writes v as JSON with the given status and content type. It
// fails only when v cannot be encoded, before anything is written; a client
// that went away meanwhile is not an error of the handler.
func encode[T any](w http.ResponseWriter, status int, contentType string, v T) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// decode reads a JSON body of at most maxBytes into a T, rejecting unknown
// fields, trailing data and nesting deeper than maxJSONDepth. Errors are
// *badRequest values that name the offending field.
func decode[T any](w http.ResponseWriter, r *http.Request, maxBytes int64) (T, error) {
	var v T
	body, err := readBody(w, r, maxBytes)
	if err != nil {
		return v, err
	}
	if err := decodeBytes(body, &v); err != nil {
		return v, err
	}
	return v, nil
}

// readBody reads the whole request body, at most maxBytes.
func readBody(w http.ResponseWriter, r *http.Request, maxBytes int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &badRequest{status: http.StatusRequestEntityTooLarge, title: "Request body too large",
				params: []invalidParam{{Name: "body", Reason: fmt.Sprintf("larger than %d bytes", maxBytes)}}}
		}
		return nil, newBadRequest("body", "could not be read")
	}
	if len(body) == 0 {
		return nil, newBadRequest("body", "empty; a JSON document is required")
	}
	if d := jsonDepth(body); d > maxJSONDepth {
		return nil, newBadRequest("body", fmt.Sprintf("JSON nested deeper than %d levels", maxJSONDepth))
	}
	return body, nil
}

// decodeBytes decodes strictly into v (see decode).
func decodeBytes(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return newBadRequest("body", "unexpected data after the JSON document")
	}
	return nil
}

// jsonError turns a json decoding error into a badRequest naming the field.
func jsonError(err error) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &se):
		return newBadRequest("body", fmt.Sprintf("malformed JSON at byte %d", se.Offset))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return newBadRequest(field, "wrong type: expected "+jsonType(te.Type.Kind().String())+", got "+te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return newBadRequest("body", "truncated JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return newBadRequest(name, "unknown field")
	}
	return newBadRequest("body", "invalid JSON")
}

func jsonType(kind string) string {
	switch kind {
	case "float64", "float32", "int", "int64", "int32", "int16", "uint8":
		return "number"
	case "ptr":
		return "a different type"
	}
	return kind
}

// jsonDepth returns the maximum nesting depth of a JSON text without
// decoding it, so that hostile bodies cannot exhaust the stack.
func jsonDepth(b []byte) int {
	depth, maxDepth := 0, 0
	inString, escaped := false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > maxDepth {
				maxDepth = depth
			}
		case '}', ']':
			depth--
		}
	}
	return maxDepth
}

// refIDs is a list of reference records' ids in a request body (teams,
// crossings): each is a JSON number or a string of decimal digits, so that
// the ids of /collections/{id}/items (strings, as GeoJSON allows) are taken
// as they are given there, and numbers as before.
type refIDs []int

// UnmarshalJSON reads the list; any other element is a
// *json.UnmarshalTypeError, which decode names by its field.
func (ids *refIDs) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(refIDs, 0, len(raw))
	for _, r := range raw {
		var n int
		if err := json.Unmarshal(r, &n); err == nil {
			out = append(out, n)
			continue
		}
		var s string
		if err := json.Unmarshal(r, &s); err == nil && s != "" && strings.Trim(s, "0123456789") == "" {
			if n, err := strconv.Atoi(s); err == nil {
				out = append(out, n)
				continue
			}
		}
		return &json.UnmarshalTypeError{Value: "an id that is neither a whole number nor a string of digits", Type: reflect.TypeOf(0)}
	}
	*ids = out
	return nil
}

// appendJSONString appends s as encoding/json writes a string: quoted,
// with ", \ and control characters escaped and <, > and & as \u003c,
// \u003e and \u0026. Text beyond ASCII goes through encoding/json itself
// (invalid UTF-8, U+2028 and U+2029 have rules of their own).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
