package geo

import "math"

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
