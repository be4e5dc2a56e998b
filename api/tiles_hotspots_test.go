package api_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// TestHotspotTileHoldsTheAnalysisCells checks that the hotspot cells'
// tiles carry the cells /api/hotspots answers with the same parameters:
// every cell of a tile is one of the analysis' cells with its count and
// bin, and every analysis cell whose centre lies in the tile is in it,
// for two viewers who see different events.
func TestHotspotTileHoldsTheAnalysisCells(t *testing.T) {
	e := newEnv(t)
	seedAnalysisEvents(t, e, 240)
	const params = "method=gistar&cell_m=5000&radius_m=12000&bbox=67.5,36.5,70.5,38.5"
	for _, viewer := range []string{"tj-dca", "kg-border"} {
		tok := e.tokenFor(t, viewer, "analyst")
		var fc struct {
			Features []struct {
				Properties struct {
					Q, R   int
					Count  int     `json:"count"`
					GiBin  int     `json:"gi_bin"`
					XM, YM float64 `json:"-"`
				} `json:"properties"`
				Geometry struct {
					Coordinates [][][2]float64 `json:"coordinates"`
				} `json:"geometry"`
			} `json:"features"`
		}
		getJSON(t, e, tok, "/api/hotspots?"+params, &fc)
		type cell struct{ count, bin int }
		want := map[[2]int]cell{}
		centre := map[[2]int]orb.Point{}
		for _, f := range fc.Features {
			k := [2]int{f.Properties.Q, f.Properties.R}
			want[k] = cell{f.Properties.Count, f.Properties.GiBin}
			var c orb.Point
			ring := f.Geometry.Coordinates[0]
			for _, p := range ring[:len(ring)-1] {
				c[0] += p[0] / float64(len(ring)-1)
				c[1] += p[1] / float64(len(ring)-1)
			}
			centre[k] = c
		}
		if len(want) == 0 {
			t.Fatalf("%s: no cells", viewer)
		}
		total := 0
		for _, tl := range []maptile.Tile{maptile.At(orb.Point{68.9, 37.4}, 7), maptile.At(orb.Point{68.9, 37.4}, 9)} {
			layers, _ := getTile(t, e, tok, tilePath("hotspots", tl)+"?"+params)
			got := map[[2]int]bool{}
			for _, l := range layers {
				if l.Name != "hotspots" {
					t.Fatalf("layer %q", l.Name)
				}
				for _, f := range l.Features {
					k := [2]int{int(f.Properties["q"].(float64)), int(f.Properties["r"].(float64))}
					w, ok := want[k]
					if !ok || float64(w.count) != f.Properties["count"] || float64(w.bin) != f.Properties["gi_bin"] {
						t.Fatalf("%s tile %v: cell %v %v, the analysis has %+v (%v)", viewer, tl, k, f.Properties, w, ok)
					}
					if _, ok := f.Geometry.(orb.Polygon); !ok {
						t.Fatalf("cell %v is a %T", k, f.Geometry)
					}
					got[k] = true
				}
			}
			b := tl.Bound()
			for k, c := range centre {
				if b.Contains(c) && !got[k] {
					t.Errorf("%s tile %v lacks cell %v centred at %v", viewer, tl, k, c)
				}
			}
			total += len(got)
		}
		if total == 0 {
			t.Fatalf("%s: the tiles hold no cell", viewer)
		}
		t.Log(fmt.Sprintf("%s: %d cells in the analysis, %d in the tiles", viewer, len(want), total))
	}
}

// TestHotspotsSkipGeometry checks that skipGeometry=true answers the same
// cells with the same values as the full answer, each with a null
// geometry, and that another value is refused naming the parameter.
func TestHotspotsSkipGeometry(t *testing.T) {
	e := newEnv(t)
	seedAnalysisEvents(t, e, 240)
	const params = "method=gistar&cell_m=5000&radius_m=12000&bbox=67.5,36.5,70.5,38.5"
	type answer struct {
		NCells   int `json:"n_cells"`
		Features []struct {
			ID         string          `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		} `json:"features"`
	}
	var full, bare answer
	getJSON(t, e, e.token, "/api/hotspots?"+params, &full)
	getJSON(t, e, e.token, "/api/hotspots?"+params+"&skipGeometry=true", &bare)
	if len(full.Features) == 0 || len(bare.Features) != len(full.Features) || bare.NCells != full.NCells {
		t.Fatalf("%d cells without geometry, %d with (n_cells %d, %d)", len(bare.Features), len(full.Features), bare.NCells, full.NCells)
	}
	for i, f := range bare.Features {
		if string(f.Geometry) != "null" || f.ID != full.Features[i].ID || !reflect.DeepEqual(f.Properties, full.Features[i].Properties) {
			t.Fatalf("cell %d: %s %s %v, full %s %v", i, f.ID, f.Geometry, f.Properties, full.Features[i].ID, full.Features[i].Properties)
		}
		if string(full.Features[i].Geometry) == "null" {
			t.Fatalf("cell %s of the full answer has no geometry", f.ID)
		}
	}
	resp, b := e.do(t, "GET", "/api/hotspots?"+params+"&skipGeometry=yes", "")
	if got := problemParams(t, resp, b); resp.StatusCode != 400 || len(got) != 1 || got[0] != "skipGeometry" {
		t.Errorf("skipGeometry=yes: %d %v", resp.StatusCode, got)
	}
}
