package geo

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"strconv"
	"sync"
)

// fitCacheSize is the number of seppp fits an Index keeps.
const fitCacheSize = 32

// Fit cache. Fitting seppp is by far the dearest step of a forecast, and
// the same fit serves every forecast from the same origin of the same
// viewer, filter and area, whatever its period: a sector's forecast, a
// plan on the forecast, another until. The index keeps the recent fits
// keyed by (area grid, filter and visibility, origin, a fingerprint of the
// history the fit was made from). The fingerprint rather than the index
// version: writes after the origin, or of records the viewer does not
// see, leave the history and so the fit exactly as they were, and equal
// histories give equal forecasts. A fit of the same area and filter at
// another origin or on another history is where a new fit starts (a
// warm start), which takes a few EM steps instead of dozens; it agrees
// with a cold fit within the EM's tolerance.

// fitKey identifies what a fit was made from, but for the origin and
// version.
type fitKey struct {
	ag     *areaGrid
	filter string
}

type fitEntry struct {
	key  fitKey
	asOf int64
	hist uint64
	fit  *SEPPFit
	used uint64
}

// fitCache keeps recent seppp fits; it is safe for concurrent use.
type fitCache struct {
	seedOnce sync.Once
	seed     maphash.Seed
	mu       sync.Mutex
	entries  []*fitEntry
	tick     uint64
}

// fingerprint hashes the history of d before t0 that a fit reads: its
// start and each cell's times.
func (c *fitCache) fingerprint(d *forecastData, t0 int64) uint64 {
	c.seedOnce.Do(func() { c.seed = maphash.MakeSeed() })
	var h maphash.Hash
	h.SetSeed(c.seed)
	var buf [4096]byte
	n := 0
	put := func(v int64) {
		if n+8 > len(buf) {
			h.Write(buf[:n])
			n = 0
		}
		binary.LittleEndian.PutUint64(buf[n:], uint64(v))
		n += 8
	}
	put(d.start)
	put(t0)
	for cell := range d.ag.cells {
		lo := int(d.cellStart[cell])
		k := d.countIn(cell, math.MinInt64, t0)
		put(int64(k))
		for _, t := range d.cellAt[lo : lo+k] {
			put(t)
		}
	}
	h.Write(buf[:n])
	return h.Sum64()
}

// get returns the fit of (key, asOf, hist) and true, or else the most
// recently used fit of key (nil if none) and false. Fits are shared: do
// not modify them.
func (c *fitCache) get(key fitKey, asOf int64, hist uint64) (*SEPPFit, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick++
	var warm *fitEntry
	for _, e := range c.entries {
		if e.key != key {
			continue
		}
		if e.asOf == asOf && e.hist == hist {
			e.used = c.tick
			return e.fit, true
		}
		if warm == nil || e.used > warm.used {
			warm = e
		}
	}
	if warm == nil {
		return nil, false
	}
	return warm.fit, false
}

// put keeps fit as that of (key, asOf, hist), in place of the least
// recently used entry when the cache is full.
func (c *fitCache) put(key fitKey, asOf int64, hist uint64, fit *SEPPFit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick++
	e := &fitEntry{key: key, asOf: asOf, hist: hist, fit: fit, used: c.tick}
	if len(c.entries) < fitCacheSize {
		c.entries = append(c.entries, e)
		return
	}
	oldest := 0
	for i := range c.entries {
		if c.entries[i].used < c.entries[oldest].used {
			oldest = i
		}
	}
	c.entries[oldest] = e
}

// fitFilterKey returns a text equal for filters that select the same
// events for the same viewer (a forecast's filter has no end time), and
// false for a filter with a CQL2 condition, which has no canonical text
// here: its fits are not cached.
func fitFilterKey(f *Filter) (string, bool) {
	if f.Where != nil {
		return "", false
	}
	cf, err := f.compile()
	if err != nil {
		return "", false
	}
	b := make([]byte, 0, 64)
	b = append(b, f.Visibility.Key()...)
	b = append(b, '|')
	b = strconv.AppendInt(b, cf.t0, 10)
	// The compiled filter's bit masks are canonical, whatever the order
	// and repetitions of the lists.
	for _, v := range []uint8{cf.kinds, cf.drugs, cf.categories, cf.minSev} {
		b = append(b, ',')
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	b = append(b, '|')
	for w, bits := range cf.agencies {
		if bits != 0 {
			b = strconv.AppendInt(b, int64(w), 10)
			b = append(b, ':')
			b = strconv.AppendUint(b, bits, 16)
			b = append(b, ',')
		}
	}
	return string(b), true
}
