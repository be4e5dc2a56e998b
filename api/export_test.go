package api

import (
	"net/url"

	"github.com/borderwatch/borderwatch/data"
)

// ParseEventFilterForTest reads the events' filter parameters as the
// items and the tiles do.
func ParseEventFilterForTest(q url.Values) (data.EventQuery, error) {
	var eq data.EventQuery
	err := parseEventFilter(q, &eq)
	return eq, err
}
