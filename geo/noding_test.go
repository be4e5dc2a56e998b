package geo_test

import (
	"reflect"
	"testing"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
)

func TestNodeLines(t *testing.T) {
	// A runs west to east through a junction at (1,0) that B starts
	// from, and through (2,0) which C passes through without ending; D
	// is a loop that comes back to its own start; E repeats a point.
	a := orb.LineString{{0, 0}, {0.5, 0}, {1, 0}, {1.5, 0}, {2, 0}, {3, 0}}
	b := orb.LineString{{1, 0}, {1, 1}}
	c := orb.LineString{{2, -1}, {2, 0}, {2, 1}}
	d := orb.LineString{{3, 0}, {4, 0}, {4, 1}, {3, 0}}
	e := orb.LineString{{5, 5}, {5, 5}}
	nd := geo.NodeLines([]orb.LineString{a, b, c, d, e})
	want := []geo.Piece{
		{Line: 0, First: 0, Last: 2, From: 0, To: 1},
		{Line: 0, First: 2, Last: 4, From: 1, To: 2},
		{Line: 0, First: 4, Last: 5, From: 2, To: 3},
		{Line: 1, First: 0, Last: 1, From: 1, To: 4},
		{Line: 2, First: 0, Last: 1, From: 5, To: 2},
		{Line: 2, First: 1, Last: 2, From: 2, To: 6},
		{Line: 3, First: 0, Last: 3, From: 3, To: 3},
	}
	if !reflect.DeepEqual(nd.Pieces, want) {
		t.Errorf("pieces\n got %+v\nwant %+v", nd.Pieces, want)
	}
	wantV := []orb.Point{{0, 0}, {1, 0}, {2, 0}, {3, 0}, {1, 1}, {2, -1}, {2, 1}, {5, 5}}
	if !reflect.DeepEqual(nd.Vertices, wantV) {
		t.Errorf("vertices\n got %v\nwant %v", nd.Vertices, wantV)
	}
}
