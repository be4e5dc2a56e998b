package parse

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// RefID is a reference record's id in a request body (a team, a
// crossing): a JSON number or a string of decimal digits, so that the ids
// of /collections/{id}/items (strings, as GeoJSON allows) are taken as
// they are given there, and numbers as before.
type RefID int

// UnmarshalJSON reads the id; anything else is a *json.UnmarshalTypeError,
// which the decoders name by its field.
func (id *RefID) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*id = RefID(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil && s != "" && strings.Trim(s, "0123456789") == "" {
		if n, err := strconv.Atoi(s); err == nil {
			*id = RefID(n)
			return nil
		}
	}
	return &json.UnmarshalTypeError{Value: "an id that is neither a whole number nor a string of digits", Type: reflect.TypeOf(0)}
}
