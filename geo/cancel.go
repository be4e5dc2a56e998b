package geo

import "context"

// The analyses check their context every ctxCheckEvery cells or grid
// squares and every ctxCheckEvents events, so that a request whose client
// left or whose deadline passed frees its worker within microseconds.
const (
	ctxCheckEvery  = 256
	ctxCheckEvents = 512
)

// parallelRangeCtx is parallelRange whose workers call fn on chunks of at
// most ctxCheckEvents items and stop once ctx is done. It returns ctx's
// error, in which case some chunks were skipped.
func parallelRangeCtx(ctx context.Context, n int, fn func(lo, hi int)) error {
	parallelRange(n, func(lo, hi int) {
		for c := lo; c < hi; c += ctxCheckEvents {
			if ctx.Err() != nil {
				return
			}
			fn(c, min(c+ctxCheckEvents, hi))
		}
	})
	return ctx.Err()
}
