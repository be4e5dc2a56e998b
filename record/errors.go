package record

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// FieldError names one offending field of a record and why it is wrong.
// Field is the record's own name for it ("occurred_at", "items[0].drug");
// the HTTP layer maps it to a request parameter where the two differ.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error implements error, for a lookup that fails on one field alone (an
// unknown agency or sector id) and is returned as a *FieldError.
func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// ValidationError lists every offending field of a rejected record. Nothing
// is written when it is returned.
type ValidationError struct {
	Fields []FieldError
}

// Error implements error.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Reason
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Fields collects field errors while validating.
type Fields []FieldError

// Add records that field is wrong, with a reason formatted as by fmt.Sprintf.
func (fe *Fields) Add(field, format string, args ...any) {
	*fe = append(*fe, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Err returns a *ValidationError of the collected fields, or nil if none.
func (fe Fields) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return &ValidationError{Fields: fe}
}

// CheckText adds an error for field unless v is valid UTF-8 of at most
// maxLen characters without NUL characters.
func CheckText(fe *Fields, field, v string, maxLen int) {
	if !utf8.ValidString(v) {
		fe.Add(field, "not valid UTF-8")
	} else if utf8.RuneCountInString(v) > maxLen {
		fe.Add(field, "longer than %d characters", maxLen)
	} else if strings.ContainsRune(v, 0) {
		fe.Add(field, "contains a NUL character")
	}
}

// CheckEnum adds an error for field for each value of vals not in allowed.
func CheckEnum(fe *Fields, field string, vals, allowed []string) {
	for _, v := range vals {
		if !slices.Contains(allowed, v) {
			fe.Add(field, "unknown value %q; must be one of %s", Truncate(v, 40), strings.Join(allowed, ", "))
		}
	}
}

// ValidSlug reports whether s is an identifier such as an agency id: 2 to
// 63 characters of a-z and 0-9, with '-' or '_' after the first.
func ValidSlug(s string) bool {
	if len(s) < 2 || len(s) > 63 {
		return false
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '-' || r == '_')
		if !ok {
			return false
		}
	}
	return true
}

// Truncate shortens s to n bytes with an ellipsis, for quoting user input
// in an error message.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// FieldNames returns the offending fields of err, a *ValidationError (or
// one wrapped in it) or a single *FieldError; nil for any other error.
func FieldNames(err error) []string {
	var ve *ValidationError
	if errors.As(err, &ve) {
		out := make([]string, len(ve.Fields))
		for i, f := range ve.Fields {
			out[i] = f.Field
		}
		return out
	}
	var f *FieldError
	if errors.As(err, &f) {
		return []string{f.Field}
	}
	return nil
}
