package data

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/geo"
)

// sqlLiveEvents reads event rows for the index: plain columns, decoded
// from PostgreSQL's binary format by scanLiveEvent (about twice as fast as
// converting them in SQL). bw_live_events (migration 0015) shows the
// service's login every record's indexed values, whichever agency it
// belongs to; the index applies each caller's visibility itself.
const sqlLiveEvents = `SELECT id, occurred_at, ST_X(geom), ST_Y(geom), agency_id, kind, sharing, category, severity,
	  CASE WHEN kind = 'seizure' THEN items END, updated_at, version
	FROM bw_live_events`

// liveItem is an item of the items column.
type liveItem struct {
	Drug     string  `json:"drug"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
}

// scanLiveEvent decodes the current row of sqlLiveEvents into e (reusing
// e.Items) and returns the row's updated_at. Every column must come in
// binary format (pgx asks for it for these types), but the text
// columns and the items, which may come as text.
func (l *Live) scanLiveEvent(rows pgx.Rows, e *geo.Event, items *[]liveItem) (updated time.Time, err error) {
	fds := rows.FieldDescriptions()
	raw := rows.RawValues()
	if len(raw) != 12 || len(fds) != 12 {
		return time.Time{}, fmt.Errorf("live row: %d columns", len(raw))
	}
	for i, fd := range fds {
		if fd.Format != pgx.BinaryFormatCode && raw[i] != nil && (i < 4 || i == 8 || i >= 10) {
			return time.Time{}, fmt.Errorf("live row: column %s not in binary format", fd.Name)
		}
	}
	if len(raw[0]) != 16 || len(raw[1]) != 8 || len(raw[2]) != 8 || len(raw[3]) != 8 || len(raw[10]) != 8 || len(raw[11]) != 8 {
		return time.Time{}, errors.New("live row: malformed id, time, point or version")
	}
	copy(e.ID[:], raw[0])
	e.At = pgTime(raw[1])
	e.Lon = math.Float64frombits(binary.BigEndian.Uint64(raw[2]))
	e.Lat = math.Float64frombits(binary.BigEndian.Uint64(raw[3]))
	e.Version = int64(binary.BigEndian.Uint64(raw[11]))
	if e.Agency, err = l.agency(string(raw[4])); err != nil {
		return time.Time{}, err
	}
	var ok bool
	if e.Kind, ok = geo.ParseKind(string(raw[5])); !ok {
		return time.Time{}, fmt.Errorf("event %x: kind %q", e.ID, raw[5])
	}
	if e.Sharing, ok = geo.ParseSharing(string(raw[6])); !ok {
		return time.Time{}, fmt.Errorf("event %x: sharing %q", e.ID, raw[6])
	}
	e.Category = 0
	if raw[7] != nil {
		if e.Category, ok = geo.ParseCategory(string(raw[7])); !ok {
			return time.Time{}, fmt.Errorf("event %x: category %q", e.ID, raw[7])
		}
	}
	e.Severity = 0
	if len(raw[8]) == 2 {
		e.Severity = uint8(binary.BigEndian.Uint16(raw[8]))
	}
	e.Items = e.Items[:0]
	if j := raw[9]; len(j) > 1 {
		if fds[9].Format == pgx.BinaryFormatCode {
			if j[0] != 1 {
				return time.Time{}, fmt.Errorf("event %x: jsonb version %d", e.ID, j[0])
			}
			j = j[1:]
		}
		if *items, err = parseItems(j, (*items)[:0]); err != nil {
			return time.Time{}, fmt.Errorf("event %x: items: %w", e.ID, err)
		}
		for _, it := range *items {
			d, ok := geo.ParseDrug(it.Drug)
			if !ok {
				d = geo.DrugOther
			}
			// Quantities in litres count for drug filters but not for
			// masses, as total_kg does.
			var kg float32
			if it.Unit == "kg" {
				kg = float32(it.Quantity)
			}
			e.Items = append(e.Items, geo.Item{Drug: d, KG: kg})
		}
	}
	return pgTime(raw[10]), nil
}

// pgTime decodes a binary timestamptz (microseconds since 2000-01-01 UTC).
func pgTime(b []byte) time.Time {
	us := int64(binary.BigEndian.Uint64(b)) + pgEpochUnixMicros
	return time.UnixMicro(us).UTC()
}

// parseItems reads an items array. PostgreSQL prints jsonb as flat objects
// of strings and numbers, which a small scanner reads several times faster
// than encoding/json; anything else goes to encoding/json.
func parseItems(j []byte, out []liveItem) ([]liveItem, error) {
	if items, ok := scanItems(j, out); ok {
		return items, nil
	}
	out = out[:0]
	if err := json.Unmarshal(j, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// scanItems reads `[{"k": "v" or number, ...}, ...]` without escapes in
// strings; ok is false for anything else.
func scanItems(j []byte, out []liveItem) (_ []liveItem, ok bool) {
	s := itemScanner{j: j}
	s.ws()
	if !s.at('[') {
		return out, false
	}
	s.i++
	s.ws()
	if s.at(']') {
		return out, true
	}
	for {
		s.ws()
		it, ok := s.object()
		if !ok {
			return out, false
		}
		out = append(out, it)
		s.ws()
		switch {
		case s.at(','):
			s.i++
		case s.at(']'):
			return out, true
		default:
			return out, false
		}
	}
}

// itemScanner reads the text of an items array from position i.
type itemScanner struct {
	j []byte
	i int
}

// at reports whether the next byte is c.
func (s *itemScanner) at(c byte) bool { return s.i < len(s.j) && s.j[s.i] == c }

// ws skips white space.
func (s *itemScanner) ws() {
	for s.i < len(s.j) && (s.j[s.i] == ' ' || s.j[s.i] == '\n' || s.j[s.i] == '\t' || s.j[s.i] == '\r') {
		s.i++
	}
}

// str reads a string without escapes and returns its bytes.
func (s *itemScanner) str() ([]byte, bool) {
	if !s.at('"') {
		return nil, false
	}
	start := s.i + 1
	for s.i = start; s.i < len(s.j) && s.j[s.i] != '"'; s.i++ {
		if s.j[s.i] == '\\' {
			return nil, false
		}
	}
	if s.i >= len(s.j) {
		return nil, false
	}
	v := s.j[start:s.i]
	s.i++
	return v, true
}

// object reads one item, `{"key": value, ...}`.
func (s *itemScanner) object() (it liveItem, ok bool) {
	if !s.at('{') {
		return it, false
	}
	s.i++
	for {
		s.ws()
		if !s.member(&it) {
			return it, false
		}
		s.ws()
		switch {
		case s.at(','):
			s.i++
		case s.at('}'):
			s.i++
			return it, true
		default:
			return it, false
		}
	}
}

// member reads `"key": value` into it; a value is a string or a number,
// and members other than drug, unit and quantity are skipped.
func (s *itemScanner) member(it *liveItem) bool {
	key, ok := s.str()
	if !ok {
		return false
	}
	s.ws()
	if !s.at(':') {
		return false
	}
	s.i++
	s.ws()
	if s.at('"') {
		v, ok := s.str()
		if !ok {
			return false
		}
		switch string(key) {
		case "drug":
			it.Drug = string(v)
		case "unit":
			it.Unit = string(v)
		}
		return true
	}
	start := s.i
	for s.i < len(s.j) && s.j[s.i] != ',' && s.j[s.i] != '}' && s.j[s.i] != ' ' {
		s.i++
	}
	v, err := strconv.ParseFloat(string(s.j[start:s.i]), 64)
	if err != nil {
		return false
	}
	if string(key) == "quantity" {
		it.Quantity = v
	}
	return true
}
