package parse

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

// parseAll reads every record of input in the given format ("" detects).
func parseAll(input, format string) ([]Record, error) {
	p, err := NewEventReader(strings.NewReader(input), format)
	if err != nil {
		return nil, err
	}
	var out []Record
	for {
		pe, err := p.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		pe.Validate()
		_ = pe.Original()
		out = append(out, pe)
	}
}

const csvHeader = "kind,occurred_at,lon,lat,agency,drug,quantity_kg,category,severity,source_ref\n"

var csvCases = []struct {
	name      string
	input     string
	fatal     bool
	wantField string // first offending field of the first record, "" when valid
	wantRow   int64
}{
	{"seizure", csvHeader + "seizure,2024-05-01T22:30:00Z,68.6,37.2,tj-dca,heroin,12.5,,,A1\n", false, "", 2},
	{"incident", csvHeader + "incident,2024-05-01,68.6,37.2,tj-border,,,arrest,2,A2\n", false, "", 2},
	{"space date", csvHeader + "incident,2024-05-01 10:00,68.6,37.2,tj-border,,,arrest,2,\n", false, "", 2},
	{"bad lon", csvHeader + "seizure,2024-05-01T22:30:00Z,east,37.2,tj-dca,heroin,1,,,\n", false, "lon", 2},
	{"lon out of range", csvHeader + "seizure,2024-05-01T22:30:00Z,268.6,37.2,tj-dca,heroin,1,,,\n", false, "geometry", 2},
	{"unknown drug", csvHeader + "seizure,2024-05-01T22:30:00Z,68.6,37.2,tj-dca,cocoa,1,,,\n", false, "items[0].drug", 2},
	{"bad date", csvHeader + "seizure,yesterday,68.6,37.2,tj-dca,heroin,1,,,\n", false, "occurred_at", 2},
	{"incident without severity", csvHeader + "incident,2024-05-01,68.6,37.2,tj-border,,,arrest,,\n", false, "severity", 2},
	{"short row", csvHeader + "seizure,2024-05-01\n", false, "row", 2},
	{"second row", csvHeader + "incident,2024-05-01,68.6,37.2,tj-border,,,arrest,2,\nincident,2024-05-01,68.6,37.2,tj-border,,,riot,2,\n", false, "", 2},
	{"items column", "kind,occurred_at,lon,lat,agency,items\nseizure,2024-05-01,68.6,37.2,tj-dca,\"[{\"\"drug\"\":\"\"opium\"\",\"\"quantity\"\":3,\"\"unit\"\":\"\"kg\"\"}]\"\n", false, "", 2},
	{"bad items", "kind,occurred_at,lon,lat,agency,items\nseizure,2024-05-01,68.6,37.2,tj-dca,[oops\n", false, "items", 2},
	{"unknown column", "kind,occurred_at,lon,lat,agency,colour\n", true, "", 0},
	{"missing column", "kind,occurred_at,lon,agency\n", true, "", 0},
	{"empty", "", true, "", 0},
	{"bom and aliases", "\ufeffKind,Occurred_At,Longitude,Latitude,Agency_ID,drug,quantity\nseizure,2024-05-01,68.6,37.2,tj-dca,hashish,2\n", false, "", 2},
	{"unterminated quote", csvHeader + "seizure,\"2024-05-01,68.6,37.2,tj-dca,heroin,1,,,\n", true, "", 0},
}

func TestParseEventsCSV(t *testing.T) {
	for _, tc := range csvCases {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := parseAll(tc.input, FormatCSV)
			if (err != nil) != tc.fatal {
				t.Fatalf("err = %v, fatal %v", err, tc.fatal)
			}
			if tc.fatal {
				return
			}
			if len(recs) == 0 {
				t.Fatal("no records")
			}
			r := recs[0]
			if r.Row != tc.wantRow {
				t.Errorf("row %d, want %d", r.Row, tc.wantRow)
			}
			got := ""
			if len(r.Errs) > 0 {
				got = r.Errs[0].Field
			}
			if got != tc.wantField {
				t.Errorf("first error field %q (%v), want %q", got, r.Errs, tc.wantField)
			}
		})
	}
	recs, _ := parseAll(csvCases[9].input, FormatCSV)
	if len(recs) != 2 || recs[1].Row != 3 || len(recs[1].Errs) == 0 || recs[1].Errs[0].Field != "category" {
		t.Errorf("second row: %+v", recs)
	}
}

const feature = `{"type":"Feature","geometry":{"type":"Point","coordinates":[68.6,37.2]},"properties":%s}`

var geojsonCases = []struct {
	name      string
	input     string
	fatal     bool
	wantField string
	n         int
}{
	{"seizure", fc(`{"kind":"seizure","occurred_at":"2024-05-01T22:30:00Z","agency":"tj-dca","items":[{"drug":"heroin","quantity":1.5,"unit":"kg","qualifier":null}],"total_kg":1.5,"version":3}`), false, "", 1},
	{"incident", fc(`{"kind":"incident","occurred_at":"2024-05-01T22:30:00Z","agency":"tj-dca","category":"arrest","severity":2,"persons_detained":3,"items":[]}`), false, "", 1},
	{"float severity", fc(`{"kind":"incident","occurred_at":"2024-05-01T22:30:00Z","agency":"tj-dca","category":"arrest","severity":2.5}`), false, "severity", 1},
	{"string quantity", fc(`{"kind":"seizure","occurred_at":"2024-05-01T22:30:00Z","agency":"tj-dca","items":[{"drug":"heroin","quantity":"1","unit":"kg"}]}`), false, "items[0].quantity", 1},
	{"wrong type", fc(`{"kind":5,"occurred_at":"2024-05-01T22:30:00Z","agency":"tj-dca"}`), false, "kind", 1},
	{"no geometry", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"kind":"seizure"}}]}`, false, "geometry", 1},
	{"line geometry", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},"properties":{}}]}`, false, "geometry", 1},
	{"bad joint operation", fc(`{"kind":"incident","occurred_at":"2024-05-01T22:30:00Z","agency":"tj-dca","category":"arrest","severity":2,"joint_operation":"x"}`), false, "joint_operation", 1},
	{"not a collection", `{"type":"Feature"}`, true, "", 0},
	{"not json", `{"type":`, true, "", 0},
	{"features first", `{"features":[],"type":"FeatureCollection","bbox":[1,2,3,4]}`, false, "", 0},
	{"truncated", `{"type":"FeatureCollection","features":[` + fmtFeature(`{}`), true, "", 0},
}

func fmtFeature(props string) string { return strings.Replace(feature, "%s", props, 1) }

func fc(props string) string {
	return `{"type":"FeatureCollection","name":"x","features":[` + fmtFeature(props) + `]}`
}

func TestParseEventsGeoJSON(t *testing.T) {
	for _, tc := range geojsonCases {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := parseAll(tc.input, "")
			if (err != nil) != tc.fatal {
				t.Fatalf("err = %v, fatal %v", err, tc.fatal)
			}
			if tc.fatal {
				return
			}
			if len(recs) != tc.n {
				t.Fatalf("%d records, want %d", len(recs), tc.n)
			}
			if tc.n == 0 {
				return
			}
			got := ""
			if len(recs[0].Errs) > 0 {
				got = recs[0].Errs[0].Field
			}
			if got != tc.wantField {
				t.Errorf("first error field %q (%v), want %q", got, recs[0].Errs, tc.wantField)
			}
		})
	}
}

func TestDetectFormat(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  \n{\"type\":1}", FormatGeoJSON},
		{"\ufeff{}", FormatGeoJSON},
		{"kind,lon\n", FormatCSV},
		{"", FormatCSV},
	} {
		got, err := detectFormat(bufio.NewReader(strings.NewReader(tc.in)))
		if err != nil || got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParseEventsCSV(f *testing.F) {
	for _, tc := range csvCases {
		f.Add(tc.input)
	}
	f.Fuzz(func(t *testing.T, input string) {
		recs, _ := parseAll(input, FormatCSV)
		last := int64(1)
		for _, r := range recs {
			if r.Row <= last {
				t.Fatalf("row numbers not increasing: %d after %d", r.Row, last)
			}
			last = r.Row
			if len(r.Errs) == 0 {
				if err := r.Event.Validate(); err != nil {
					t.Fatalf("record without errors fails validation: %v", err)
				}
			}
		}
	})
}

func FuzzParseEventsGeoJSON(f *testing.F) {
	for _, tc := range geojsonCases {
		f.Add(tc.input)
	}
	f.Fuzz(func(t *testing.T, input string) {
		recs, _ := parseAll(input, FormatGeoJSON)
		for i, r := range recs {
			if r.Row != int64(i+1) {
				t.Fatalf("feature %d numbered %d", i+1, r.Row)
			}
			if len(r.Errs) == 0 {
				if err := r.Event.Validate(); err != nil {
					t.Fatalf("record without errors fails validation: %v", err)
				}
			}
		}
	})
}
