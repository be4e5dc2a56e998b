package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/geo"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata with what the encoders write")

// goldenRing is a small hexagon near the Panj, closed.
func goldenRing(dLon float64) orb.Ring {
	c := orb.Point{69.5 + dLon, 37.25}
	r := orb.Ring{}
	for k := 0; k < 6; k++ {
		a := math.Pi / 3 * float64(k)
		r = append(r, orb.Point{c[0] + 0.03*math.Cos(a), c[1] + 0.025*math.Sin(a)})
	}
	return append(r, r[0])
}

// goldenQuery parses query as the analysis endpoints do.
func goldenQuery[Q any](t *testing.T, parse func(url.Values) (Q, geo.CommonParams, error), query string) (Q, geo.CommonParams) {
	t.Helper()
	v, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	q, c, err := parse(v)
	if err != nil {
		t.Fatalf("parse %q: %v", query, err)
	}
	return q, c
}

func TestGoldenAnalysisEncoders(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 3, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		encode func(t *testing.T) []byte
	}{
		{"hotspots_basic", func(t *testing.T) []byte {
			q, c := goldenQuery(t, geo.ParseHotspotParams, "cell_m=5000&min_bin=0&bbox=69,37,70,37.5&drug=heroin,opium&kind=seizure&from=2024-01-01&to=2024-06-30")
			res := geo.HotspotResult{Query: q, NCells: 40, Mean: 0.375, Std: 1.2183, Total: 15, Events: 15, Version: 7,
				Cells: []geo.HotspotCell{
					{Hex: geo.Hex{Q: 3, R: -2}, XM: 5012345.5, YM: 3987654.25, Ring: goldenRing(0), Value: 9, Count: 9,
						GiZ: 3.2871, GiP: 0.001012, GiBin: 3, Neighbor: 7},
					{Hex: geo.Hex{Q: 4, R: -2}, XM: 5020845.5, YM: 3987654.25, Ring: goldenRing(0.06), Value: 6, Count: 6,
						GiZ: 2.01, GiP: 0.0444, GiBin: 1, Neighbor: 7},
					{Hex: geo.Hex{Q: -1, R: 5}, XM: 4970000, YM: 4010000, Ring: goldenRing(-0.06), Value: 0, Count: 0,
						GiZ: math.NaN(), GiP: 1, GiBin: 0, Neighbor: 4},
				}}
			return appendHotspots(nil, res, c, newRingCache(16))
		}},
		{"hotspots_kde", func(t *testing.T) []byte {
			q, c := goldenQuery(t, geo.ParseHotspotParams, "method=kde&value=kg&cell_m=2000&bandwidth_m=6000&sector=tj-af-07&agency=tj-dca")
			res := geo.HotspotResult{Query: q, NCells: 12, Mean: 0.0125, Std: 0.031, Total: 42.5, Events: 4, Version: 3,
				Cells: []geo.HotspotCell{
					{Hex: geo.Hex{Q: 0, R: 0}, XM: 5000000, YM: 4000000, Ring: goldenRing(0), Value: 40, Count: 3, Density: 0.0815},
					{Hex: geo.Hex{Q: 1, R: 0}, XM: 5003464.1016, YM: 4000000, Ring: goldenRing(0.06), Value: 2.5, Count: 1, Density: 0.0071},
				}}
			return appendHotspots(nil, res, c, newRingCache(16))
		}},
		{"clusters_basic", func(t *testing.T) []byte {
			q, c := goldenQuery(t, geo.ParseClusterParams, "eps_m=1500&min_points=3&datetime=2024-03-01/2024-03-31&category=trafficking_attempt,arrest")
			res := geo.ClusterResult{Query: q, NPoints: 11, NClustered: 8, NNoise: 3, Version: 12,
				Clusters: []geo.Cluster{
					{ID: 0, Count: 5, Core: 3, KG: map[geo.Drug]float64{geo.DrugOpium: 12.5, geo.DrugHeroin: 1.25},
						Start: day(2), End: day(20).Add(90 * time.Minute),
						Hull: orb.Ring{{69.5, 37.2}, {69.52, 37.2}, {69.51, 37.23}, {69.5, 37.2}}, Centroid: orb.Point{69.51, 37.21}},
					{ID: 1, Count: 2, Core: 2, KG: map[geo.Drug]float64{},
						Start: day(5), End: day(5),
						Hull: orb.Ring{{69.8, 37.4}, {69.801, 37.4005}}, Centroid: orb.Point{69.8005, 37.40025}},
					{ID: 2, Count: 1, Core: 1, Start: day(9), End: day(9),
						Hull: orb.Ring{{69.9, 37.45}}, Centroid: orb.Point{69.9, 37.45}},
				}}
			return appendClusters(nil, res, c)
		}},
		{"emerging_basic", func(t *testing.T) []byte {
			q, c := goldenQuery(t, geo.ParseEmergingParams, "step=month&cell_m=5000&radius_m=10000&from=2024-01-01&to=2024-03-31&all_cells=true")
			steps := []geo.Interval{{Start: day(1).AddDate(0, -2, 0), End: day(1).AddDate(0, -1, 0)},
				{Start: day(1).AddDate(0, -1, 0), End: day(1)}, {Start: day(1), End: day(1).AddDate(0, 1, 0)}}
			res := geo.EmergingResult{Query: q, Steps: steps, K: 1, NAreaCells: 30, NCells: 2, Mean: 0.4, Std: 0.9, Version: 5,
				Cells: []geo.EmergingCell{
					{Hex: geo.Hex{Q: 2, R: 1}, XM: 5010000, YM: 3990000, Ring: goldenRing(0), Values: []float64{0, 2, 5}, Total: 7,
						Z: []float64{-0.5, 1.7, 3.1}, P: []float64{0.617, 0.0891, 0.00194}, Bins: []int8{0, 0, 2},
						Trend: geo.MKResult{Z: 1.04, P: 0.296}, TrendBin: 0, Pattern: geo.NewHotSpot},
					{Hex: geo.Hex{Q: 3, R: 1}, XM: 5018660.25, YM: 3990000, Ring: goldenRing(0.06), Values: []float64{1, 0, 0}, Total: 1,
						Z: []float64{0.2, -0.4, -0.4}, P: []float64{0.84, 0.69, 0.69}, Bins: []int8{0, 0, 0},
						Trend: geo.MKResult{Z: -0.52, P: 0.6}, TrendBin: 0, Pattern: geo.NoPattern},
				}}
			return appendEmerging(nil, res, c)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.encode(t)
			path := filepath.Join("testdata", tc.name+".golden.geojson")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./api -run Golden -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from what the encoder writes (run go test ./api -run Golden -update and review the diff)\ngot:  %s\nwant: %s", path, got, want)
			}
			var fc geojson.FeatureCollection
			if err := json.Unmarshal(want, &fc); err != nil {
				t.Fatalf("%s is not a GeoJSON FeatureCollection: %v", path, err)
			}
			if fc.Type != "FeatureCollection" || len(fc.Features) == 0 {
				t.Fatalf("%s: type %q with %d features", path, fc.Type, len(fc.Features))
			}
			for i, f := range fc.Features {
				if f.Geometry == nil || f.Properties == nil {
					t.Errorf("%s: feature %d lacks a geometry or properties", path, i)
				}
			}
		})
	}
}
