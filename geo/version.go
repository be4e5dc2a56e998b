package geo

// Versions per viewer. The index's own version counts every change, so an
// answer keyed on it (an ETag, index_version) changes when any agency
// writes anything — even a record the viewer may not see, which tells the
// viewer that another agency recorded something. The index therefore also
// counts the changes per (agency, sharing level), and a viewer's version
// sums the counters of what it may see: its own agency's at every level,
// every agency's regional ones and its partners' bilateral ones. The sum
// moves when, and only when, something the viewer sees changed (a record
// that moves between levels counts at both), and never goes back.

// changeCounters counts changes per agency and sharing level.
type changeCounters struct {
	n []uint64 // index agency<<2 | sharing
	// loads counts full loads, after which every viewer's data may differ.
	loads uint64
}

func (c *changeCounters) bump(agency uint16, s Sharing) {
	i := int(agency)<<2 | int(s&3)
	if i >= len(c.n) {
		c.n = append(c.n, make([]uint64, i+1-len(c.n))...)
	}
	c.n[i]++
}

func (c *changeCounters) get(agency int, s Sharing) uint64 {
	i := agency<<2 | int(s&3)
	if i >= len(c.n) {
		return 0
	}
	return c.n[i]
}

// visible returns the version of what vis may see; nil sees everything.
func (c *changeCounters) visible(vis *Visibility) uint64 {
	var sum uint64
	agencies := len(c.n) >> 2
	if len(c.n)&3 != 0 {
		agencies++
	}
	for a := 0; a < agencies; a++ {
		switch {
		case vis == nil || a == int(vis.Agency):
			sum += c.get(a, SharingAgency) + c.get(a, SharingBilateral) + c.get(a, SharingRegional)
		default:
			sum += c.get(a, SharingRegional)
		}
	}
	if vis != nil {
		for _, p := range vis.Partners {
			if int(p.Agency) != int(vis.Agency) {
				sum += c.get(int(p.Agency), SharingBilateral)
			}
		}
	}
	// Full loads are rare (start, resynchronisation); they change every
	// viewer's version and keep it increasing.
	return c.loads<<40 + sum
}

// VisibleVersion returns a number that changes whenever what vis may see of
// the index changes, and only then; it never decreases. A nil vis sees
// every event.
func (ix *Index) VisibleVersion(vis *Visibility) uint64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.changes.visible(vis)
}
