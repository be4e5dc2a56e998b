package data_test

import (
	"context"
	"errors"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/data/seed"
	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/parse"
	"github.com/borderwatch/borderwatch/record"
)

func TestParsePeriod(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	for _, tc := range []struct {
		name     string
		from, to string
		optional bool
		want     data.Period
		bad      string
	}{
		{name: "year", from: "2008", to: "2008", want: data.Period{Start: d("2008-01-01T00:00:00Z"), End: d("2009-01-01T00:00:00Z")}},
		{name: "months", from: "2008-02", to: "2008-03", want: data.Period{Start: d("2008-02-01T00:00:00Z"), End: d("2008-04-01T00:00:00Z")}},
		{name: "days", from: "2008-02-28", to: "2008-02-29", want: data.Period{Start: d("2008-02-28T00:00:00Z"), End: d("2008-03-01T00:00:00Z")}},
		{name: "date-times", from: "2008-01-01T06:00:00+05:00", to: "2008-01-02T00:00:00Z",
			want: data.Period{Start: d("2008-01-01T01:00:00Z"), End: d("2008-01-02T00:00:00Z")}},
		{name: "reversed", from: "2009", to: "2008", bad: "to"},
		{name: "same instant", from: "2008-01-01T00:00:00Z", to: "2008-01-01T00:00:00Z", bad: "to"},
		{name: "missing from", to: "2008", bad: "from"},
		{name: "missing both", bad: "from"},
		{name: "optional empty", optional: true},
		{name: "optional half", from: "2008", optional: true, bad: "to"},
		{name: "garbage", from: "last year", to: "2008", bad: "from"},
		{name: "bad month", from: "2008-13", to: "2009", bad: "from"},
		{name: "out of range", from: "1800", to: "2008", bad: "from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := data.ParsePeriod("from", tc.from, "to", tc.to, tc.optional)
			if tc.bad != "" {
				if names := record.FieldNames(err); !slices.Contains(names, tc.bad) {
					t.Fatalf("error names %v, want %q", names, tc.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !p.Start.Equal(tc.want.Start) || !p.End.Equal(tc.want.End) {
				t.Errorf("got %v, want %v", p, tc.want)
			}
		})
	}
}

func TestPeriodPreceding(t *testing.T) {
	p, _ := data.ParsePeriod("from", "2008", "to", "2008", false)
	got := p.Preceding()
	if got.Start.Format("2006-01-02") != "2007-01-01" || got.End.Format("2006-01-02") != "2008-01-01" {
		t.Errorf("preceding of 2008 = %v", got)
	}
	p, _ = data.ParsePeriod("from", "2008-03-10", "to", "2008-03-19", false)
	got = p.Preceding()
	if got.Start.Format("2006-01-02") != "2008-02-29" || !got.End.Equal(p.Start) {
		t.Errorf("preceding of 10 days = %v", got)
	}
	if n := len(p.Months()); n != 1 {
		t.Errorf("months of 10 March days = %d", n)
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range [][2]string{{"2008", "2008"}, {"2008-02", "2008-03"}, {"2008-02-28", "2008-02-29"}, {"2009", "2008"}, {"", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, from, to string) {
		p, err := data.ParsePeriod("from", from, "to", to, true)
		if err != nil {
			var ve *record.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error is not a record.ValidationError: %v", err)
			}
			return
		}
		if !p.IsZero() && !p.End.After(p.Start) {
			t.Fatalf("accepted an empty period %v", p)
		}
	})
}

// seededSectors returns a store with the reference data, a synthetic
// history and the default sectors, shared by the tests on real borders.
func seededSectors(t *testing.T, events int) (*data.Store, *pgxpool.Pool) {
	t.Helper()
	pool := datatest.Pool(t)
	s := data.NewFromPool(pool)
	ctx := context.Background()
	if _, err := seed.Reference(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	if events > 0 {
		if _, err := seed.Demo(ctx, s, seed.DemoOptions{Events: events, Seed: 7}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.GenerateSectors(ctx, data.DefaultSectorKM, data.DefaultDepthKM); err != nil {
		t.Fatal(err)
	}
	return s, pool
}

func TestGenerateSectorsOnRealBorders(t *testing.T) {
	s, pool := seededSectors(t, 0)
	ctx := context.Background()
	secs, err := s.ListSectors(ctx, data.SectorQuery{})
	if err != nil {
		t.Fatal(err)
	}
	idRe := regexp.MustCompile(`^([A-Z]{3}-[A-Z]{3})-025-20-([0-9]{3})-([A-Z]{3})$`)
	perBorder := map[string]int{}
	sides := map[string][]string{}
	for _, sec := range secs {
		m := idRe.FindStringSubmatch(sec.ID)
		if m == nil || m[1] != sec.BorderID || m[3] != sec.Side || sec.SectionID != sec.ID[:len(sec.ID)-4] {
			t.Fatalf("sector id %q does not match its attributes %+v", sec.ID, sec)
		}
		if !strings.Contains(sec.BorderID, sec.Side) {
			t.Errorf("%s: side %s is not a country of the pair", sec.ID, sec.Side)
		}
		perBorder[sec.BorderID]++
		sides[sec.SectionID] = append(sides[sec.SectionID], sec.Side)
		if sec.BorderKM <= 0 || sec.BorderKM > 1.5*25*1.01 {
			t.Errorf("%s: border_km %.2f outside (0, 37.9]", sec.ID, sec.BorderKM)
		}
	}
	for _, b := range []string{"AFG-TJK", "AFG-TKM", "AFG-UZB", "KGZ-TJK", "KGZ-UZB", "TJK-UZB"} {
		if perBorder[b] < 10 {
			t.Errorf("border %s has only %d sectors", b, perBorder[b])
		}
	}
	for sec, ss := range sides {
		if len(ss) > 2 {
			t.Errorf("section %s has %d sectors", sec, len(ss))
		}
	}
	// The AFG–TJK line (about 1,360 km) gives about 54 sections.
	if n := countPrefix(sides, "AFG-TJK-"); n < 50 || n > 58 {
		t.Errorf("AFG-TJK has %d sections", n)
	}
	for _, tc := range []struct {
		name string
		sql  string
	}{
		{"owner is the side's border guard", `SELECT count(*) FROM sectors s WHERE s.agency_id IS DISTINCT FROM
			(SELECT min(id) FROM agencies a WHERE a.country = s.side AND a.kind = 'border_guard')`},
		{"every sector lies on its side", `SELECT count(*) FROM sectors s JOIN countries c ON c.iso3 = s.side
			WHERE ST_Area(ST_Difference(s.geom, c.geom)::geography) > 1e5`},
		// Depths are measured in the LAEA plane, whose scale differs from
		// the ellipsoid's by under 0.5 % in the region.
		{"within depth of the section", `SELECT count(*) FROM sectors s
			WHERE (SELECT max(ST_Distance(d.geom::geography, s.line::geography)) FROM ST_DumpPoints(s.geom) d) > 20000 * 1.005`},
		{"sectors of one side do not overlap", `SELECT count(*) FROM sectors a JOIN sectors b
			ON a.border_id = b.border_id AND a.side = b.side AND a.id < b.id AND a.geom && b.geom
			WHERE ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 1e4`},
		{"sectors cover the corridor of their border", `SELECT count(*) FROM (
			SELECT b.id, c.iso3, ST_Area(ST_Intersection(c.geom, ST_Buffer(b.geom::geography, 15000)::geometry)::geography) AS want,
			  (SELECT ST_Area(ST_Intersection(ST_Union(s.geom), ST_Buffer(b.geom::geography, 15000)::geometry)::geography)
			   FROM sectors s WHERE s.border_id = b.id AND s.side = c.iso3) AS got
			FROM borders b JOIN countries c ON c.iso3 IN (b.country_a, b.country_b)) x
			WHERE got < 0.97 * want`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n := countRows(t, pool, tc.sql); n != 0 {
				t.Errorf("%d sectors violate it", n)
			}
		})
	}
	// Same parameters, same ids.
	before := map[string]bool{}
	for _, sec := range secs {
		before[sec.ID] = true
	}
	if _, err := s.GenerateSectors(ctx, data.DefaultSectorKM, data.DefaultDepthKM); err != nil {
		t.Fatal(err)
	}
	again, err := s.ListSectors(ctx, data.SectorQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(secs) {
		t.Fatalf("regeneration gave %d sectors, first run %d", len(again), len(secs))
	}
	for _, sec := range again {
		if !before[sec.ID] {
			t.Errorf("regeneration made a new id %s", sec.ID)
		}
	}
	if err := data.ValidateSectorParams(0, 20); err == nil || !slices.Contains(record.FieldNames(err), "sector_km") {
		t.Errorf("sector_km 0 accepted: %v", err)
	}
	if _, err := s.GenerateSectors(ctx, 25, 500); err == nil || !slices.Contains(record.FieldNames(err), "depth_km") {
		t.Errorf("depth_km 500 accepted: %v", err)
	}
	// The sectors collection serves them.
	c, ok := data.CollectionByID("sectors")
	if !ok {
		t.Fatal("no sectors collection")
	}
	page, err := s.ListFeatures(ctx, c, data.FeatureQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if int(page.NumberMatched) != len(secs) || len(page.Features) != 10 || page.Features[0].Properties["border"] == nil {
		t.Errorf("collection page: matched %d of %d, %d features", page.NumberMatched, len(secs), len(page.Features))
	}
}

func countPrefix(m map[string][]string, prefix string) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

func TestSectorRiskAcceptance(t *testing.T) {
	s, pool := seededSectors(t, seed.DefaultDemoEvents)
	ctx := context.Background()
	p, err := data.ParsePeriod("from", "2023", "to", "2024", false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.SectorRisk(ctx, data.RiskQuery{Period: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Sectors) != res.SetSectors || res.SetSectors == 0 {
		t.Fatalf("%d of %d sectors", len(res.Sectors), res.SetSectors)
	}
	if !res.Query.Compare.End.Equal(p.Start) || res.Query.Compare.Start.Year() != 2021 {
		t.Errorf("default comparison period %v", res.Query.Compare)
	}

	t.Run("counts and kg equal a plain spatial join", func(t *testing.T) {
		type agg struct {
			seizures, incidents, severity int
			kg                            map[string]float64
		}
		want := map[string]*agg{}
		rows, err := pool.Query(ctx, `SELECT s.id, e.kind, e.severity, e.items FROM sectors s
			JOIN events e ON ST_Intersects(e.geom, s.geom)
			WHERE e.occurred_at >= '2023-01-01' AND e.occurred_at < '2025-01-01'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var (
				id, kind string
				sev      *int
				items    []record.Item
			)
			if err := rows.Scan(&id, &kind, &sev, &items); err != nil {
				t.Fatal(err)
			}
			a := want[id]
			if a == nil {
				a = &agg{kg: map[string]float64{}}
				want[id] = a
			}
			if kind == record.KindSeizure {
				a.seizures++
				for _, it := range items {
					if it.Unit == "kg" {
						a.kg[it.Drug] += it.Quantity
					}
				}
			} else {
				a.incidents++
				a.severity += *sev
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, r := range res.Sectors {
			w := want[r.Sector.ID]
			if w == nil {
				w = &agg{kg: map[string]float64{}}
			}
			total += r.Events()
			if r.Seizures != w.seizures || r.Incidents != w.incidents || r.SeverityWeighted != w.severity {
				t.Errorf("%s: %d/%d/%d, join says %d/%d/%d", r.Sector.ID, r.Seizures, r.Incidents, r.SeverityWeighted,
					w.seizures, w.incidents, w.severity)
			}
			for _, d := range record.Drugs() {
				if math.Abs(r.KG[d]-w.kg[d]) > 1e-6 {
					t.Errorf("%s: %s %.3f kg, join says %.3f", r.Sector.ID, d, r.KG[d], w.kg[d])
				}
			}
		}
		if total < 1000 {
			t.Errorf("only %d events in the sectors in 2023–2024", total)
		}
	})

	t.Run("ranks and filters", func(t *testing.T) {
		// Sectors with events by descending score, then those without.
		prev, prevActive := math.Inf(1), true
		for i, r := range res.Sectors {
			active := r.Events() > 0
			if active && !prevActive || active == prevActive && r.Score > prev {
				t.Fatalf("sector %d out of order", i)
			}
			prev, prevActive = r.Score, active
			if r.Score < 0 || r.Score > 100 {
				t.Errorf("%s: score %v", r.Sector.ID, r.Score)
			}
		}
		if res.Sectors[0].Rank != 1 || res.Sectors[0].RankPair != 1 || res.Sectors[0].RankAgency != 1 {
			t.Errorf("top sector ranks %d/%d/%d", res.Sectors[0].Rank, res.Sectors[0].RankPair, res.Sectors[0].RankAgency)
		}
		pair, err := s.SectorRisk(ctx, data.RiskQuery{Period: p, Pair: "TJK-AFG"})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]data.SectorRisk{}
		for _, r := range res.Sectors {
			byID[r.Sector.ID] = r
		}
		ranks := []int{}
		for _, r := range pair.Sectors {
			if r.Sector.BorderID != "AFG-TJK" {
				t.Fatalf("pair filter let %s through", r.Sector.ID)
			}
			if full := byID[r.Sector.ID]; full.Score != r.Score || full.Rank != r.RankSet {
				t.Errorf("%s: filtering changed score or rank in the set", r.Sector.ID)
			}
			if r.Rank != r.RankPair {
				t.Errorf("%s: rank %d among the kept sectors of one pair, rank in the pair %d", r.Sector.ID, r.Rank, r.RankPair)
			}
			ranks = append(ranks, r.RankPair)
		}
		sort.Ints(ranks)
		if len(ranks) == 0 || ranks[0] != 1 {
			t.Errorf("pair ranks %v", ranks)
		}
		ag, err := s.SectorRisk(ctx, data.RiskQuery{Period: p, Agency: "tj-border"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ag.Sectors {
			if r.Sector.Side != "TJK" {
				t.Fatalf("agency filter let %s through", r.Sector.ID)
			}
		}
		if len(ag.Sectors) == 0 || ag.Sectors[0].RankAgency != 1 || ag.Sectors[0].Rank != 1 {
			t.Errorf("agency ranks wrong")
		}
	})

	t.Run("a sector without events never ranks above one with events", func(t *testing.T) {
		for _, set := range [][]data.SectorRisk{res.Sectors} {
			worstActive, bestIdle, idleAboveZero := 0, math.MaxInt, 0
			for _, r := range set {
				if r.Events() > 0 {
					worstActive = max(worstActive, r.Rank)
				} else {
					bestIdle = min(bestIdle, r.Rank)
					if r.Score > 0 {
						idleAboveZero++
					}
				}
			}
			t.Logf("worst rank with events %d, best rank without %d; %d sectors without events score above 0", worstActive, bestIdle, idleAboveZero)
			if bestIdle <= worstActive {
				t.Errorf("a sector without events ranks %d, a sector with events %d", bestIdle, worstActive)
			}
		}
	})

	t.Run("the demo shows clearly different risk along the Tajik-Afghan border", func(t *testing.T) {
		var scores []float64
		var events []int
		for _, r := range res.Sectors {
			if r.Sector.BorderID == "AFG-TJK" {
				scores = append(scores, r.Score)
				events = append(events, r.Events())
			}
		}
		sort.Float64s(scores)
		sort.Ints(events)
		n := len(scores)
		median, top := scores[n/2], scores[n-1]
		t.Logf("AFG-TJK: %d sectors, score median %.1f, top %.1f; events median %d, top %d", n, median, top, events[n/2], events[n-1])
		if top < 3*median || top < 30 {
			t.Errorf("scores too flat: median %.1f, top %.1f", median, top)
		}
		if events[n-1] < 5*max(events[n/2], 1) {
			t.Errorf("events too flat: median %d, top %d", events[n/2], events[n-1])
		}
		hot := 0
		for _, r := range res.Sectors {
			if r.Sector.BorderID == "AFG-TJK" && r.HotCells > 0 {
				hot++
			}
		}
		if hot == 0 || hot == n {
			t.Errorf("%d of %d AFG-TJK sectors have hot-spot cells; want some, not all", hot, n)
		}
	})

	t.Run("empty period", func(t *testing.T) {
		empty, err := data.ParsePeriod("from", "1950", "to", "1950", false)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.SectorRisk(ctx, data.RiskQuery{Period: empty})
		if err != nil {
			t.Fatal(err)
		}
		for _, sr := range r.Sectors {
			if sr.Events() != 0 || sr.Score != 0 || sr.Rank != 1 || sr.HotCells != 0 || sr.Change.P != 1 {
				t.Fatalf("%s in an empty period: %+v", sr.Sector.ID, sr)
			}
		}
	})

	t.Run("bad queries name their parameter", func(t *testing.T) {
		rev := data.Period{Start: p.End, End: p.Start}
		for _, tc := range []struct {
			name  string
			q     data.RiskQuery
			field string
		}{
			{"reversed period", data.RiskQuery{Period: rev}, "to"},
			{"reversed comparison", data.RiskQuery{Period: p, Compare: rev}, "compare_to"},
			{"no period", data.RiskQuery{}, "from"},
			{"unknown pair", data.RiskQuery{Period: p, Pair: "AFG-KAZ"}, "pair"},
			{"malformed pair", data.RiskQuery{Period: p, Pair: "Tajikistan"}, "pair"},
			{"unknown agency", data.RiskQuery{Period: p, Agency: "xx-nobody"}, "agency"},
			{"unknown section", data.RiskQuery{Period: p, Section: "AFG-TJK-025-20-999"}, "section"},
			{"radius below cell", data.RiskQuery{Period: p, CellM: 5000, RadiusM: 1000}, "radius_m"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.SectorRisk(ctx, tc.q)
				if names := record.FieldNames(err); !slices.Contains(names, tc.field) {
					t.Errorf("error names %v, want %q", names, tc.field)
				}
			})
		}
	})
}

func TestImportSectorsAndRisk(t *testing.T) {
	pool := datatest.Pool(t)
	s := data.NewFromPool(pool)
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO agencies (id, name, country, kind) VALUES ('tj-border', 'TJ border (test)', 'TJK', 'border_guard'),
			('af-border', 'AF border (test)', 'AFG', 'border_guard')`,
		`INSERT INTO countries (iso3, name, source, license, geom) VALUES
			('TJK', 'Tajikistan', 'test', 'test', ST_Multi(ST_MakeEnvelope(60, 36.6, 75, 41, 4326))),
			('AFG', 'Afghanistan', 'test', 'test', ST_Multi(ST_MakeEnvelope(60, 29, 75, 36.6, 4326)))`,
		`INSERT INTO borders (id, country_a, country_b, length_km, source, license, geom) VALUES
			('AFG-TJK', 'AFG', 'TJK', 89, 'test', 'test', ST_Multi(ST_MakeLine(ST_MakePoint(68, 36.6), ST_MakePoint(69, 36.6)))::geometry(MultiLineString, 4326))`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	doc := `{"type":"FeatureCollection","features":[
	 {"type":"Feature","id":"north","properties":{"border":"AFG-TJK","side":"TJK","agency":"tj-border"},
	  "geometry":{"type":"Polygon","coordinates":[[[68,36.6],[69,36.6],[69,36.8],[68,36.8],[68,36.6]]]}},
	 {"type":"Feature","id":"south","properties":{"border":"AFG-TJK","side":"AFG","agency":"af-border","section":"s1"},
	  "geometry":{"type":"Polygon","coordinates":[[[68,36.4],[69,36.4],[69,36.6],[68,36.6],[68,36.4]]]}},
	 {"type":"Feature","id":"empty","properties":{},
	  "geometry":{"type":"Polygon","coordinates":[[[72,38],[73,38],[73,39],[72,39],[72,38]]]}}]}`
	secs, err := parse.SectorsGeoJSON(strings.NewReader(doc), "offices")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.ImportSectors(ctx, secs)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sectors != 3 {
		t.Fatalf("summary %+v", sum)
	}
	got, err := s.ListSectors(ctx, data.SectorQuery{Set: "offices"})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]record.Sector{}
	for _, g := range got {
		byID[g.ID] = g
	}
	// The border line 68–69°E along 36.6°N is about 89.5 km long.
	if n := byID["north"].BorderKM; n < 88 || n > 91 {
		t.Errorf("north border_km %.2f", n)
	}
	if byID["empty"].BorderKM != 0 {
		t.Errorf("a sector far from the border watches %.2f km", byID["empty"].BorderKM)
	}
	// A bowtie is refused with the feature named; nothing is written.
	bad := `{"type":"FeatureCollection","features":[
	 {"type":"Feature","id":"north","properties":{},"geometry":{"type":"Polygon","coordinates":[[[68,36.6],[69,36.6],[69,36.8],[68,36.8],[68,36.6]]]}},
	 {"type":"Feature","id":"bow","properties":{"agency":"nobody"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}`
	secs, err = parse.SectorsGeoJSON(strings.NewReader(bad), "offices")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.ImportSectors(ctx, secs)
	names := record.FieldNames(err)
	if !slices.Contains(names, "features[1].geometry") || !slices.Contains(names, "features[1].properties.agency") {
		t.Errorf("error names %v", names)
	}
	if n := countRows(t, pool, `SELECT count(*) FROM sectors WHERE id = 'north' AND side = 'TJK'`); n != 1 {
		t.Errorf("a refused import changed sector north")
	}

	// Two seizures and an incident north, one seizure south, in 2024; one
	// seizure north in 2023.
	mk := func(kind string, lon, lat float64, at string, agency string, items []record.Item, sev int) {
		t.Helper()
		ts, _ := time.Parse(time.RFC3339, at)
		e := record.Event{Kind: kind, OccurredAt: ts, Location: orb.Point{lon, lat}, AgencyID: agency, Sharing: "regional", Items: items}
		if kind == record.KindIncident {
			e.Category, e.Severity = "armed_clash", sev
		}
		if _, err := s.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	heroin := func(kg float64) []record.Item { return []record.Item{{Drug: "heroin", Quantity: kg, Unit: "kg"}} }
	mk(record.KindSeizure, 68.5, 36.7, "2024-03-01T00:00:00Z", "tj-border", heroin(10), 0)
	mk(record.KindSeizure, 68.6, 36.7, "2024-09-01T00:00:00Z", "tj-border",
		[]record.Item{{Drug: "opium", Quantity: 5, Unit: "kg"}, {Drug: "precursors", Quantity: 20, Unit: "l"}}, 0)
	mk(record.KindIncident, 68.7, 36.7, "2024-10-01T00:00:00Z", "tj-border", nil, 4)
	mk(record.KindSeizure, 68.5, 36.5, "2024-05-01T00:00:00Z", "af-border", heroin(1), 0)
	mk(record.KindSeizure, 68.5, 36.7, "2023-05-01T00:00:00Z", "tj-border", heroin(3), 0)
	p, _ := data.ParsePeriod("from", "2024", "to", "2024", false)
	res, err := s.SectorRisk(ctx, data.RiskQuery{Set: "offices", Period: p})
	if err != nil {
		t.Fatal(err)
	}
	r := map[string]data.SectorRisk{}
	for _, x := range res.Sectors {
		r[x.Sector.ID] = x
	}
	n := r["north"]
	if n.Seizures != 2 || n.Incidents != 1 || n.SeverityWeighted != 4 || n.KG["heroin"] != 10 || n.KG["opium"] != 5 ||
		n.TotalKG != 15 || n.Litres["precursors"] != 20 || n.Change.Before != 1 || n.Change.Now != 3 {
		t.Errorf("north: %+v", n)
	}
	// Score by hand: maxima seizures 2, kg 15, incidents 4 (north), and
	// north has the highest trend and hot-spot components or ties them.
	if n.Rank != 1 || r["south"].Rank != 2 || r["empty"].Rank != 3 {
		t.Errorf("ranks north %d south %d empty %d", n.Rank, r["south"].Rank, r["empty"].Rank)
	}
	// Filtered to the Afghan agency, south is first among what is kept and
	// still second in the set.
	af, err := s.SectorRisk(ctx, data.RiskQuery{Set: "offices", Period: p, Agency: "af-border"})
	if err != nil {
		t.Fatal(err)
	}
	if len(af.Sectors) != 1 || af.Sectors[0].Rank != 1 || af.Sectors[0].RankSet != 2 {
		t.Errorf("af-border only: %d sectors, first ranks %d in the filter and %d in the set", len(af.Sectors), af.Sectors[0].Rank, af.Sectors[0].RankSet)
	}
	w := geo.DefaultRiskWeights()
	south := r["south"]
	wantSouth := 100 * (w.Seizures*1/2 + w.KG*1/15 + w.Trend*math.Max(0, south.Trend.Tau)/math.Max(res.Maxima.Trend, 1e-300)*b2f(res.Maxima.Trend > 0) +
		w.Hotspots*south.Components.Hotspots/math.Max(res.Maxima.Hotspots, 1e-300)*b2f(res.Maxima.Hotspots > 0)) /
		(w.Seizures + w.KG + w.Incidents + w.Hotspots + w.Trend)
	if math.Abs(south.Score-wantSouth) > 1e-6 {
		t.Errorf("south score %.6f, want %.6f", south.Score, wantSouth)
	}
	if r["empty"].Score != 0 || r["empty"].Events() != 0 || !math.IsNaN(r["empty"].EventsPer100KM) {
		t.Errorf("empty sector: %+v", r["empty"])
	}
	if got := n.EventsPer100KM; math.Abs(got-3/n.Sector.BorderKM*100) > 1e-9 {
		t.Errorf("events per 100 km %.3f", got)
	}
	// Monthly rates: 12 months, March 1 seizure over 31 days.
	if len(n.Monthly) != 12 || math.Abs(n.Monthly[2]-1.0/31) > 1e-12 {
		t.Errorf("monthly %v", n.Monthly)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
