package geo

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Index is the in-memory spatial index of events. Each event is stored once,
// column by column (ID, lon/lat, LAEA metres, time, attributes, items), and
// its projected point is kept in an R-tree of float32 rectangles that yields
// candidates; exact float64 coordinates decide. The zero Index is empty and
// ready to use; it is safe for concurrent use (a sync.RWMutex guards it).
// Callbacks run under the read lock and must not call the Index's writing
// methods.
type Index struct {
	mu sync.RWMutex
	st store
	// version counts modifications; analyses cache derived data per version.
	version uint64
	grids   gridCache
	assign  assignCache
}

// attr packs an event's small attributes into eight bytes.
type attr struct {
	kind     Kind
	category Category
	severity uint8
	sharing  Sharing
	drugs    uint8 // bit d−1 set when an item has drug d
	nItems   uint8
	agency   uint16
}

// store holds the columns. Slot i is live when attr[i].kind != 0.
type store struct {
	tree    rtree.RTreeGN[float32, uint32]
	ids     [][16]byte
	ll      [][2]float64 // lon, lat degrees
	xy      [][2]float64 // LAEA metres
	at      []int64      // Unix nanoseconds
	attr    []attr
	kg      []float32 // summed kg of all items (exact for one item)
	itemOff []uint32
	items   []Item
	garbage int // items no longer referenced
	free    []uint32
	live    int
	table   []uint32 // open addressing, linear probing: slot+1, 0 = empty
	// maxAgency is the largest agency number ever stored.
	maxAgency uint16
}

// maxItems is the largest number of items an event may carry.
const maxItems = 255

// Len returns the number of events in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.st.live
}

// Version returns a number that changes whenever the index's contents do, so
// callers can cache results per version.
func (ix *Index) Version() uint64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.version
}

func checkEvent(e *Event) error {
	switch {
	case !ValidLonLat(orb.Point{e.Lon, e.Lat}):
		return fmt.Errorf("event %x: invalid lon/lat %v, %v", e.ID, e.Lon, e.Lat)
	case e.Kind.String() == "":
		return fmt.Errorf("event %x: invalid kind %d", e.ID, e.Kind)
	case e.Category != 0 && e.Category.String() == "":
		return fmt.Errorf("event %x: invalid category %d", e.ID, e.Category)
	case e.Sharing != 0 && e.Sharing.String() == "":
		return fmt.Errorf("event %x: invalid sharing level %d", e.ID, e.Sharing)
	case len(e.Items) > maxItems:
		return fmt.Errorf("event %x: %d items, at most %d", e.ID, len(e.Items), maxItems)
	case e.At.Year() < 1700 || e.At.Year() > 2200:
		return fmt.Errorf("event %x: time %v out of range", e.ID, e.At)
	}
	for _, it := range e.Items {
		if it.Drug.String() == "" {
			return fmt.Errorf("event %x: invalid drug %d", e.ID, it.Drug)
		}
		if !(it.KG >= 0) || math.IsInf(float64(it.KG), 0) {
			return fmt.Errorf("event %x: invalid mass %v kg", e.ID, it.KG)
		}
	}
	return nil
}

// Load replaces the whole contents of the index with events. Later events
// win over earlier ones with the same ID. The new index is built without
// holding the lock and swapped in, so queries keep running meanwhile.
func (ix *Index) Load(events []Event) error {
	for i := range events {
		if err := checkEvent(&events[i]); err != nil {
			return err
		}
	}
	var st store
	n := len(events)
	nItems := 0
	for i := range events {
		nItems += len(events[i].Items)
	}
	st.ids = make([][16]byte, 0, n)
	st.ll = make([][2]float64, 0, n)
	st.xy = make([][2]float64, 0, n)
	st.at = make([]int64, 0, n)
	st.attr = make([]attr, 0, n)
	st.kg = make([]float32, 0, n)
	st.itemOff = make([]uint32, 0, n)
	st.items = make([]Item, 0, nItems)
	st.table = make([]uint32, tableSize(n))
	// Store the events in Hilbert order of their projected points, so that
	// events near each other in space are near each other in memory and in
	// the R-tree's leaves.
	xy := make([][2]float64, n)
	parallelRange(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x, y := ProjectXY(events[i].Lon, events[i].Lat)
			xy[i] = [2]float64{x, y}
		}
	})
	orig := make([]int32, 0, n) // input index of each slot, for duplicates
	for _, o := range hilbertOrder(xy) {
		i := int(uint32(o))
		e := &events[i]
		if slot, ok := st.lookup(e.ID); ok {
			if int32(i) > orig[slot] {
				st.set(slot, e, xy[i])
				orig[slot] = int32(i)
			}
			continue
		}
		st.appendSlot(e, xy[i])
		orig = append(orig, int32(i))
	}
	for slot := range st.attr {
		r := rectOf(st.xy[slot])
		st.tree.Insert(r, r, uint32(slot))
	}
	ix.mu.Lock()
	ix.st = st
	ix.version++
	ix.assign.entries = nil
	ix.mu.Unlock()
	return nil
}

// Upsert inserts e or replaces the event with the same ID.
func (ix *Index) Upsert(e Event) error {
	if err := checkEvent(&e); err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	st := &ix.st
	x, y := ProjectXY(e.Lon, e.Lat)
	xy := [2]float64{x, y}
	if slot, ok := st.lookup(e.ID); ok {
		old := st.xy[slot]
		st.tree.Delete(rectOf(old), rectOf(old), slot)
		st.set(slot, &e, xy)
		st.tree.Insert(rectOf(st.xy[slot]), rectOf(st.xy[slot]), slot)
		ix.updateAssigned(slot)
	} else {
		var slot uint32
		if k := len(st.free); k > 0 {
			slot = st.free[k-1]
			st.free = st.free[:k-1]
			st.set(slot, &e, xy)
			st.live++
			st.insertID(e.ID, slot)
		} else {
			slot = st.appendSlot(&e, xy)
		}
		st.tree.Insert(rectOf(st.xy[slot]), rectOf(st.xy[slot]), slot)
		ix.updateAssigned(slot)
	}
	st.maybeCompactItems()
	ix.version++
	return nil
}

// Delete removes the event with the given ID and reports whether it was
// there.
func (ix *Index) Delete(id [16]byte) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	st := &ix.st
	slot, ok := st.lookup(id)
	if !ok {
		return false
	}
	p := st.xy[slot]
	st.tree.Delete(rectOf(p), rectOf(p), slot)
	st.removeID(id)
	st.garbage += int(st.attr[slot].nItems)
	st.attr[slot] = attr{}
	st.ids[slot] = [16]byte{}
	st.free = append(st.free, slot)
	st.live--
	ix.updateAssigned(slot)
	st.maybeCompactItems()
	ix.version++
	return true
}

// Get returns the event with the given ID.
func (ix *Index) Get(id [16]byte) (Event, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	slot, ok := ix.st.lookup(id)
	if !ok {
		return Event{}, false
	}
	var e Event
	ix.st.event(slot, &e)
	e.Items = append([]Item(nil), e.Items...)
	return e, true
}

func rectOf(p [2]float64) [2]float32 { return [2]float32{float32(p[0]), float32(p[1])} }

// appendSlot stores e in a new slot and registers its ID.
func (st *store) appendSlot(e *Event, xy [2]float64) uint32 {
	slot := uint32(len(st.ids))
	st.ids = append(st.ids, [16]byte{})
	st.ll = append(st.ll, [2]float64{})
	st.xy = append(st.xy, [2]float64{})
	st.at = append(st.at, 0)
	st.attr = append(st.attr, attr{})
	st.kg = append(st.kg, 0)
	st.itemOff = append(st.itemOff, 0)
	st.set(slot, e, xy)
	st.live++
	st.insertID(e.ID, slot)
	return slot
}

// set writes e, whose projected point is xy, into an existing slot.
func (st *store) set(slot uint32, e *Event, xy [2]float64) {
	st.ids[slot] = e.ID
	st.ll[slot] = [2]float64{e.Lon, e.Lat}
	st.xy[slot] = xy
	st.at[slot] = e.At.UnixNano()
	a := attr{kind: e.Kind, category: e.Category, severity: e.Severity, sharing: e.Sharing,
		agency: e.Agency, nItems: uint8(len(e.Items))}
	var kg float32
	for _, it := range e.Items {
		a.drugs |= 1 << (it.Drug - 1)
		kg += it.KG
	}
	st.kg[slot] = kg
	st.maxAgency = max(st.maxAgency, e.Agency)
	old := st.attr[slot]
	if old.kind != 0 && int(old.nItems) >= len(e.Items) {
		// Reuse the old item range in place.
		copy(st.items[st.itemOff[slot]:], e.Items)
		st.garbage += int(old.nItems) - len(e.Items)
	} else {
		if old.kind != 0 {
			st.garbage += int(old.nItems)
		}
		st.itemOff[slot] = uint32(len(st.items))
		st.items = append(st.items, e.Items...)
	}
	st.attr[slot] = a
}

// maybeCompactItems rewrites the item arena once more than half of it is
// unreferenced.
func (st *store) maybeCompactItems() {
	if st.garbage < 1024 || st.garbage*2 < len(st.items) {
		return
	}
	items := make([]Item, 0, len(st.items)-st.garbage)
	for slot, a := range st.attr {
		if a.kind == 0 {
			continue
		}
		off := st.itemOff[slot]
		st.itemOff[slot] = uint32(len(items))
		items = append(items, st.items[off:off+uint32(a.nItems)]...)
	}
	st.items = items
	st.garbage = 0
}

// event fills e from slot; e.Items aliases the arena.
func (st *store) event(slot uint32, e *Event) {
	a := st.attr[slot]
	off := st.itemOff[slot]
	*e = Event{
		ID: st.ids[slot], Lon: st.ll[slot][0], Lat: st.ll[slot][1],
		At:   time.Unix(0, st.at[slot]).UTC(),
		Kind: a.kind, Category: a.category, Severity: a.severity, Agency: a.agency, Sharing: a.sharing,
		Items: st.items[off : off+uint32(a.nItems) : off+uint32(a.nItems)],
	}
}

// hilbertOrder returns, for the points pts, keys whose low 32 bits are the
// point's index, sorted by the point's position on a Hilbert curve of order
// 16 over the points' bounding box.
func hilbertOrder(pts [][2]float64) []uint64 {
	order := make([]uint64, len(pts))
	if len(pts) == 0 {
		return order
	}
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, p := range pts {
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
	}
	sx := float64(1<<16-1) / math.Max(maxX-minX, 1)
	sy := float64(1<<16-1) / math.Max(maxY-minY, 1)
	for i, p := range pts {
		h := hilbert16(uint32((p[0]-minX)*sx), uint32((p[1]-minY)*sy))
		order[i] = uint64(h)<<32 | uint64(i)
	}
	radixSort64(order)
	return order
}

// hilbert16 returns the position of (x, y), 0 ≤ x, y < 2¹⁶, on the Hilbert
// curve of order 16.
func hilbert16(x, y uint32) uint32 {
	var d uint32
	for s := uint32(1 << 15); s > 0; s >>= 1 {
		var rx, ry uint32
		if x&s > 0 {
			rx = 1
		}
		if y&s > 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		if ry == 0 {
			if rx == 1 {
				x = s - 1 - x&(s-1) | x&^(s-1)
				y = s - 1 - y&(s-1) | y&^(s-1)
			}
			x, y = y, x
		}
	}
	return d
}

// radixSort64 sorts v ascending (LSD radix sort, 16 bits per pass).
func radixSort64(v []uint64) {
	tmp := make([]uint64, len(v))
	src, dst := v, tmp
	for shift := 0; shift < 64; shift += 16 {
		var count [1 << 16]int
		for _, x := range src {
			count[(x>>shift)&0xffff]++
		}
		if count[(src[0]>>shift)&0xffff] == len(src) {
			continue
		}
		sum := 0
		for i := range count {
			c := count[i]
			count[i] = sum
			sum += c
		}
		for _, x := range src {
			k := (x >> shift) & 0xffff
			dst[count[k]] = x
			count[k]++
		}
		src, dst = dst, src
	}
	if &src[0] != &v[0] {
		copy(v, src)
	}
}

// tableSize returns the power-of-two hash table size for n keys at a load
// factor of at most 1/2.
func tableSize(n int) int {
	if n < 8 {
		return 16
	}
	return 1 << bits.Len(uint(2*n-1))
}

func hashID(id [16]byte) uint64 {
	a := binary.LittleEndian.Uint64(id[:8])
	b := binary.LittleEndian.Uint64(id[8:])
	h := (a ^ bits.RotateLeft64(b, 29)) * 0x9E3779B97F4A7C15
	return h ^ h>>31
}

func (st *store) lookup(id [16]byte) (uint32, bool) {
	if len(st.table) == 0 {
		return 0, false
	}
	mask := uint64(len(st.table) - 1)
	for i := hashID(id) & mask; ; i = (i + 1) & mask {
		v := st.table[i]
		if v == 0 {
			return 0, false
		}
		if st.ids[v-1] == id {
			return v - 1, true
		}
	}
}

func (st *store) insertID(id [16]byte, slot uint32) {
	if 2*(st.live+1) > len(st.table) {
		st.rehash(tableSize(st.live + 1))
	}
	mask := uint64(len(st.table) - 1)
	i := hashID(id) & mask
	for st.table[i] != 0 {
		i = (i + 1) & mask
	}
	st.table[i] = slot + 1
}

func (st *store) rehash(size int) {
	old := st.table
	st.table = make([]uint32, size)
	mask := uint64(size - 1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		i := hashID(st.ids[v-1]) & mask
		for st.table[i] != 0 {
			i = (i + 1) & mask
		}
		st.table[i] = v
	}
}

// removeID deletes id from the table by backward-shift deletion, which keeps
// every probe sequence unbroken without tombstones.
func (st *store) removeID(id [16]byte) {
	mask := uint64(len(st.table) - 1)
	i := hashID(id) & mask
	for {
		v := st.table[i]
		if v == 0 {
			return
		}
		if st.ids[v-1] == id {
			break
		}
		i = (i + 1) & mask
	}
	for {
		st.table[i] = 0
		j := i
		for {
			j = (j + 1) & mask
			v := st.table[j]
			if v == 0 {
				return
			}
			home := hashID(st.ids[v-1]) & mask
			// Move v into the hole at i unless its home lies cyclically in (i, j].
			if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
				st.table[i] = v
				i = j
				break
			}
		}
	}
}

// Filter selects events. The zero Filter selects every event. Within a
// field the listed values are alternatives; the fields are combined with
// AND.
type Filter struct {
	// Time keeps events whose time lies in the interval (ends included).
	Time Interval
	// Kinds keeps events of these kinds.
	Kinds []Kind
	// Drugs keeps events with an item of one of these drugs; with value=kg
	// only these drugs' masses are summed.
	Drugs []Drug
	// Categories keeps events of these incident categories.
	Categories []Category
	// Agencies keeps events of these agencies (indices into the caller's
	// agency table).
	Agencies []uint16
	// MinSeverity keeps events of at least this severity.
	MinSeverity uint8
	// Visibility restricts the events to those one agency may see, with
	// coarsened positions and times where its agreements ask for them; the
	// other conditions apply to what the viewer sees (e.g. Time to the
	// coarsened time). Nil means every event, unchanged.
	Visibility *Visibility
}

// compiledFilter is a Filter as bit masks and integer bounds.
type compiledFilter struct {
	t0, t1     int64
	kinds      uint8 // bit k set when kind k is kept; 0xff all
	drugs      uint8 // 0 = any, else event's drug mask must intersect
	categories uint8 // bit c set when category c is kept; 0xff all
	minSev     uint8
	agencies   []uint64 // bitset; nil = all
	vis        *compiledVis
	all        bool // no condition at all, visibility included
}

func (f *Filter) compile() (compiledFilter, error) {
	c := compiledFilter{t0: math.MinInt64, t1: math.MaxInt64, kinds: 0xff, categories: 0xff, minSev: f.MinSeverity}
	if !f.Time.Start.IsZero() {
		c.t0 = f.Time.Start.UnixNano()
	}
	if !f.Time.End.IsZero() {
		c.t1 = f.Time.End.UnixNano()
	}
	if c.t1 < c.t0 {
		return c, &ParamError{Param: "datetime", Reason: "the interval ends before it starts"}
	}
	if len(f.Kinds) > 0 {
		c.kinds = 0
		for _, k := range f.Kinds {
			if k.String() == "" {
				return c, &ParamError{Param: "kind", Reason: fmt.Sprintf("unknown kind %d", k)}
			}
			c.kinds |= 1 << k
		}
	}
	for _, d := range f.Drugs {
		if d.String() == "" {
			return c, &ParamError{Param: "drug", Reason: fmt.Sprintf("unknown drug %d", d)}
		}
		c.drugs |= 1 << (d - 1)
	}
	if len(f.Categories) > 0 {
		c.categories = 0
		for _, k := range f.Categories {
			if k.String() == "" {
				return c, &ParamError{Param: "category", Reason: fmt.Sprintf("unknown category %d", k)}
			}
			c.categories |= 1 << k
		}
	}
	if len(f.Agencies) > 0 {
		c.agencies = make([]uint64, 1<<16/64)
		for _, a := range f.Agencies {
			c.agencies[a/64] |= 1 << (a % 64)
		}
	}
	vis, err := f.Visibility.compile()
	if err != nil {
		return c, err
	}
	c.vis = vis
	c.all = c.t0 == math.MinInt64 && c.t1 == math.MaxInt64 && c.kinds == 0xff && c.drugs == 0 &&
		c.categories == 0xff && c.minSev == 0 && c.agencies == nil && c.vis == nil
	return c, nil
}

// view reports whether the live slot is visible and passes the filter, and
// the index of the visibility rule that coarsens it (−1: seen exactly). The
// time condition applies to the time as the viewer sees it.
func (c *compiledFilter) view(st *store, slot int) (bool, int) {
	a := st.attr[slot]
	if a.kind == 0 {
		return false, -1
	}
	if c.all {
		return true, -1
	}
	rule := -1
	t := st.at[slot]
	if c.vis != nil {
		var ok bool
		if ok, rule = c.vis.classify(a.agency, a.sharing); !ok {
			return false, -1
		}
		if rule >= 0 {
			t = c.vis.coarseAt(st, slot, rule)
		}
	}
	if t < c.t0 || t > c.t1 {
		return false, -1
	}
	if c.kinds&(1<<a.kind) == 0 || c.categories&(1<<a.category) == 0 || a.severity < c.minSev {
		return false, -1
	}
	if c.drugs != 0 && a.drugs&c.drugs == 0 {
		return false, -1
	}
	if c.agencies != nil && c.agencies[a.agency/64]&(1<<(a.agency%64)) == 0 {
		return false, -1
	}
	return true, rule
}

// passTables are c's conditions on an event's small attributes as lookup
// tables of 0 (fails) and 1 (passes).
type passTables struct {
	// agency[ag<<2 | sharing]: seenExact when the viewer sees the event
	// exactly and the agency filter keeps it, seenCoarse when the viewer
	// sees it coarsened (and the filter keeps it), else 0.
	agency []uint8
	// kindCat[kind<<3 | category]: a live event of a kept kind and
	// category (kind 0 is a free slot).
	kindCat [32]uint8
	// drugs[mask]: the event's drug mask meets the drug filter.
	drugs [256]uint8
}

// Values of passTables.agency.
const (
	seenExact  = 1
	seenCoarse = 2
)

// passTables builds the tables for agencies 0…maxAgency.
func (c *compiledFilter) passTables(maxAgency uint16) *passTables {
	pt := &passTables{agency: make([]uint8, (int(maxAgency)+1)<<2)}
	for ag := 0; ag <= int(maxAgency); ag++ {
		if c.agencies != nil && c.agencies[ag/64]&(1<<(ag%64)) == 0 {
			continue
		}
		for sh := Sharing(0); sh < 4; sh++ {
			ok, rule := true, -1
			if c.vis != nil {
				ok, rule = c.vis.classify(uint16(ag), sh)
			}
			switch {
			case ok && rule >= 0:
				pt.agency[ag<<2|int(sh)] = seenCoarse
			case ok:
				pt.agency[ag<<2|int(sh)] = seenExact
			}
		}
	}
	for k := 1; k < 4; k++ {
		for cat := 0; cat < 8; cat++ {
			if c.kinds&(1<<k) != 0 && c.categories&(1<<cat) != 0 {
				pt.kindCat[k<<3|cat] = 1
			}
		}
	}
	for m := range pt.drugs {
		if c.drugs == 0 || uint8(m)&c.drugs != 0 {
			pt.drugs[m] = 1
		}
	}
	return pt
}

// xy returns slot's projected point as the viewer sees it under rule.
func (c *compiledFilter) xy(st *store, slot, rule int) [2]float64 {
	if rule < 0 {
		return st.xy[slot]
	}
	return c.vis.coarseXY(st, slot, rule)
}

// ll returns slot's lon/lat as the viewer sees it under rule.
func (c *compiledFilter) ll(st *store, slot, rule int) [2]float64 {
	if rule < 0 {
		return st.ll[slot]
	}
	return c.vis.coarseLL(st, slot, rule)
}

// at returns slot's time as the viewer sees it under rule.
func (c *compiledFilter) at(st *store, slot, rule int) int64 {
	if rule < 0 {
		return st.at[slot]
	}
	return c.vis.coarseAt(st, slot, rule)
}

// coarsens reports whether some visible events are seen coarsened.
func (c *compiledFilter) coarsens() bool { return c.vis != nil && len(c.vis.rules) > 0 }

// kg returns the slot's summed mass of the filter's drugs (all drugs when
// the filter names none).
func (c *compiledFilter) kg(st *store, slot int) float64 {
	a := st.attr[slot]
	if a.nItems <= 1 && (c.drugs == 0 || a.drugs&^c.drugs == 0) {
		return float64(st.kg[slot])
	}
	off := st.itemOff[slot]
	var s float64
	for _, it := range st.items[off : off+uint32(a.nItems)] {
		if c.drugs == 0 || c.drugs&(1<<(it.Drug-1)) != 0 {
			s += float64(it.KG)
		}
	}
	return s
}

// SearchProjected calls fn for every event whose projected point lies in the
// projected rectangle b (edges included) and that passes f, until fn returns
// false. The Event passed to fn is reused between calls and its Items alias
// the index's storage: copy what you keep. p is the event's point in LAEA
// metres. Under a Visibility, events are passed as the viewer sees them
// (coarsened point, lon/lat and time) and b applies to that point.
func (ix *Index) SearchProjected(b orb.Bound, f Filter, fn func(e *Event, p orb.Point) bool) error {
	cf, err := f.compile()
	if err != nil {
		return err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	st := &ix.st
	var e Event
	sb := b
	if cf.coarsens() {
		sb = b.Pad(cf.vis.padM)
	}
	min32 := [2]float32{down32(sb.Min[0]), down32(sb.Min[1])}
	max32 := [2]float32{up32(sb.Max[0]), up32(sb.Max[1])}
	st.tree.Search(min32, max32, func(_, _ [2]float32, slot uint32) bool {
		ok, rule := cf.view(st, int(slot))
		if !ok {
			return true
		}
		p := cf.xy(st, int(slot), rule)
		if p[0] < b.Min[0] || p[0] > b.Max[0] || p[1] < b.Min[1] || p[1] > b.Max[1] {
			return true
		}
		st.event(slot, &e)
		if rule >= 0 {
			ll := cf.ll(st, int(slot), rule)
			e.Lon, e.Lat = ll[0], ll[1]
			e.At = time.Unix(0, cf.at(st, int(slot), rule)).UTC()
		}
		return fn(&e, orb.Point(p))
	})
	return nil
}

// Search calls fn for every event whose lon/lat lies in the WGS84 box b
// (edges included) and that passes f, until fn returns false. The R-tree is
// searched with the projected box's bounding rectangle (from the densified
// edges of b, widened by a metre) and candidates are checked on lon/lat. The
// Event passed to fn is reused between calls and its Items alias the index's
// storage. p is the event's point in LAEA metres.
func (ix *Index) Search(b orb.Bound, f Filter, fn func(e *Event, p orb.Point) bool) error {
	pb := projectBound(b).Pad(1)
	return ix.SearchProjected(pb, f, func(e *Event, p orb.Point) bool {
		if e.Lon < b.Min[0] || e.Lon > b.Max[0] || e.Lat < b.Min[1] || e.Lat > b.Max[1] {
			return true
		}
		return fn(e, p)
	})
}

// projectBound returns the bounding rectangle, in LAEA metres, of the
// lon/lat box b: the extremes of x and y over the box lie on its edges,
// which are sampled densely.
func projectBound(b orb.Bound) orb.Bound {
	const steps = 64
	var out orb.Bound
	first := true
	add := func(lon, lat float64) {
		x, y := ProjectXY(lon, lat)
		if first {
			out = orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x, y}}
			first = false
			return
		}
		out = out.Extend(orb.Point{x, y})
	}
	for i := 0; i <= steps; i++ {
		f := float64(i) / steps
		lon := b.Min[0] + f*(b.Max[0]-b.Min[0])
		lat := b.Min[1] + f*(b.Max[1]-b.Min[1])
		add(lon, b.Min[1])
		add(lon, b.Max[1])
		add(b.Min[0], lat)
		add(b.Max[0], lat)
	}
	// Sampling can miss a bulge between samples by up to ~(edge/steps)²
	// times the curvature; pad by a generous relative margin.
	w := math.Max(out.Max[0]-out.Min[0], out.Max[1]-out.Min[1])
	return out.Pad(w / (steps * steps))
}

func down32(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up32(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}
