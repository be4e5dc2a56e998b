package planner

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// state is a plan under construction.
type state struct {
	routes [][]int
	lens   []float64
	owner  []int // team visiting each node, or -1
	score  float64
}

func (st *state) clone() *state {
	c := &state{
		routes: make([][]int, len(st.routes)),
		lens:   slices.Clone(st.lens),
		owner:  slices.Clone(st.owner),
		score:  st.score,
	}
	for i, r := range st.routes {
		c.routes[i] = slices.Clone(r)
	}
	return c
}

func (st *state) copyFrom(o *state) {
	for i, r := range o.routes {
		st.routes[i] = append(st.routes[i][:0], r...)
	}
	copy(st.lens, o.lens)
	copy(st.owner, o.owner)
	st.score = o.score
}

func (st *state) total() float64 {
	var s float64
	for _, l := range st.lens {
		s += l
	}
	return s
}

// better orders plans by score, then by total duration.
func better(a, b *state) bool {
	if a.score > b.score+1e-9 {
		return true
	}
	if a.score < b.score-1e-9 {
		return false
	}
	return a.total() < b.total()-1e-9
}

func (st *state) signature() uint64 {
	h := fnv.New64a()
	var buf [4]byte
	for _, r := range st.routes {
		for _, v := range r {
			buf[0], buf[1], buf[2], buf[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
			h.Write(buf[:])
		}
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	return h.Sum64()
}

// insertion is a cached best insertion of a node into a route.
type insertion struct {
	pos   int
	delta float64
}

type solver struct {
	p      *Problem
	rng    *rand.Rand
	mats   []*Matrix
	budget []float64
	score  []float64
	dwell  []float64
	cands  []int    // nodes that some team can visit
	canVis [][]bool // [team][node]: a lone visit fits the budget
	ins    [][]insertion
	tabu   []bool
	rem    []int
}

func newSolver(p *Problem, rng *rand.Rand) *solver {
	n := len(p.Score)
	s := &solver{p: p, rng: rng, score: p.Score}
	s.dwell = make([]float64, n)
	for v := range n {
		s.dwell[v] = p.dwell(v)
	}
	endpoint := make([]bool, n)
	for t, tm := range p.Teams {
		endpoint[tm.Start], endpoint[tm.End] = true, true
		s.mats = append(s.mats, p.matrix(t))
		s.budget = append(s.budget, tm.Budget)
	}
	s.canVis = make([][]bool, len(p.Teams))
	for t := range p.Teams {
		s.canVis[t] = make([]bool, n)
	}
	for v := range n {
		if endpoint[v] || p.Score[v] <= 0 {
			continue
		}
		ok := false
		for t, tm := range p.Teams {
			m := s.mats[t]
			if m.At(tm.Start, v)+s.dwell[v]+m.At(v, tm.End) <= tm.Budget+feasEps {
				s.canVis[t][v] = true
				ok = true
			}
		}
		if ok {
			s.cands = append(s.cands, v)
		}
	}
	s.ins = make([][]insertion, len(p.Teams))
	for t := range p.Teams {
		s.ins[t] = make([]insertion, n)
	}
	s.tabu = make([]bool, n)
	return s
}

func (s *solver) empty() *state {
	st := &state{owner: make([]int, len(s.score))}
	for i := range st.owner {
		st.owner[i] = -1
	}
	for t, tm := range s.p.Teams {
		st.routes = append(st.routes, []int{tm.Start, tm.End})
		st.lens = append(st.lens, s.mats[t].At(tm.Start, tm.End))
	}
	return st
}

func (s *solver) routeLen(t int, r []int) float64 {
	m := s.mats[t]
	var l float64
	for i := 1; i < len(r); i++ {
		l += m.At(r[i-1], r[i])
	}
	for _, v := range r[1 : len(r)-1] {
		l += s.dwell[v]
	}
	return l
}

// bestInsertion returns the cheapest position to insert v into route t.
func (s *solver) bestInsertion(st *state, t, v int) insertion {
	m := s.mats[t]
	r := st.routes[t]
	best := insertion{pos: -1, delta: math.Inf(1)}
	for i := 1; i < len(r); i++ {
		a, b := r[i-1], r[i]
		d := m.At(a, v) + m.At(v, b) - m.At(a, b)
		if d < best.delta {
			best = insertion{pos: i, delta: d}
		}
	}
	best.delta += s.dwell[v]
	return best
}

func (s *solver) insertAt(st *state, t, pos, v int) {
	st.routes[t] = slices.Insert(st.routes[t], pos, v)
	st.owner[v] = t
	st.score += s.score[v]
	st.lens[t] = s.routeLen(t, st.routes[t])
}

// tryRemove removes the node at pos from route t unless that would break
// the budget, which can happen on matrices without the triangle inequality.
func (s *solver) tryRemove(st *state, t, pos int) bool {
	r := st.routes[t]
	m := s.mats[t]
	a, v, b := r[pos-1], r[pos], r[pos+1]
	if st.lens[t]-(m.At(a, v)+m.At(v, b)-m.At(a, b)+s.dwell[v]) > s.budget[t]+feasEps {
		return false
	}
	s.rem = append(s.rem, v)
	s.removeAt(st, t, pos)
	return true
}

func (s *solver) removeAt(st *state, t, pos int) {
	v := st.routes[t][pos]
	st.routes[t] = slices.Delete(st.routes[t], pos, pos+1)
	st.owner[v] = -1
	st.score -= s.score[v]
	st.lens[t] = s.routeLen(t, st.routes[t])
}

// greedyInsert inserts unvisited, non-tabu candidates one at a time, each
// time the one with the best score^alpha per added duration (perturbed by
// noise), until none fits. It reports whether it inserted any.
func (s *solver) greedyInsert(st *state, alpha, noise float64) bool {
	for t := range st.routes {
		s.refreshInsertions(st, t)
	}
	any := false
	for {
		bestT, bestV := -1, -1
		bestRatio := math.Inf(-1)
		for _, v := range s.cands {
			if st.owner[v] >= 0 || s.tabu[v] {
				continue
			}
			for t := range st.routes {
				in := s.ins[t][v]
				if in.pos < 0 || st.lens[t]+in.delta > s.budget[t]+feasEps {
					continue
				}
				sc := s.score[v]
				if alpha != 1 {
					sc = math.Pow(sc, alpha)
				}
				ratio := sc / (math.Max(in.delta, 0) + 1e-9)
				if noise > 0 {
					ratio *= 1 + noise*s.rng.Float64()
				}
				if ratio > bestRatio {
					bestRatio, bestT, bestV = ratio, t, v
				}
			}
		}
		if bestT < 0 {
			return any
		}
		s.insertAt(st, bestT, s.ins[bestT][bestV].pos, bestV)
		s.refreshInsertions(st, bestT)
		any = true
	}
}

func (s *solver) refreshInsertions(st *state, t int) {
	for _, v := range s.cands {
		if st.owner[v] >= 0 || !s.canVis[t][v] {
			s.ins[t][v] = insertion{pos: -1}
			continue
		}
		s.ins[t][v] = s.bestInsertion(st, t, v)
	}
}

// twoOpt reverses segments of route t while that shortens it.
func (s *solver) twoOpt(st *state, t int) bool {
	m := s.mats[t]
	r := st.routes[t]
	n := len(r)
	if n < 4 {
		return false
	}
	fwd := make([]float64, n)
	bwd := make([]float64, n)
	changed := false
	for improved := true; improved; {
		improved = false
		for k := 1; k < n; k++ {
			fwd[k] = fwd[k-1] + m.At(r[k-1], r[k])
			bwd[k] = bwd[k-1] + m.At(r[k], r[k-1])
		}
		for i := 1; i < n-2 && !improved; i++ {
			for j := i + 1; j < n-1; j++ {
				old := m.At(r[i-1], r[i]) + (fwd[j] - fwd[i]) + m.At(r[j], r[j+1])
				nw := m.At(r[i-1], r[j]) + (bwd[j] - bwd[i]) + m.At(r[i], r[j+1])
				if nw < old-1e-9 {
					slices.Reverse(r[i : j+1])
					improved, changed = true, true
					break
				}
			}
		}
	}
	if changed {
		st.lens[t] = s.routeLen(t, r)
	}
	return changed
}

// orOpt moves segments of one to three nodes to a better place in route t.
func (s *solver) orOpt(st *state, t int) bool {
	m := s.mats[t]
	changed := false
	for improved := true; improved; {
		improved = false
		r := st.routes[t]
		n := len(r)
	search:
		for k := 1; k <= 3; k++ {
			for i := 1; i+k <= n-1; i++ {
				j := i + k - 1 // segment r[i..j]
				a, b := r[i-1], r[j+1]
				gain := m.At(a, r[i]) + m.At(r[j], b) - m.At(a, b)
				for q := 1; q < n; q++ { // insert between r[q-1] and r[q]
					if q >= i && q <= j+1 {
						continue
					}
					c, d := r[q-1], r[q]
					cost := m.At(c, r[i]) + m.At(r[j], d) - m.At(c, d)
					if cost < gain-1e-9 {
						seg := slices.Clone(r[i : j+1])
						rest := slices.Delete(slices.Clone(r), i, j+1)
						at := q
						if q > j {
							at -= k
						}
						st.routes[t] = slices.Insert(rest, at, seg...)
						improved, changed = true, true
						break search
					}
				}
			}
		}
	}
	if changed {
		st.lens[t] = s.routeLen(t, st.routes[t])
	}
	return changed
}

// interRoute exchanges or relocates single targets between routes while
// that lowers the total duration and keeps both routes within budget.
func (s *solver) interRoute(st *state) bool {
	if len(st.routes) < 2 {
		return false
	}
	changed := false
	for improved := true; improved; {
		improved = false
	outer:
		for t1 := range st.routes {
			m1 := s.mats[t1]
			r1 := st.routes[t1]
			for i := 1; i < len(r1)-1; i++ {
				v := r1[i]
				a1, b1 := r1[i-1], r1[i+1]
				rm1 := m1.At(a1, v) + m1.At(v, b1) - m1.At(a1, b1) + s.dwell[v]
				for t2 := range st.routes {
					if t2 == t1 || !s.canVis[t2][v] {
						continue
					}
					m2 := s.mats[t2]
					r2 := st.routes[t2]
					// Relocate v into t2.
					in := s.bestInsertion(st, t2, v)
					if in.pos > 0 && st.lens[t2]+in.delta <= s.budget[t2]+feasEps && in.delta < rm1-1e-9 &&
						st.lens[t1]-rm1 <= s.budget[t1]+feasEps {
						s.removeAt(st, t1, i)
						s.insertAt(st, t2, in.pos, v)
						improved, changed = true, true
						break outer
					}
					// Exchange v with w in place.
					for j := 1; j < len(r2)-1; j++ {
						w := r2[j]
						if !s.canVis[t1][w] {
							continue
						}
						a2, b2 := r2[j-1], r2[j+1]
						d1 := m1.At(a1, w) + m1.At(w, b1) - m1.At(a1, v) - m1.At(v, b1) + s.dwell[w] - s.dwell[v]
						d2 := m2.At(a2, v) + m2.At(v, b2) - m2.At(a2, w) - m2.At(w, b2) + s.dwell[v] - s.dwell[w]
						if d1+d2 < -1e-9 && st.lens[t1]+d1 <= s.budget[t1]+feasEps && st.lens[t2]+d2 <= s.budget[t2]+feasEps {
							r1[i], r2[j] = w, v
							st.owner[v], st.owner[w] = t2, t1
							st.lens[t1] = s.routeLen(t1, r1)
							st.lens[t2] = s.routeLen(t2, r2)
							improved, changed = true, true
							break outer
						}
					}
				}
			}
		}
	}
	return changed
}

// replace swaps a visited target for an unvisited one with a higher score
// (or an equal score and a shorter route) when the route stays in budget.
func (s *solver) replace(st *state) bool {
	changed := false
	for _, u := range s.cands {
		if st.owner[u] >= 0 {
			continue
		}
		bestT, bestI, bestQ := -1, -1, -1
		bestGain, bestLen := 0.0, 0.0
		for t := range st.routes {
			if !s.canVis[t][u] {
				continue
			}
			m := s.mats[t]
			r := st.routes[t]
			for i := 1; i < len(r)-1; i++ {
				v := r[i]
				gain := s.score[u] - s.score[v]
				if gain < -1e-9 {
					continue
				}
				a, b := r[i-1], r[i+1]
				base := st.lens[t] - (m.At(a, v) + m.At(v, b) - m.At(a, b) + s.dwell[v]) + s.dwell[u]
				// Best insertion of u into the route without v.
				bestD, bestPos := math.Inf(1), -1
				for q := 1; q < len(r); q++ {
					c, d := r[q-1], r[q]
					switch q {
					case i:
						d = r[i+1]
					case i + 1:
						continue
					}
					dd := m.At(c, u) + m.At(u, d) - m.At(c, d)
					if dd < bestD {
						bestD, bestPos = dd, q
					}
				}
				nl := base + bestD
				if nl > s.budget[t]+feasEps {
					continue
				}
				if gain <= 1e-9 && nl >= st.lens[t]-1e-9 {
					continue
				}
				if bestT < 0 || gain > bestGain+1e-9 || (gain > bestGain-1e-9 && nl-st.lens[t] < bestLen) {
					bestT, bestI, bestQ, bestGain, bestLen = t, i, bestPos, gain, nl-st.lens[t]
				}
			}
		}
		if bestT >= 0 {
			at := bestQ
			if bestQ > bestI {
				at--
			}
			s.removeAt(st, bestT, bestI)
			s.insertAt(st, bestT, at, u)
			changed = true
		}
	}
	return changed
}

// localSearch improves st until no move helps.
func (s *solver) localSearch(st *state, alpha, noise float64) {
	for {
		for t := range st.routes {
			for s.twoOpt(st, t) || s.orOpt(st, t) {
			}
		}
		s.interRoute(st)
		ins := s.greedyInsert(st, alpha, noise)
		rep := s.replace(st)
		if !ins && !rep {
			return
		}
	}
}

// shake removes targets from st, marks them tabu and returns how many.
func (s *solver) shake(st *state, strength int) {
	s.rem = s.rem[:0]
	switch s.rng.IntN(3) {
	case 0: // a segment of each route
		for t, r := range st.routes {
			inner := len(r) - 2
			if inner <= 0 {
				continue
			}
			k := min(strength, inner)
			pos := 1 + s.rng.IntN(inner-k+1)
			for range k {
				if !s.tryRemove(st, t, pos) {
					pos++
				}
				if pos >= len(st.routes[t])-1 {
					break
				}
			}
		}
	case 1: // random targets
		for range strength * len(st.routes) {
			t := s.rng.IntN(len(st.routes))
			if inner := len(st.routes[t]) - 2; inner > 0 {
				s.tryRemove(st, t, 1+s.rng.IntN(inner))
			}
		}
	default: // the targets with the worst score per saved duration
		type cand struct {
			t, v  int
			ratio float64
		}
		var cs []cand
		for t, r := range st.routes {
			m := s.mats[t]
			for i := 1; i < len(r)-1; i++ {
				v := r[i]
				saved := m.At(r[i-1], v) + m.At(v, r[i+1]) - m.At(r[i-1], r[i+1]) + s.dwell[v]
				cs = append(cs, cand{t, v, s.score[v] / (saved + 1e-9) * (0.5 + s.rng.Float64())})
			}
		}
		sort.Slice(cs, func(i, j int) bool { return cs[i].ratio < cs[j].ratio })
		for _, c := range cs[:min(len(cs), strength*len(st.routes))] {
			s.tryRemove(st, c.t, slices.Index(st.routes[c.t], c.v))
		}
	}
	for _, v := range s.rem {
		s.tabu[v] = true
	}
}

func (s *solver) run(ctx context.Context, iters int, deadline time.Time, variety float64) (*state, error) {
	cur := s.empty()
	s.localSearch(cur, 1, 0)
	best := cur.clone()
	var pool []*state // near-best distinct solutions, for variety
	seen := map[uint64]bool{}
	remember := func(st *state) {
		if variety <= 0 || st.score < (1-variety)*best.score-1e-9 {
			return
		}
		sig := st.signature()
		if seen[sig] {
			return
		}
		seen[sig] = true
		pool = append(pool, st.clone())
		if len(pool) > 256 {
			sort.SliceStable(pool, func(i, j int) bool { return pool[i].score > pool[j].score })
			pool = pool[:128]
		}
	}
	remember(cur)

	maxInner := 0
	for _, r := range best.routes {
		maxInner = max(maxInner, len(r)-2)
	}
	strength, stale := 1, 0
	patience := 10 + len(s.cands)/4
	// On the benchmark sets the best plan is found well within 1,300
	// rounds; a long run without improvement ends the search early.
	staleStop := 2000 + 20*len(s.cands)
	for it := 0; it < iters; it++ {
		if it%32 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("solve: %w", err)
			}
			if !deadline.IsZero() && time.Now().After(deadline) {
				break
			}
		}
		s.shake(cur, strength)
		alpha := 1.0
		if s.rng.IntN(2) == 0 {
			alpha = 2
		}
		noise := 0.3 * s.rng.Float64()
		s.greedyInsert(cur, alpha, noise)
		for _, v := range s.rem {
			s.tabu[v] = false
		}
		s.localSearch(cur, alpha, noise)
		remember(cur)
		if better(cur, best) {
			best.copyFrom(cur)
			strength, stale = 1, 0
			for _, r := range best.routes {
				maxInner = max(maxInner, len(r)-2)
			}
			continue
		}
		stale++
		if stale >= staleStop {
			break
		}
		strength++
		if strength > max(1, (maxInner+1)/2) {
			strength = 1
		}
		if stale%patience == 0 {
			if stale%(8*patience) == 0 {
				// Restart from a fresh randomised construction.
				cur = s.empty()
				s.greedyInsert(cur, 1+s.rng.Float64(), 1)
				s.localSearch(cur, 1, 0)
				remember(cur)
				if better(cur, best) {
					best.copyFrom(cur)
					stale = 0
				}
			} else {
				cur.copyFrom(best)
			}
		}
	}
	if variety > 0 && len(pool) > 0 {
		var ok []*state
		for _, st := range pool {
			if st.score >= (1-variety)*best.score-1e-9 {
				ok = append(ok, st)
			}
		}
		if len(ok) > 0 {
			return ok[s.rng.IntN(len(ok))], nil
		}
	}
	return best, nil
}
