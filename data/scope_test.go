package data_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// TestScopeUsesGivenVisibility: an analysis is computed with the
// visibility its answer is cached under, so Scope must use the one it is
// given rather than look it up again, and look it up only when given none.
func TestScopeUsesGivenVisibility(t *testing.T) {
	live := data.NewLive(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	data.SetKnownAgencies(live, "tj-dca", "af-border")
	ctx := context.Background() // no principal: a lookup would fail
	vis := &geo.Visibility{Agency: 7}
	box := orb.Bound{Min: orb.Point{68, 37}, Max: orb.Point{70, 38}}

	sc, err := live.Scope(ctx, vis, geo.CommonParams{BBox: &box, Agencies: []string{"tj-dca", "af-border"}})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Visibility != vis {
		t.Errorf("Visibility %+v, want the one given %+v", sc.Visibility, vis)
	}
	if sc.Area.BBox == nil || *sc.Area.BBox != box || sc.Area.Lines != nil || sc.Area.Polygon != nil {
		t.Errorf("Area %+v, want the bbox %v", sc.Area, box)
	}
	again, err := live.AgencyIndex([]string{"tj-dca", "af-border"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Agencies) != 2 || !slices.Equal(sc.Agencies, again) {
		t.Errorf("Agencies %v, want %v", sc.Agencies, again)
	}
	var f geo.Filter
	sc.Restrict(&f)
	if f.Visibility != vis || !slices.Equal(f.Agencies, sc.Agencies) {
		t.Errorf("Restrict gave %+v", f)
	}

	if _, err := live.Scope(ctx, vis, geo.CommonParams{BBox: &box, Agencies: []string{"nobody"}}); err == nil {
		t.Error("an agency that does not exist was numbered")
	}
	if _, err := live.Scope(ctx, nil, geo.CommonParams{BBox: &box}); !errors.Is(err, data.ErrUnauthenticated) {
		t.Errorf("without a visibility or a principal: %v, want ErrUnauthenticated", err)
	}
	if _, err := live.Scope(ctx, vis, geo.CommonParams{CorridorKM: geo.DefaultCorridorKM}); !errors.Is(err, data.ErrNoBorderLines) {
		t.Errorf("corridor without border lines: %v, want ErrNoBorderLines", err)
	}
}
