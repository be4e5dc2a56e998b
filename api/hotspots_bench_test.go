package api

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
)

// BenchmarkAppendHotspots encodes a Gi* answer of significant cells, as
// the computed path of GET /api/hotspots does after geo.HotSpots: 200,000
// events over a 4° × 3° box in a few clusters, cell_m 5000, radius_m 12000.
func BenchmarkAppendHotspots(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	evs := make([]geo.Event, 200_000)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range evs {
		lon, lat := 66+4*rng.Float64(), 36+3*rng.Float64()
		if i%4 == 0 {
			c := []orb.Point{{67, 37}, {68.5, 37.8}, {69.2, 36.4}}[i%3]
			lon, lat = c[0]+rng.NormFloat64()*0.1, c[1]+rng.NormFloat64()*0.1
		}
		evs[i] = geo.Event{ID: [16]byte{byte(i), byte(i >> 8), byte(i >> 16)}, Lon: lon, Lat: lat,
			At: t0.Add(time.Duration(i) * time.Minute), Kind: geo.KindIncident, Sharing: geo.SharingRegional}
	}
	var ix geo.Index
	if err := ix.Load(evs); err != nil {
		b.Fatal(err)
	}
	box := orb.Bound{Min: orb.Point{66, 36}, Max: orb.Point{70, 39}}
	q := geo.HotspotQuery{Method: geo.MethodGiStar, CellM: 5000, RadiusM: 12000, Area: geo.Area{BBox: &box}, MinBin: 1}
	res, err := geo.HotSpots(context.Background(), &ix, q)
	if err != nil {
		b.Fatal(err)
	}
	c := geo.CommonParams{BBox: &box}
	rings := newRingCache(1 << 20)
	body := appendHotspots(nil, res, c, rings)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		appendHotspots(make([]byte, 0, 512+len(res.Cells)*400), res, c, rings)
	}
	b.ReportMetric(float64(len(res.Cells)), "cells")
	b.ReportMetric(float64(len(body)), "bytes")
}
