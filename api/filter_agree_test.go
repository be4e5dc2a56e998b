package api_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// filterFixture is the analysis events of seedAnalysisEvents plus events
// that tell the evaluations apart: seizures of several items, and a
// bilateral uz-border seizure that tj-dca sees coarsened (1234 m cells,
// month).
type filterFixture struct {
	env *testEnv
	// coarse is the coarsened seizure's id; at and loc are its true time
	// and place, seenAt and seenLoc as tj-dca sees them.
	coarse          string
	at, seenAt      time.Time
	loc, seenLoc    orb.Point
	multi, litresID string // a seizure of heroin 3 kg + opium 25 kg; one in litres only
}

func newFilterFixture(t *testing.T) *filterFixture {
	t.Helper()
	e := newEnv(t)
	seedAnalysisEvents(t, e, 240)
	ctx := context.Background()
	f := &filterFixture{env: e, at: time.Date(2023, 6, 17, 15, 0, 0, 0, time.UTC), loc: orb.Point{68.9317, 37.4123}}
	create := func(ev record.Event) string {
		t.Helper()
		out, err := e.sys.CreateEvent(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return out.ID.String()
	}
	f.coarse = create(record.Event{Kind: "seizure", OccurredAt: f.at, Location: f.loc, AgencyID: "uz-border", Sharing: "bilateral",
		SourceRef: "coarse", Items: []record.Item{{Drug: "heroin", Quantity: 14, Unit: "kg"}}})
	f.multi = create(record.Event{Kind: "seizure", OccurredAt: f.at.AddDate(0, 2, 0), Location: orb.Point{69.05, 37.55}, AgencyID: "tj-dca",
		Sharing: "agency", SourceRef: "multi", Items: []record.Item{{Drug: "heroin", Quantity: 3, Unit: "kg"}, {Drug: "opium", Quantity: 25, Unit: "kg"}}})
	f.litresID = create(record.Event{Kind: "seizure", OccurredAt: f.at.AddDate(0, 3, 0), Location: orb.Point{68.95, 37.65}, AgencyID: "af-border",
		Sharing: "bilateral", SourceRef: "litres", Items: []record.Item{{Drug: "opium", Quantity: 40, Unit: "l"}}})
	for sev := 1; sev <= 5; sev++ {
		create(record.Event{Kind: "incident", OccurredAt: f.at.AddDate(0, 0, sev), Location: orb.Point{68.6 + 0.1*float64(sev), 37.1},
			AgencyID: "tj-dca", Sharing: "regional", Category: "armed_clash", Severity: sev, SourceRef: fmt.Sprintf("sev%d", sev)})
	}
	if err := e.live.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	resp, b := e.do(t, "GET", "/collections/events/items/"+f.coarse, "")
	if resp.StatusCode != 200 {
		t.Fatalf("coarsened event: %d %s", resp.StatusCode, b)
	}
	feat := decodeJSON(t, b)
	c := feat["geometry"].(map[string]any)["coordinates"].([]any)
	f.seenLoc = orb.Point{c[0].(float64), c[1].(float64)}
	props := feat["properties"].(map[string]any)
	var err error
	if f.seenAt, err = time.Parse(time.RFC3339, props["occurred_at"].(string)); err != nil {
		t.Fatal(err)
	}
	// The fixture must tell coarsened values from true ones.
	if props["coarsened"] != true || !f.seenAt.Equal(time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)) ||
		abs(f.seenLoc[0]-f.loc[0]) < 0.002 && abs(f.seenLoc[1]-f.loc[1]) < 0.002 {
		t.Fatalf("tj-dca sees the uz-border seizure at %v, %v (coarsened %v): not coarsened enough to test", f.seenAt, f.seenLoc, props["coarsened"])
	}
	return f
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// square is a WKT polygon of half-width d degrees around p.
func square(p orb.Point, d float64) string {
	return fmt.Sprintf("POLYGON((%[1]g %[2]g, %[3]g %[2]g, %[3]g %[4]g, %[1]g %[4]g, %[1]g %[2]g))", p[0]-d, p[1]-d, p[0]+d, p[1]+d)
}

// indexIDs returns the ids of the events the live index selects with the
// CQL2 filter for the context's principal, resolved as the analyses do
// (data.Live.Scope), in the lon/lat box b.
func indexIDs(t *testing.T, e *testEnv, ctx context.Context, filter, lang string, b orb.Bound) []string {
	t.Helper()
	x, err := geo.ParseWhere(filter, lang, "", geo.IndexQueryables)
	if err != nil {
		t.Fatalf("%s: %v", filter, err)
	}
	s, err := e.live.Scope(ctx, nil, geo.CommonParams{BBox: &b, Filter: geo.Filter{Where: x}})
	if err != nil {
		t.Fatal(err)
	}
	f := geo.Filter{Where: x}
	s.Restrict(&f)
	var ids []string
	if err := e.live.Index().Search(b, f, func(ev *geo.Event, _ orb.Point) bool {
		ids = append(ids, uuid.UUID(ev.ID).String())
		return true
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// TestFilterSQLAgreesWithIndex checks that a CQL2 filter selects the same
// events from the events collection (translated to SQL over the caller's
// view, every page followed) as from the live index (evaluated in memory
// over what the caller sees), and that /api/hotspots with the filter
// counts them: for a caller with a coarsening partner, whose coarsened
// events both sides must judge by their coarsened time and place.
func TestFilterSQLAgreesWithIndex(t *testing.T) {
	f := newFilterFixture(t)
	e := f.env
	ctx := data.WithPrincipal(context.Background(), data.Principal{AgencyID: "tj-dca", Role: "analyst"})
	world := orb.Bound{Min: orb.Point{60, 29}, Max: orb.Point{75, 41}}
	const hotspotBBox = "68,36.5,70,38.5"

	all, matched := collect(t, e, "/collections/events/items?limit=500")
	if len(all) != int(matched) || len(all) < 100 || !slices.Contains(all, f.coarse) {
		t.Fatalf("tj-dca sees %d events (numberMatched %v); want more than 100, the coarsened one among them", len(all), matched)
	}
	slices.Sort(all)
	if got := indexIDs(t, e, ctx, "true", "", world); !slices.Equal(got, all) {
		t.Fatalf("without a condition the index selects %d events, the collection %d", len(got), len(all))
	}

	const (
		some    = iota // neither none nor all of the events
		with           // some, the coarsened seizure among them
		without        // some, the coarsened seizure not among them
	)
	cases := []struct {
		name, filter, lang string
		want               int
	}{
		{"eq", "kind = 'seizure'", "", with},
		{"ne", "kind <> 'seizure'", "", without},
		{"severity", "severity >= 3", "", some},
		{"severity and", "severity < 3 AND kind = 'incident'", "", some},
		{"null", "severity IS NULL", "", with},
		{"not null", "category IS NOT NULL", "", without},
		{"drug", "drug = 'heroin'", "", with},
		{"item", "drug = 'heroin' AND quantity_kg > 10", "", with},
		{"item of another", "drug = 'heroin' AND quantity_kg > 20", "", without},
		{"litres", "kind = 'seizure' AND quantity_kg IS NULL", "", without},
		{"not item", "NOT (drug = 'opium' OR quantity_kg < 5)", "", with},
		{"in", "drug IN ('opium', 'hashish')", "", without},
		{"between", "quantity_kg BETWEEN 5 AND 14", "", with},
		{"agency", "agency = 'uz-border'", "", with},
		{"like", "agency LIKE '%-border' AND sharing <> 'regional'", "", with},
		{"like one", "agency LIKE 'tj-_ca'", "", without},
		{"or", "sharing = 'bilateral' OR kind = 'incident'", "", with},
		{"flipped", "10 < quantity_kg", "", with},
		{"polygon seen", "S_INTERSECTS(geometry, " + square(f.seenLoc, 0.001) + ")", "", with},
		{"polygon true", "S_INTERSECTS(geometry, " + square(f.loc, 0.001) + ") OR kind = 'incident'", "", without},
		{"polygon area", "S_INTERSECTS(geometry, POLYGON((68.7 37.2, 68.95 37.2, 68.95 37.45, 68.7 37.45, 68.7 37.2)))", "", with},
		{"polygon hole", "S_INTERSECTS(geometry, POLYGON((68.7 37.2, 68.95 37.2, 68.95 37.45, 68.7 37.45, 68.7 37.2), " +
			strings.TrimPrefix(square(f.seenLoc, 0.001), "POLYGON(") + ")", "", without},
		// A vertex on the two-item seizure's point (exact, tj-dca's own).
		{"line", "S_INTERSECTS(geometry, LINESTRING(68.5 37.1, 69.05 37.55, 69.5 37.2))", "", without},
		{"bbox", "S_INTERSECTS(geometry, BBOX(69.1, 37.6, 69.3, 37.8))", "", without},
		{"multipolygon", "S_INTERSECTS(geometry, MULTIPOLYGON(((69.1 37.6, 69.3 37.6, 69.3 37.8, 69.1 37.6)), ((68.6 37.7, 68.8 37.7, 68.8 37.9, 68.6 37.9, 68.6 37.7))))", "", without},
		{"collection", "S_INTERSECTS(geometry, GEOMETRYCOLLECTION(" + square(f.seenLoc, 0.001) + ", POINT(0 0)))", "", with},
		{"date", "T_INTERSECTS(occurred_at, DATE('2023-06-01'))", "", with},
		{"dates true", "T_INTERSECTS(occurred_at, INTERVAL('2023-06-17', '2023-06-19'))", "", without},
		{"interval", "T_INTERSECTS(occurred_at, INTERVAL('2023-03-01T00:00:00Z', '2023-06-01T00:00:00Z'))", "", with},
		{"during", "T_DURING(occurred_at, INTERVAL('2023-03-01T00:00:00Z', '2023-06-01T00:00:00Z'))", "", without},
		{"during open", "T_DURING(occurred_at, INTERVAL('2023-06-01', '..'))", "", some},
		{"timestamp", "occurred_at >= TIMESTAMP('2023-06-10T00:00:00Z') AND kind = 'seizure'", "", without},
		{"json", `{"op":"and","args":[{"op":"=","args":[{"property":"kind"},"seizure"]},{"op":">","args":[{"property":"quantity_kg"},10]}]}`, "cql2-json", with},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"filter": {tc.filter}, "limit": {"40"}}
			if tc.lang != "" {
				q.Set("filter-lang", tc.lang)
			}
			got, matched := collect(t, e, "/collections/events/items?"+q.Encode())
			slices.Sort(got)
			if len(got) != int(matched) {
				t.Errorf("numberMatched %v, %d features over the pages", matched, len(got))
			}
			mem := indexIDs(t, e, ctx, tc.filter, tc.lang, world)
			if !slices.Equal(got, mem) {
				t.Fatalf("SQL selects %d events, the index %d\nonly SQL:   %v\nonly index: %v",
					len(got), len(mem), minus(got, mem), minus(mem, got))
			}
			if len(got) == 0 || len(got) == len(all) {
				t.Fatalf("%d of %d events: the case does not discriminate", len(got), len(all))
			}
			if has := slices.Contains(got, f.coarse); tc.want == with && !has || tc.want == without && has {
				t.Errorf("coarsened seizure selected: %v (want %v)", has, tc.want == with)
			}
			var hs hotspotFC
			q = url.Values{"filter": {tc.filter}, "method": {"gistar"}, "cell_m": {"5000"}, "radius_m": {"12000"}, "bbox": {hotspotBBox}}
			if tc.lang != "" {
				q.Set("filter-lang", tc.lang)
			}
			getJSON(t, e, e.token, "/api/hotspots?"+q.Encode(), &hs)
			if hs.Events != len(got) {
				t.Errorf("hotspots count %d events, the collection %d", hs.Events, len(got))
			}
		})
	}
	// The item semantics: the two-item seizure has heroin and has more than
	// 10 kg, but no heroin item of more than 10 kg.
	if ids := indexIDs(t, e, ctx, "drug = 'heroin' AND quantity_kg > 10", "", world); slices.Contains(ids, f.multi) {
		t.Error("heroin 3 kg + opium 25 kg matches drug = 'heroin' AND quantity_kg > 10")
	}
	if ids := indexIDs(t, e, ctx, "drug = 'heroin' AND quantity_kg < 5", "", world); !slices.Contains(ids, f.multi) {
		t.Error("heroin 3 kg + opium 25 kg does not match drug = 'heroin' AND quantity_kg < 5")
	}
	if ids := indexIDs(t, e, ctx, "quantity_kg IS NULL AND kind = 'seizure'", "", world); !slices.Contains(ids, f.litresID) {
		t.Error("a seizure in litres has a quantity_kg")
	}
}

// minus returns the elements of a (sorted) not in b (sorted).
func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if _, ok := slices.BinarySearch(b, s); !ok {
			out = append(out, s)
		}
	}
	return out
}
