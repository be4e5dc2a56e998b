package planner

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// rowSearch is one worker's state for the one-to-many searches of a
// travel matrix: distances only, no predecessors.
type rowSearch struct {
	dist  []float64
	touch []int32
	q     pq
}

// row runs a Dijkstra search from point i of the overlay over the
// compressed rows of the network and the off-road legs, until nothing
// cheaper than maxS is left or every other point with an off-road leg is
// settled, and returns the distances by search node (valid until the next
// call).
func (o *overlay) row(ctx context.Context, s *rowSearch, i int, maxS float64) ([]float64, error) {
	for _, v := range s.touch {
		s.dist[v] = math.Inf(1)
	}
	s.touch, s.q = s.touch[:0], s.q[:0]
	src := o.base + i
	pending := 0
	for k := range o.pts {
		if v := o.base + k; v != src && len(o.arcs[v]) > 0 {
			pending++
		}
	}
	n := o.n
	relax := func(to int, c float64) {
		if c < s.dist[to] && c <= maxS {
			if math.IsInf(s.dist[to], 1) {
				s.touch = append(s.touch, int32(to))
			}
			s.dist[to] = c
			s.q.push(to, c)
		}
	}
	s.dist[src] = 0
	s.touch = append(s.touch, int32(src))
	s.q.push(src, 0)
	settled := 0
	for s.q.Len() > 0 {
		it := s.q.pop()
		v, d := it.v, it.cost
		if d > s.dist[v] {
			continue
		}
		if settled++; settled%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if v >= o.base {
			if v != src && len(o.arcs[v]) > 0 {
				if pending--; pending == 0 {
					break
				}
			}
		} else {
			for k := n.csrOff[v]; k < n.csrOff[v+1]; k++ {
				relax(int(n.csrTo[k]), d+n.csrCost[k])
			}
			if !o.linked[v] {
				continue
			}
		}
		for _, a := range o.arcs[v] {
			relax(a.to, d+a.costS)
		}
	}
	return s.dist, nil
}

// matrix returns travel times in seconds between the points; rows for
// points with sources[i] false, pairs without a way and pairs over maxS
// are +Inf. The rows are searched by one worker per processor.
func (r *router) matrix(ctx context.Context, sources []bool, maxS float64) (*Matrix, error) {
	bounds := make([]float64, len(r.o.pts))
	for i := range bounds {
		bounds[i] = maxS
		if sources != nil && !sources[i] {
			bounds[i] = -1
		}
	}
	return r.boundedMatrix(ctx, bounds)
}

// boundedMatrix returns travel times in seconds between the points, the
// row of point i searched up to bounds[i] seconds: pairs without a way
// and pairs over their row's bound are +Inf, and so is every pair of a
// row with a negative bound. The rows are searched by one worker per
// processor.
func (r *router) boundedMatrix(ctx context.Context, bounds []float64) (*Matrix, error) {
	pts := r.o.pts
	m := NewMatrix(len(pts))
	for i := range pts {
		for j := range pts {
			if i != j {
				m.Set(i, j, math.Inf(1))
			}
		}
	}
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		err     error
	)
	size := r.o.base + len(pts)
	for range max(1, min(runtime.GOMAXPROCS(0), len(pts))) {
		wg.Go(func() {
			s := &rowSearch{dist: make([]float64, size)}
			for i := range s.dist {
				s.dist[i] = math.Inf(1)
			}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(pts) {
					return
				}
				maxS := bounds[i]
				if !(maxS >= 0) {
					continue
				}
				dist, e := r.o.row(ctx, s, i, maxS)
				if e != nil {
					errOnce.Do(func() { err = e })
					return
				}
				for j := range pts {
					if d := dist[r.o.base+j]; j != i && d <= maxS {
						m.Set(i, j, d)
					}
				}
			}
		})
	}
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("travel matrix: %w", err)
	}
	return m, nil
}
