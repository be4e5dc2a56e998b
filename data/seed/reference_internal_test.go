package seed

import (
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/data/ref"
	"github.com/borderwatch/borderwatch/record"
)

func TestMapAgencyCoversReportedSeizures(t *testing.T) {
	rows, err := readRefCSV(ref.ReportedSeizures)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, a := range refAgencies {
		known[a.ID] = true
	}
	for i, r := range rows {
		id, ok := mapAgency(r["agency"])
		if !ok || !known[id] {
			t.Errorf("row %d: agency %q maps to %q", i+2, r["agency"], id)
		}
	}
	for _, tc := range []struct{ cell, want string }{
		{"Tajik Drug Control Agency (DCA); Tajik border guards", "tj-dca"},
		{"Tajik border guards; Tajik Interior Ministry (drug police)", "tj-border"},
		{"Uzbek customs and border officers (UNODC-supported BLO)", "uz-customs"},
		{"Russian border guards in Tajikistan (FPS/FSB)", "ru-fps"},
		{"Kyrgyz SCNS (GKNB)", "kg-gknb"},
	} {
		if got, _ := mapAgency(tc.cell); got != tc.want {
			t.Errorf("mapAgency(%q) = %q, want %q", tc.cell, got, tc.want)
		}
	}
}

func TestParseReportedSeizures(t *testing.T) {
	f, err := ref.FS.Open(ref.ReportedSeizures)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	events, skipped, err := parseReportedSeizures(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 64 || skipped != 1 {
		t.Fatalf("%d events, %d skipped; want 64, 1", len(events), skipped)
	}
	byRef := map[string]record.Event{}
	for _, e := range events {
		if e.Synthetic || e.Sharing != "regional" || e.SourceURL == "" {
			t.Errorf("%s: synthetic %v sharing %s url %q", e.SourceRef, e.Synthetic, e.Sharing, e.SourceURL)
		}
		byRef[e.SourceRef] = e
	}
	s1 := byRef["S001"]
	if s1.OccurredAt.Format("2006-01-02") != "2002-03-09" || s1.TimePrecision != "day" || len(s1.Items) != 1 ||
		s1.Items[0].Drug != "heroin" || s1.Items[0].Quantity != 47.37 || s1.AgencyID != "ru-fps" {
		t.Errorf("S001 = %+v", s1)
	}
	s37 := byRef["S037"]
	if len(s37.Items) != 3 || s37.Items[2].Drug != "other" || !strings.Contains(s37.Notes, "hashish oil") {
		t.Errorf("S037 items %+v notes %q", s37.Items, s37.Notes)
	}
	if _, ok := byRef["S063"]; ok {
		t.Error("unmapped S063 was kept")
	}
}

func TestParseReportedDate(t *testing.T) {
	for _, tc := range []struct {
		name, date, prec, want, wantPrec string
		err                              bool
	}{
		{"day", "2008-02-01", "day", "2008-02-01", "day", false},
		{"report day", "2019-11-30", "report_day", "2019-11-30", "day", false},
		{"month", "2011-06", "month", "2011-06-01", "month", false},
		{"year", "2004", "year", "2004-01-01", "year", false},
		{"mismatch", "2004", "day", "", "", true},
		{"garbage", "20x4-01-01", "day", "", "", true},
		{"unknown precision", "2004-01-01", "week", "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, p, err := parseReportedDate(tc.date, tc.prec)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (at.Format("2006-01-02") != tc.want || p != tc.wantPrec) {
				t.Errorf("got %s %s", at, p)
			}
		})
	}
}

func TestBuildBordersFillsGap(t *testing.T) {
	rows, err := buildBorders()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 {
		t.Fatalf("%d borders", len(rows))
	}
	for _, r := range rows {
		if r.CountryA >= r.CountryB || r.ID != r.CountryA+"-"+r.CountryB {
			t.Errorf("bad id %s (%s, %s)", r.ID, r.CountryA, r.CountryB)
		}
		if r.ID == "AFG-TKM" && (len(r.Geom) != 3 || !strings.Contains(r.Source, "gap")) {
			t.Errorf("AFG-TKM has %d parts, source %q", len(r.Geom), r.Source)
		}
		if !strings.Contains(r.License, "OpenStreetMap") {
			t.Errorf("%s: licence %q lacks attribution", r.ID, r.License)
		}
	}
}
