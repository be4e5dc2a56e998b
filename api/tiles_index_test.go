package api_test

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/borderwatch/borderwatch/api"
	"github.com/borderwatch/borderwatch/data"
)

// tileFeature is one decoded feature of a clustered events tile, in tile
// units.
type tileFeature struct {
	x, y            float64
	count, seizures float64
	kg              float64
}

func decodeClusters(t *testing.T, raw []byte) []tileFeature {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	layers, err := mvt.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	var out []tileFeature
	for _, l := range layers {
		for _, f := range l.Features {
			p := f.Geometry.(orb.Point)
			kg, _ := f.Properties["total_kg"].(float64)
			s, _ := f.Properties["seizures"].(float64)
			out = append(out, tileFeature{x: p[0], y: p[1], count: f.Properties["count"].(float64), seizures: s, kg: kg})
		}
	}
	return out
}

// TestEventTileFromIndexEqualsSQL checks that the clustered events tiles
// computed from the live index carry the same clusters as the SQL of the
// events view: per tile the same features, each with the same count and
// seizures, total_kg within 0.1 kg and a position within a tile unit (the
// means are summed in another order), for viewers that see everything
// exactly, that see a partner's events coarsened, and that see only part,
// with and without filters. A hidden event never contributes, since the
// SQL reads the caller's view under row-level security.
func TestEventTileFromIndexEqualsSQL(t *testing.T) {
	f := newFilterFixture(t)
	e := f.env
	var points []orb.Point
	rows, err := e.pool.Query(context.Background(), `SELECT ST_X(geom), ST_Y(geom) FROM event_records ORDER BY id LIMIT 40`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p orb.Point
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			t.Fatal(err)
		}
		points = append(points, p)
	}
	rows.Close()
	points = append(points, f.seenLoc, f.loc)
	filters := []string{"", "kind=seizure", "datetime=2023-01-01T00:00:00Z/2023-12-31T00:00:00Z",
		"filter=" + url.QueryEscape("drug = 'heroin' AND quantity_kg > 10"), "agency=uz-border,tj-dca"}
	totals := map[string]float64{}
	for _, viewer := range []string{"tj-dca", "af-border", "uz-border", "kg-border"} {
		ctx := data.WithPrincipal(context.Background(), data.Principal{AgencyID: viewer, Role: "analyst"})
		vis, err := e.live.Visibility(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, fq := range filters {
			v, _ := url.ParseQuery(fq)
			eq, err := api.ParseEventFilterForTest(v)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[maptile.Tile]bool{}
			for _, z := range []maptile.Zoom{2, 5, 7, 9, 11} {
				for _, p := range points {
					tl := maptile.At(p, z)
					if seen[tl] {
						continue
					}
					seen[tl] = true
					sqlTile, err := e.store.EventTile(ctx, tl, eq)
					if err != nil {
						t.Fatal(err)
					}
					ixTile, err := e.live.EventTile(ctx, vis, tl, eq)
					if err != nil {
						t.Fatal(err)
					}
					name := fmt.Sprintf("%s %q tile %d/%d/%d", viewer, fq, tl.Z, tl.Y, tl.X)
					n := sameClusters(t, name, decodeClusters(t, sqlTile), decodeClusters(t, ixTile))
					if z == 2 {
						totals[viewer+fq] += n
					}
				}
			}
		}
	}
	// The viewers see different events: the comparison covered hidden ones.
	if totals["tj-dca"] == totals["kg-border"] || totals["kg-border"] == 0 || totals["tj-dca"+filters[1]] == 0 {
		t.Fatalf("events per viewer at zoom 2: %v", totals)
	}
}

// sameClusters fails unless want and got hold the same clusters, and
// returns their summed count.
func sameClusters(t *testing.T, name string, want, got []tileFeature) float64 {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%s: %d clusters from SQL, %d from the index", name, len(want), len(got))
	}
	used := make([]bool, len(got))
	n := 0.0
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && g.count == w.count && g.seizures == w.seizures && math.Abs(g.kg-w.kg) <= 0.11 &&
				math.Abs(g.x-w.x) <= 1 && math.Abs(g.y-w.y) <= 1 {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Fatalf("%s: the SQL's cluster %+v is not among the index's %+v", name, w, got)
		}
		n += w.count
	}
	return n
}
