package data_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/record"
)

// TestLoadArea: the covered area is the study countries widened by the
// margin: Termiz, the Kyrgyz Alay and a point just across the Afghan–Iranian
// border are in it, Moscow, central Iran (Yazd) and Mashhad are not.
func TestLoadArea(t *testing.T) {
	s, _ := importStore(t)
	a, ok, err := s.LoadArea(context.Background(), data.DefaultAreaCountries, data.DefaultAreaMarginKM)
	if err != nil || !ok {
		t.Fatalf("LoadArea: %v %v", ok, err)
	}
	for _, tc := range []struct {
		name string
		p    orb.Point
		want bool
	}{
		{"Termiz", orb.Point{67.28, 37.22}, true},
		{"Alay valley", orb.Point{73.3225, 39.38433}, true},
		{"Islam Qala, 10 km into Iran", orb.Point{60.95, 34.66}, true},
		{"Moscow", orb.Point{37.62, 55.75}, false},
		{"Yazd, central Iran", orb.Point{54.37, 31.9}, false},
		{"Mashhad", orb.Point{59.6, 36.3}, false},
		{"Almaty", orb.Point{76.9, 43.24}, false},
	} {
		if got := a.Contains(tc.p); got != tc.want {
			t.Errorf("%s: contains %v, want %v", tc.name, got, tc.want)
		}
	}
	if s.Area().Name != a.Name || !strings.Contains(a.Name, "25 km") {
		t.Errorf("store area %q, loaded %q", s.Area().Name, a.Name)
	}
	if _, _, err := s.LoadArea(context.Background(), []string{"TJK", "XXX"}, 10); err == nil {
		t.Error("an unknown country was accepted")
	}
}

// TestLoadAreaWithoutReference: with no countries loaded, the store keeps
// the study area's bounding box.
func TestLoadAreaWithoutReference(t *testing.T) {
	s := data.NewFromPool(datatest.Pool(t))
	a, ok, err := s.LoadArea(context.Background(), data.DefaultAreaCountries, data.DefaultAreaMarginKM)
	if err != nil || ok {
		t.Fatalf("LoadArea: %v %v", ok, err)
	}
	if a.Bound != record.ServiceArea || len(a.Shape) != 0 {
		t.Errorf("area %+v, want the default box", a.Bound)
	}
}

// TestCreateEventAdmits: a single write and an import refuse a date in the
// future and a point outside the area, naming the field; the import is
// refused as a whole, at the offending row.
func TestCreateEventAdmits(t *testing.T) {
	s, pool := importStore(t)
	ctx := context.Background()
	if _, _, err := s.LoadArea(ctx, data.DefaultAreaCountries, data.DefaultAreaMarginKM); err != nil {
		t.Fatal(err)
	}
	future := time.Now().AddDate(0, 0, 2).UTC().Format(time.RFC3339)
	base := record.Event{Kind: record.KindSeizure, OccurredAt: time.Now().Add(-time.Hour), Location: orb.Point{67.28, 37.22},
		AgencyID: "uz-border", Items: []record.Item{{Drug: "heroin", Quantity: 3}}}
	for _, tc := range []struct {
		name  string
		edit  func(e *record.Event)
		row   string
		field string
	}{
		{"future", func(e *record.Event) { e.OccurredAt = time.Now().AddDate(6, 0, 0) },
			"seizure," + future + ",68.6,37.2,tj-dca,heroin,1,,,R9,x\n", "occurred_at"},
		{"central Iran", func(e *record.Event) { e.Location = orb.Point{54.37, 31.9} },
			"seizure,2024-05-05,54.37,31.9,tj-dca,heroin,1,,,R9,x\n", "geometry"},
		{"Moscow", func(e *record.Event) { e.Location = orb.Point{37.62, 55.75} },
			"seizure,2024-05-05,37.62,55.75,tj-dca,heroin,1,,,R9,x\n", "geometry"},
		{"0 kg", func(e *record.Event) { e.Items[0].Quantity = 0 },
			"seizure,2024-05-05,68.6,37.2,tj-dca,heroin,0,,,R9,x\n", "items[0].quantity"},
		{"9999999 kg heroin", func(e *record.Event) { e.Items[0].Quantity = 9999999 },
			"seizure,2024-05-05,68.6,37.2,tj-dca,heroin,9999999,,,R9,x\n", "items[0].quantity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := base
			e.Items = []record.Item{base.Items[0]}
			tc.edit(&e)
			_, err := s.CreateEvent(ctx, e)
			if got := record.FieldNames(err); len(got) != 1 || got[0] != tc.field {
				t.Errorf("CreateEvent: fields %v (%v), want %s", got, err, tc.field)
			}
			_, err = s.ImportEvents(ctx, strings.NewReader(importGood+tc.row), data.ImportOptions{})
			var re *data.RowError
			if !errors.As(err, &re) || re.Row != 6 || re.Fields[0].Field != tc.field {
				t.Errorf("import: %v, want row 6 %s", err, tc.field)
			}
			if n := countImported(t, pool); n != 0 {
				t.Errorf("%d events written by a refused import", n)
			}
		})
	}
	// A future date and an implausible quantity are named together, as
	// the entry form shows each reason next to its field.
	both := base
	both.OccurredAt = time.Now().AddDate(6, 0, 0)
	both.Items = []record.Item{{Drug: "heroin", Quantity: 9999999}}
	if _, err := s.CreateEvent(ctx, both); !slices.Equal(record.FieldNames(err), []string{"items[0].quantity", "occurred_at"}) {
		t.Errorf("future date and implausible quantity: fields %v (%v)", record.FieldNames(err), err)
	}
	// A confirmed exceptional quantity is kept, and marked.
	e := base
	e.Items = []record.Item{{Drug: "heroin", Quantity: 9999999, ConfirmedImplausible: true}}
	got, err := s.CreateEvent(ctx, e)
	if err != nil || !got.Items[0].ConfirmedImplausible {
		t.Fatalf("confirmed: %v %+v", err, got.Items)
	}
	sum, err := s.ImportEvents(ctx, strings.NewReader(importHeader[:len(importHeader)-1]+",confirmed_implausible\n"+
		"seizure,2024-05-05,68.6,37.2,tj-dca,opium,45000,,,R9,x,true\n"), data.ImportOptions{})
	if err != nil || sum.Inserted != 1 {
		t.Fatalf("import confirmed: %v %+v", err, sum)
	}
	var flag bool
	if err := pool.QueryRow(ctx, `SELECT (items -> 0 ->> 'confirmed_implausible')::boolean FROM event_records WHERE source_ref = 'R9'`).Scan(&flag); err != nil || !flag {
		t.Errorf("stored confirmation %v %v", flag, err)
	}
}
