package parse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

// geojsonEventReader reads the features of a GeoJSON FeatureCollection one
// at a time. Feature properties are named like the API's event properties:
// kind, occurred_at, time_precision, accuracy_m, place, agency, sharing,
// source_ref, source_url, synthetic, joint_operation, items [{drug,
// quantity, unit, qualifier}], category, severity, persons_detained and
// notes. The read-only properties total_kg, version, created_at, updated_at
// and coarsened, the feature id and any other property are ignored.
type geojsonEventReader struct {
	dec *json.Decoder
	n   int64
	raw json.RawMessage
	// inFeatures is true between the features array's brackets.
	inFeatures bool
	seen       bool
	done       bool
}

func newGeoJSONEventReader(r io.Reader) (*geojsonEventReader, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("geojson: %w", noEOF(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("geojson: not a JSON object")
	}
	return &geojsonEventReader{dec: dec}, nil
}

// next returns the next feature, or io.EOF after the last one. A syntax
// error in the JSON ends the file with an error naming the feature.
func (g *geojsonEventReader) next() (Record, error) {
	for !g.inFeatures {
		if g.done || !g.dec.More() {
			if !g.done {
				if _, err := g.dec.Token(); err != nil { // closing '}'
					return Record{}, fmt.Errorf("geojson: %w", noEOF(err))
				}
				g.done = true
			}
			if g.n == 0 && !g.sawFeatures() {
				return Record{}, errors.New(`geojson: no "features" array (want a FeatureCollection)`)
			}
			return Record{}, io.EOF
		}
		tok, err := g.dec.Token()
		if err != nil {
			return Record{}, fmt.Errorf("geojson: %w", noEOF(err))
		}
		key, _ := tok.(string)
		switch key {
		case "features":
			tok, err := g.dec.Token()
			if err != nil {
				return Record{}, fmt.Errorf("geojson: features: %w", noEOF(err))
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return Record{}, errors.New("geojson: features is not an array")
			}
			g.inFeatures = true
			g.seen = true
		case "type":
			var t string
			if err := g.dec.Decode(&t); err != nil || t != "FeatureCollection" {
				return Record{}, fmt.Errorf("geojson: type is %q, want FeatureCollection", record.Truncate(t, 40))
			}
		default:
			var skip json.RawMessage
			if err := g.dec.Decode(&skip); err != nil {
				return Record{}, fmt.Errorf("geojson: %s: %w", record.Truncate(key, 40), noEOF(err))
			}
		}
	}
	if !g.dec.More() {
		if _, err := g.dec.Token(); err != nil { // closing ']'
			return Record{}, fmt.Errorf("geojson: %w", noEOF(err))
		}
		g.inFeatures = false
		return g.next()
	}
	g.n++
	g.raw = g.raw[:0]
	if err := g.dec.Decode(&g.raw); err != nil {
		return Record{}, fmt.Errorf("feature %d: malformed JSON: %w", g.n, noEOF(err))
	}
	raw := g.raw
	pe := Record{Row: g.n, Original: func() string {
		var b bytes.Buffer
		if json.Compact(&b, raw) != nil {
			return string(raw)
		}
		return b.String()
	}}
	pe.Event = decodeEventFeature(raw, &pe.Errs)
	return pe, nil
}

func (g *geojsonEventReader) sawFeatures() bool { return g.seen }

// noEOF turns the end of the input inside the document into
// io.ErrUnexpectedEOF, so that it is not mistaken for the end of the
// records.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// eventFeature is the shape of one event feature.
type eventFeature struct {
	Type     string `json:"type"`
	Geometry *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
	Properties *eventProperties `json:"properties"`
}

type eventProperties struct {
	Kind           string          `json:"kind"`
	OccurredAt     string          `json:"occurred_at"`
	TimePrecision  string          `json:"time_precision"`
	AccuracyM      json.RawMessage `json:"accuracy_m"`
	Place          string          `json:"place"`
	Agency         string          `json:"agency"`
	Sharing        string          `json:"sharing"`
	SourceRef      string          `json:"source_ref"`
	SourceURL      string          `json:"source_url"`
	Synthetic      *bool           `json:"synthetic"`
	JointOperation *string         `json:"joint_operation"`
	Items          []struct {
		Drug      string          `json:"drug"`
		Quantity  json.RawMessage `json:"quantity"`
		Unit      string          `json:"unit"`
		Qualifier string          `json:"qualifier"`
		// ConfirmedImplausible confirms a quantity above the drug's
		// plausible maximum (record.Item).
		ConfirmedImplausible bool `json:"confirmed_implausible"`
	} `json:"items"`
	Category        string          `json:"category"`
	Severity        json.RawMessage `json:"severity"`
	PersonsDetained json.RawMessage `json:"persons_detained"`
	Notes           string          `json:"notes"`
}

// decodeEventFeature turns one GeoJSON feature into an event, recording
// every problem in fe.
func decodeEventFeature(raw []byte, fe *record.Fields) record.Event {
	var f eventFeature
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := strings.TrimPrefix(te.Field, "properties.")
			fe.Add(field, "must be a %s, not a %s", te.Type.String(), te.Value)
		} else {
			fe.Add("feature", "%v", err)
		}
		return record.Event{}
	}
	if f.Type != "Feature" {
		fe.Add("type", "must be Feature")
	}
	var e record.Event
	if f.Geometry == nil || f.Geometry.Type != "Point" {
		fe.Add("geometry", "must be a GeoJSON Point")
	} else {
		var c []float64
		if err := json.Unmarshal(f.Geometry.Coordinates, &c); err != nil || len(c) < 2 || len(c) > 3 {
			fe.Add("geometry", "coordinates must be [lon, lat]")
		} else {
			e.Location = orb.Point{c[0], c[1]}
		}
	}
	p := f.Properties
	if p == nil {
		fe.Add("properties", "required")
		return e
	}
	e.Kind, e.TimePrecision, e.Place, e.AgencyID = p.Kind, p.TimePrecision, p.Place, p.Agency
	e.Sharing, e.SourceRef, e.SourceURL, e.Category, e.Notes = p.Sharing, p.SourceRef, p.SourceURL, p.Category, p.Notes
	e.OccurredAt = parseTimeField(fe, "occurred_at", p.OccurredAt)
	if present(p.AccuracyM) {
		a := rawNumberField(fe, "accuracy_m", p.AccuracyM)
		e.AccuracyM = &a
	}
	if p.Synthetic != nil {
		e.Synthetic = *p.Synthetic
	}
	if p.JointOperation != nil && *p.JointOperation != "" {
		id, err := uuid.Parse(*p.JointOperation)
		if err != nil {
			fe.Add("joint_operation", "not a UUID")
		} else {
			e.JointOperationID = &id
		}
	}
	if present(p.Severity) {
		e.Severity = intField(fe, "severity", p.Severity)
	}
	if present(p.PersonsDetained) {
		n := intField(fe, "persons_detained", p.PersonsDetained)
		e.PersonsDetained = &n
	}
	for i, it := range p.Items {
		q := rawNumberField(fe, fmt.Sprintf("items[%d].quantity", i), it.Quantity)
		e.Items = append(e.Items, record.Item{Drug: it.Drug, Quantity: q, Unit: it.Unit, Qualifier: it.Qualifier,
			ConfirmedImplausible: it.ConfirmedImplausible})
	}
	return e
}

func numberField(fe *record.Fields, field string, n json.Number) float64 {
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) {
		fe.Add(field, "not a number")
		return 0
	}
	return f
}

// rawNumberField parses a JSON number, refusing strings and null.
func rawNumberField(fe *record.Fields, field string, raw json.RawMessage) float64 {
	if len(raw) == 0 || raw[0] == '"' || string(raw) == "null" {
		fe.Add(field, "must be a number")
		return 0
	}
	return numberField(fe, field, json.Number(raw))
}

// present reports whether a property is given and not null.
func present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

func intField(fe *record.Fields, field string, raw json.RawMessage) int {
	if raw[0] == '"' {
		fe.Add(field, "must be an integer")
		return 0
	}
	f, err := json.Number(raw).Float64()
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
		fe.Add(field, "must be an integer")
		return 0
	}
	return int(f)
}
