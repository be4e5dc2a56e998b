package geo

import (
	"context"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// sampleIndex holds n events spread over cells distinct cells of 5 km
// around the Panj (several events per cell when n > cells).
func sampleIndex(t *testing.T, n, cells int) *Index {
	t.Helper()
	var ix Index
	evs := make([]Event, n)
	for i := range evs {
		c := i % cells
		evs[i] = Event{ID: [16]byte{byte(i), byte(i >> 8), 1}, Lon: 68.0 + 0.1*float64(c%10), Lat: 37.0 + 0.1*float64(c/10),
			At: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Kind: KindSeizure}
	}
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	return &ix
}

// TestGiStarSmallSample: 5 events, however close together, are never
// reported significant (the unguarded engine puts dozens of cells in the
// 99 % bin); 30 events in 30 cells are.
func TestGiStarSmallSample(t *testing.T) {
	box := orb.Bound{Min: orb.Point{67.5, 36.5}, Max: orb.Point{69.5, 38.5}}
	for _, tc := range []struct {
		name     string
		n, cells int
		code     string
	}{
		{"5 events", 5, 5, "too_few_events"},
		{"29 events", 29, 29, "too_few_events"},
		{"60 events in 3 cells", 60, 3, "too_few_nonzero_cells"},
		{"30 events in 30 cells", 30, 30, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := sampleIndex(t, tc.n, tc.cells)
			res, err := HotSpots(context.Background(), ix, HotspotQuery{CellM: 5000, RadiusM: 12000, Area: Area{BBox: &box}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Events != tc.n || res.NonZeroCells != tc.cells {
				t.Fatalf("events %d cells %d, want %d %d", res.Events, res.NonZeroCells, tc.n, tc.cells)
			}
			sig := 0
			for _, c := range res.Cells {
				if c.GiBin != 0 {
					sig++
				}
			}
			if tc.code == "" {
				if res.Warning != nil || sig == 0 {
					t.Errorf("warning %+v, %d significant cells; want none and some", res.Warning, sig)
				}
				return
			}
			if res.Warning == nil || res.Warning.Code != tc.code || res.Warning.Message() == "" {
				t.Fatalf("warning %+v, want %s", res.Warning, tc.code)
			}
			if sig != 0 {
				t.Errorf("%d cells reported significant on too small a sample", sig)
			}
		})
	}
}

// TestGiStarFindsKnownColdSpot: events every 2 km over the area but none
// within 20 km of a point: the cells of that hole are cold spots (bin ≤ −2),
// and no cell far from it is. Cold spots are possible; their absence on
// the demo is a property of its data (docs/statistics.md, "Cold spots").
func TestGiStarFindsKnownColdSpot(t *testing.T) {
	hole := orb.Point{68.5, 37.5}
	var evs []Event
	for lon := 67.5; lon < 69.5; lon += 0.022 {
		for lat := 37.0; lat < 38.0; lat += 0.018 {
			p := orb.Point{lon, lat}
			if distM(p, hole) < 20000 {
				continue
			}
			evs = append(evs, Event{ID: [16]byte{byte(len(evs)), byte(len(evs) >> 8), 2}, Lon: lon, Lat: lat,
				At: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Kind: KindSeizure})
		}
	}
	var ix Index
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	box := orb.Bound{Min: orb.Point{67.5, 37.0}, Max: orb.Point{69.5, 38.0}}
	res, err := HotSpots(context.Background(), &ix, HotspotQuery{CellM: 5000, RadiusM: 12000, Area: Area{BBox: &box}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Warning != nil {
		t.Fatalf("warning %+v", res.Warning)
	}
	coldInHole, coldOutside := 0, 0
	for _, c := range res.Cells {
		d := distM(orb.Point{c.Lon, c.Lat}, hole)
		switch {
		case d < 8000 && c.GiBin > -2:
			t.Errorf("cell %v in the hole (%.0f m from its centre): bin %d, z %.2f", c.Hex, d, c.GiBin, c.GiZ)
		case d < 8000:
			coldInHole++
		case d > 40000 && c.GiBin < 0:
			coldOutside++
		}
	}
	if coldInHole == 0 || coldOutside > 0 {
		t.Errorf("%d cold cells in the hole, %d far from it", coldInHole, coldOutside)
	}
}

// distM is the great-circle distance in metres.
func distM(a, b orb.Point) float64 { return orbgeo.DistanceHaversine(a, b) }
