package geo

import (
	"fmt"
	"math"
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
	// changes counts modifications per agency and sharing level, for the
	// versions of what one viewer sees (VisibleVersion).
	changes changeCounters
	grids   gridCache
	assign  assignCache
	fits    fitCache
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
	mercY   []float64    // Web Mercator northing of ll, metres (for tiles)
	at      []int64      // Unix nanoseconds
	ver     []int64      // record versions
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
	st.mercY = make([]float64, 0, n)
	st.at = make([]int64, 0, n)
	st.ver = make([]int64, 0, n)
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
	ix.changes.loads++
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
	ix.changes.bump(e.Agency, e.Sharing)
	if slot, ok := st.lookup(e.ID); ok {
		if a := st.attr[slot]; a.agency != e.Agency || a.sharing != e.Sharing {
			ix.changes.bump(a.agency, a.sharing)
		}
		old, was := st.xy[slot], st.attr[slot]
		st.tree.Delete(rectOf(old), rectOf(old), slot)
		st.set(slot, &e, xy)
		st.tree.Insert(rectOf(st.xy[slot]), rectOf(st.xy[slot]), slot)
		ix.updateAssigned(slot, was)
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
		ix.updateAssigned(slot, attr{})
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
	ix.changes.bump(st.attr[slot].agency, st.attr[slot].sharing)
	p := st.xy[slot]
	st.tree.Delete(rectOf(p), rectOf(p), slot)
	st.removeID(id)
	was := st.attr[slot]
	st.garbage += int(was.nItems)
	st.attr[slot] = attr{}
	st.ids[slot] = [16]byte{}
	st.free = append(st.free, slot)
	st.live--
	ix.updateAssigned(slot, was)
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
	st.mercY = append(st.mercY, 0)
	st.at = append(st.at, 0)
	st.ver = append(st.ver, 0)
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
	_, st.mercY[slot] = MercatorXY(e.Lon, e.Lat)
	st.at[slot] = e.At.UnixNano()
	st.ver[slot] = e.Version
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
		Items:   st.items[off : off+uint32(a.nItems) : off+uint32(a.nItems)],
		Version: st.ver[slot],
	}
}
