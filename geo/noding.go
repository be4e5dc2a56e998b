package geo

import "github.com/paulmach/orb"

// Piece is one edge of a noded line network: the part of line Line from
// vertex index First to Last (First < Last), between graph vertices From
// and To.
type Piece struct {
	Line        int
	First, Last int
	From, To    int
}

// Noding is a line network cut into a graph: Vertices are the graph
// vertices' positions and Pieces the edges, in the order of the lines and
// along each line.
type Noding struct {
	Vertices []orb.Point
	Pieces   []Piece
}

// NodeLines cuts lines that run through junctions into graph edges, as
// road files give them (OpenStreetMap ways, merged GeoJSON lines): a
// junction is a position that two lines share, or that one line visits
// twice, and every line end is a vertex too. Positions must be equal to
// meet; nothing is snapped. A piece whose two ends are the same vertex and
// that has no point between them (a repeated point) is dropped. Vertices
// are numbered in the order the lines first reach them.
func NodeLines(lines []orb.LineString) Noding {
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	// uses counts, per position, its occurrences, with line ends counted
	// twice so that they always become vertices.
	uses := make(map[orb.Point]int32, total)
	for _, l := range lines {
		for i, p := range l {
			uses[p]++
			if i == 0 || i == len(l)-1 {
				uses[p]++
			}
		}
	}
	id := make(map[orb.Point]int, total/8)
	var nd Noding
	vertex := func(p orb.Point) int {
		if v, ok := id[p]; ok {
			return v
		}
		v := len(nd.Vertices)
		id[p] = v
		nd.Vertices = append(nd.Vertices, p)
		return v
	}
	for li, l := range lines {
		if len(l) < 2 {
			continue
		}
		start := 0
		from := vertex(l[0])
		for j := 1; j < len(l); j++ {
			if j < len(l)-1 && uses[l[j]] < 2 {
				continue
			}
			to := vertex(l[j])
			if !(from == to && j-start < 2) {
				nd.Pieces = append(nd.Pieces, Piece{Line: li, First: start, Last: j, From: from, To: to})
			}
			start, from = j, to
		}
	}
	return nd
}
