package geo

import (
	"errors"
	"testing"

	"github.com/paulmach/orb/maptile"
)

func TestParseTile(t *testing.T) {
	cases := []struct {
		name      string
		z, y, x   string
		want      maptile.Tile
		wantParam string
	}{
		{name: "root", z: "0", y: "0", x: "0", want: maptile.New(0, 0, 0)},
		{name: "row and column in order", z: "8", y: "99", x: "176", want: maptile.New(176, 99, 8)},
		{name: "deepest", z: "22", y: "4194303", x: "0", want: maptile.New(0, 4194303, 22)},
		{name: "zoom too deep", z: "23", y: "0", x: "0", wantParam: "z"},
		{name: "negative zoom", z: "-1", y: "0", x: "0", wantParam: "z"},
		{name: "zoom not a number", z: "a", y: "0", x: "0", wantParam: "z"},
		{name: "row outside the matrix", z: "2", y: "4", x: "0", wantParam: "y"},
		{name: "negative row", z: "2", y: "-1", x: "0", wantParam: "y"},
		{name: "column outside the matrix", z: "2", y: "0", x: "4", wantParam: "x"},
		{name: "column not a number", z: "2", y: "0", x: "1.5", wantParam: "x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTile(tc.z, tc.y, tc.x)
			if tc.wantParam != "" {
				var pe *ParamError
				if !errors.As(err, &pe) || pe.Param != tc.wantParam {
					t.Fatalf("ParseTile(%s/%s/%s) = %v, want an error naming %s", tc.z, tc.y, tc.x, err, tc.wantParam)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseTile(%s/%s/%s) = %v, %v, want %v", tc.z, tc.y, tc.x, got, err, tc.want)
			}
		})
	}
}
