package geo

import (
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// cpuTime is the process's user and system CPU time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTileCells bins a zoom-6 and a zoom-9 tile of 1M synthetic
// events, and, as the baseline, only counts the same tile's events through
// the R-tree (Search, as before the pass over the slots). It reports the
// CPU time per operation too (cpu-ms/op), which a machine shared with
// other work inflates less than the wall time.
func BenchmarkTileCells(b *testing.B) {
	var ix Index
	if err := ix.Load(syntheticEvents(1_000_000, 1)); err != nil {
		b.Fatal(err)
	}
	for _, z := range []maptile.Zoom{6, 9} {
		tile := maptile.At(orb.Point{69.4, 37.1}, z)
		b.Run("cells/z"+string(rune('0'+z)), func(b *testing.B) {
			b.ReportAllocs()
			c0 := cpuTime(b)
			for b.Loop() {
				if _, _, err := ix.TileCells(tile, 64, Filter{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime(b)-c0)/1e6/float64(b.N), "cpu-ms/op")
		})
		b.Run("tree-count/z"+string(rune('0'+z)), func(b *testing.B) {
			c0 := cpuTime(b)
			for b.Loop() {
				n := 0
				if err := ix.Search(tile.Bound(), Filter{}, func(*Event, orb.Point) bool { n++; return true }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime(b)-c0)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}
