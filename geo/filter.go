package geo

import (
	"fmt"
	"math"
	"time"

	"github.com/borderwatch/borderwatch/cql2"
)

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
	// Where is a CQL2 filter checked against IndexQueryables (see
	// ParseWhere); it applies to what the viewer sees, as the other
	// conditions do. The drug and quantity_kg it names are those of one
	// item: "drug = 'heroin' AND quantity_kg > 10" keeps an event with a
	// heroin item of more than 10 kg. WhereAgencies names the agency
	// numbers for its agency queryable.
	Where         *cql2.Expr
	WhereAgencies []string
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
	where      func(e *Event) bool
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
	if f.Where != nil {
		if c.where, err = compileWhere(f.Where, f.WhereAgencies); err != nil {
			return c, err
		}
	}
	c.all = c.where == nil && c.t0 == math.MinInt64 && c.t1 == math.MaxInt64 && c.kinds == 0xff && c.drugs == 0 &&
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
	if c.where != nil && !c.whereSlot(st, slot, rule) {
		return false, -1
	}
	return true, rule
}

// whereSlot evaluates the CQL2 filter on the slot's event as the viewer
// sees it under rule.
func (c *compiledFilter) whereSlot(st *store, slot, rule int) bool {
	var e Event
	st.event(uint32(slot), &e)
	if rule >= 0 {
		ll := c.ll(st, slot, rule)
		e.Lon, e.Lat = ll[0], ll[1]
		e.At = time.Unix(0, c.at(st, slot, rule)).UTC()
	}
	return c.where(&e)
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
