package data

import (
	"context"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/borderwatch/borderwatch/cql2"
	"github.com/borderwatch/borderwatch/geo"
)

// EventTile returns the events tile t (see EventDetailZoom) of the events
// matching q that the caller with visibility vis sees. A clustered tile is
// binned from the live index (geo.Index.TileCells: the same events, cells
// and sums as the SQL of Store.EventTile, with the viewer's coarsened
// points and the filters' in-memory evaluation); a detailed tile, which
// holds at most MaxTileEvents events, is read from the events view. The
// database answers whole when the index cannot: it is not ready, or q
// names what the index does not hold (synthetic, in a parameter or a CQL2
// filter) or an agency it does not know.
func (l *Live) EventTile(ctx context.Context, vis *geo.Visibility, t maptile.Tile, q EventQuery) ([]byte, error) {
	f, ok, err := l.tileFilter(vis, &q)
	if err != nil {
		return nil, err
	}
	if !ok {
		return l.store.EventTile(ctx, t, q)
	}
	cells, n, err := l.ix.TileCells(t, EventClusterGrid, f)
	if err != nil {
		return nil, err
	}
	if t.Z >= EventDetailZoom && n <= MaxTileEvents {
		if n == 0 {
			return nil, nil
		}
		var b sqlBuilder
		env, where, err := eventTileWhere(&b, t, &q)
		if err != nil {
			return nil, err
		}
		return l.store.eventTileDetail(ctx, t, env, where, b.args)
	}
	return clusterTile(t, cells)
}

// tileFilter is q as a filter of the index for the viewer vis; ok is
// false when the index cannot evaluate q. Invalid values fail as the
// events view's query does.
func (l *Live) tileFilter(vis *geo.Visibility, q *EventQuery) (f geo.Filter, ok bool, err error) {
	if fe := eventFilterErrors(q); fe.Err() != nil {
		return f, false, fe.Err()
	}
	if !l.Ready() || q.Synthetic != nil {
		return f, false, nil
	}
	if q.Where != nil {
		for _, n := range cql2.Properties(q.Where) {
			if _, ok := geo.IndexQueryables[n]; !ok {
				return f, false, nil
			}
		}
		f.Where = q.Where
		l.agMu.RLock()
		f.WhereAgencies = append([]string(nil), l.agencies...)
		l.agMu.RUnlock()
	}
	f.Visibility = vis
	f.Time = q.Interval
	for _, s := range q.Kinds {
		k, _ := geo.ParseKind(s)
		f.Kinds = append(f.Kinds, k)
	}
	for _, s := range q.Drugs {
		d, _ := geo.ParseDrug(s)
		f.Drugs = append(f.Drugs, d)
	}
	for _, s := range q.Categories {
		c, _ := geo.ParseCategory(s)
		f.Categories = append(f.Categories, c)
	}
	if len(q.Agencies) > 0 {
		if f.Agencies, err = l.AgencyIndex(q.Agencies); err != nil {
			return f, false, nil // an agency the index does not know
		}
	}
	return f, true, nil
}

// clusterTile encodes the cells of tile t as the events layer of a Mapbox
// Vector Tile: one point per cell at its mean position (in tile units,
// rounded, as ST_AsMVTGeom snaps), with count, seizures and total_kg
// (rounded to 0.1 kg). No cells is an empty tile.
func clusterTile(t maptile.Tile, cells []geo.TileCell) ([]byte, error) {
	if len(cells) == 0 {
		return nil, nil
	}
	size := 2 * mercatorMax / math.Exp2(float64(t.Z))
	left, top := -mercatorMax+float64(t.X)*size, mercatorMax-float64(t.Y)*size
	scale := tileExtent / size
	fc := geojson.NewFeatureCollection()
	fc.Features = make([]*geojson.Feature, len(cells))
	for i, c := range cells {
		p := orb.Point{math.Round((c.X - left) * scale), math.Round((top - c.Y) * scale)}
		f := geojson.NewFeature(p)
		f.Properties = geojson.Properties{"count": int64(c.Count), "seizures": int64(c.Seizures),
			"total_kg": math.Round(c.KG*10) / 10}
		fc.Features[i] = f
	}
	layer := &mvt.Layer{Name: "events", Version: 2, Extent: tileExtent, Features: fc.Features}
	return mvt.Marshal(mvt.Layers{layer})
}
