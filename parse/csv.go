package parse

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

// CSV import columns. The header names the columns, in any order and case;
// Aliases are accepted in brackets.
//
//	kind             seizure | incident (required)
//	occurred_at      RFC 3339 date-time, "YYYY-MM-DD HH:MM[:SS]" (UTC) or YYYY-MM-DD (required)
//	lon [longitude]  WGS84 longitude (required)
//	lat [latitude]   WGS84 latitude (required)
//	agency [agency_id] reporting agency id, e.g. tj-dca (required)
//	time_precision   exact | day | month | year (default exact)
//	accuracy_m       location accuracy in metres
//	place, notes, source_ref, source_url   text
//	sharing          agency | bilateral | regional (default agency)
//	synthetic        true | false
//	joint_operation [joint_operation_id]  uuid of a stored joint operation
//	items            JSON array [{"drug","quantity","unit","qualifier","confirmed_implausible"}], or instead:
//	drug, quantity_kg [quantity], unit, qualifier, confirmed_implausible   a single item
//	                 (confirmed_implausible: true confirms a quantity above the
//	                 drug's plausible maximum, record.PlausibleMax)
//	category, severity, persons_detained   incidents
//
// The columns id, total_kg, version, created_at, updated_at and coarsened
// (as written by the export) are read-only and ignored. Any other column is
// an error, so that a misspelt header cannot silently drop data.
var csvColumns = map[string]string{
	"kind": "kind", "occurred_at": "occurred_at", "time_precision": "time_precision",
	"lon": "lon", "longitude": "lon", "lat": "lat", "latitude": "lat", "accuracy_m": "accuracy_m",
	"place": "place", "agency": "agency", "agency_id": "agency", "sharing": "sharing",
	"source_ref": "source_ref", "source_url": "source_url", "synthetic": "synthetic",
	"joint_operation": "joint_operation", "joint_operation_id": "joint_operation",
	"items": "items", "drug": "drug", "quantity_kg": "quantity", "quantity": "quantity", "unit": "unit",
	"qualifier": "qualifier", "confirmed_implausible": "confirmed_implausible", "category": "category", "severity": "severity",
	"persons_detained": "persons_detained", "notes": "notes",
	"id": "", "total_kg": "", "version": "", "created_at": "", "updated_at": "", "coarsened": "",
}

// csvRequired are the columns a CSV file must have.
var csvRequired = []string{"kind", "occurred_at", "lon", "lat", "agency"}

// Record is one record of an event file: the event, or the reasons it is
// invalid, with its position and original text.
type Record struct {
	// Row is the CSV line number of the record (the header is row 1) or
	// the 1-based number of the GeoJSON feature.
	Row   int64
	Event record.Event
	Errs  record.Fields
	// Original returns the record's text; it is valid only until the
	// next record is read.
	Original func() string
}

// csvEventReader reads events from CSV with a header row, one record at a
// time.
type csvEventReader struct {
	r    *csv.Reader
	col  map[string]int
	row  int64
	rec  []string
	ncol int
}

func newCSVEventReader(r io.Reader) (*csvEventReader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("csv: empty file (no header row)")
		}
		return nil, fmt.Errorf("csv header: %w", err)
	}
	c := &csvEventReader{r: cr, col: map[string]int{}, row: 1, ncol: len(header)}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		name, ok := csvColumns[h]
		if !ok {
			return nil, fmt.Errorf("csv header: unknown column %q (column %d)", record.Truncate(h, 40), i+1)
		}
		if name == "" {
			continue
		}
		if _, dup := c.col[name]; dup {
			return nil, fmt.Errorf("csv header: column %q given twice", h)
		}
		c.col[name] = i
	}
	for _, r := range csvRequired {
		if _, ok := c.col[r]; !ok {
			return nil, fmt.Errorf("csv header: missing column %q", r)
		}
	}
	if _, ok := c.col["items"]; ok {
		if _, ok := c.col["drug"]; ok {
			return nil, errors.New("csv header: give either an items column or drug/quantity columns, not both")
		}
	}
	return c, nil
}

// next returns the next record, or io.EOF. Malformed CSV (such as an
// unterminated quote) is an error that ends the file.
func (c *csvEventReader) next() (Record, error) {
	rec, err := c.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Record{}, fmt.Errorf("row %d: malformed CSV: %v", pe.StartLine, pe.Err)
		}
		return Record{}, err
	}
	c.row++
	line, _ := c.r.FieldPos(0)
	pe := Record{Row: int64(line)}
	c.rec = rec
	pe.Original = func() string { return csvLine(rec) }
	if len(rec) != c.ncol {
		pe.Errs.Add("row", "has %d fields, the header has %d", len(rec), c.ncol)
		return pe, nil
	}
	pe.Event = c.event(&pe.Errs)
	return pe, nil
}

func csvLine(rec []string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(rec)
	w.Flush()
	return strings.TrimRight(b.String(), "\r\n")
}

func (c *csvEventReader) get(name string) string {
	i, ok := c.col[name]
	if !ok {
		return ""
	}
	return strings.TrimSpace(c.rec[i])
}

func (c *csvEventReader) event(fe *record.Fields) record.Event {
	e := record.Event{
		Kind: c.get("kind"), TimePrecision: c.get("time_precision"), Place: c.get("place"),
		AgencyID: c.get("agency"), Sharing: c.get("sharing"), SourceRef: c.get("source_ref"),
		SourceURL: c.get("source_url"), Category: c.get("category"), Notes: c.get("notes"),
	}
	e.OccurredAt = parseTimeField(fe, "occurred_at", c.get("occurred_at"))
	lon := parseFloatField(fe, "lon", c.get("lon"), true)
	lat := parseFloatField(fe, "lat", c.get("lat"), true)
	e.Location = orb.Point{lon, lat}
	if v := c.get("accuracy_m"); v != "" {
		a := parseFloatField(fe, "accuracy_m", v, true)
		e.AccuracyM = &a
	}
	if v := c.get("synthetic"); v != "" {
		e.Synthetic = parseBoolField(fe, "synthetic", v)
	}
	if v := c.get("joint_operation"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			fe.Add("joint_operation", "not a UUID")
		} else {
			e.JointOperationID = &id
		}
	}
	if v := c.get("severity"); v != "" {
		e.Severity = parseIntField(fe, "severity", v)
	}
	if v := c.get("persons_detained"); v != "" {
		n := parseIntField(fe, "persons_detained", v)
		e.PersonsDetained = &n
	}
	if v := c.get("items"); v != "" {
		if err := json.Unmarshal([]byte(v), &e.Items); err != nil {
			fe.Add("items", "not a JSON array of {drug, quantity, unit, qualifier}")
			e.Items = nil
		}
	} else if d := c.get("drug"); d != "" {
		it := record.Item{Drug: d, Unit: c.get("unit"), Qualifier: c.get("qualifier")}
		if v := c.get("confirmed_implausible"); v != "" {
			it.ConfirmedImplausible = parseBoolField(fe, "confirmed_implausible", v)
		}
		it.Quantity = parseFloatField(fe, "quantity", c.get("quantity"), true)
		e.Items = []record.Item{it}
	} else if c.get("quantity") != "" {
		fe.Add("drug", "required when a quantity is given")
	}
	return e
}

// parseBoolField reads true/false (also yes/no, y/n, 1/0).
func parseBoolField(fe *record.Fields, field, v string) bool {
	b, err := strconv.ParseBool(strings.ToLower(v))
	if err != nil {
		switch strings.ToLower(v) {
		case "yes", "y":
			b, err = true, nil
		case "no", "n":
			b, err = false, nil
		}
	}
	if err != nil {
		fe.Add(field, "must be true or false")
	}
	return b
}

func parseFloatField(fe *record.Fields, field, v string, required bool) float64 {
	if v == "" {
		if required {
			fe.Add(field, "required")
		}
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		fe.Add(field, "not a number: %q", record.Truncate(v, 40))
		return 0
	}
	return f
}

func parseIntField(fe *record.Fields, field, v string) int {
	n, err := strconv.Atoi(v)
	if err != nil {
		fe.Add(field, "not an integer: %q", record.Truncate(v, 40))
		return 0
	}
	return n
}

// timeLayouts are the accepted forms of occurred_at; times without a zone
// are UTC.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02"}

func parseTimeField(fe *record.Fields, field, v string) time.Time {
	if v == "" {
		fe.Add(field, "required (RFC 3339 date-time)")
		return time.Time{}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC()
		}
	}
	fe.Add(field, "not a date-time: %q (use RFC 3339, e.g. 2024-05-01T22:30:00Z)", record.Truncate(v, 40))
	return time.Time{}
}
