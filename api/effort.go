package api

import (
	"encoding/csv"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// effortParams are the query parameters of GET /api/effort.
var effortParams = []string{"from", "to", "cell_m", "agency", "team", "f"}

// effortQuery is a parsed GET /api/effort.
type effortQuery struct {
	filter data.EffortFilter
	cellM  float64
	csv    bool
}

// parseEffortQuery reads the period (from, to as the report reads them;
// default the 30 days before now), cell_m (as the hot spots), agency, team
// and f (json, geojson or csv).
func parseEffortQuery(r *http.Request, now time.Time) (effortQuery, error) {
	q := r.URL.Query()
	if err := checkParams(q, effortParams...); err != nil {
		return effortQuery{}, err
	}
	p, err := data.ParsePeriod("from", q.Get("from"), "to", q.Get("to"), true)
	if err != nil {
		return effortQuery{}, err
	}
	if p.IsZero() {
		p = data.Period{Start: now.AddDate(0, 0, -30), End: now}
	}
	eq := effortQuery{filter: data.EffortFilter{From: p.Start, To: p.End, Agency: q.Get("agency")}}
	if eq.cellM, err = geo.ParseCellM("cell_m", q.Get("cell_m")); err != nil {
		return effortQuery{}, err
	}
	if s := q.Get("team"); s != "" {
		if eq.filter.TeamID, err = strconv.Atoi(s); err != nil || eq.filter.TeamID < 1 {
			return effortQuery{}, newBadRequest("team", "must be a team id (a positive integer)")
		}
	}
	switch q.Get("f") {
	case "", "json", "geojson":
	case "csv":
		eq.csv = true
	default:
		return effortQuery{}, newBadRequest("f", "must be json, geojson or csv")
	}
	return eq, nil
}

// handleEffort serves GET /api/effort: the patrol effort per hexagonal
// cell of the hot spots' grid (cell_m) over a period, from the tracks the
// caller sees in full (positions' sharing rules): kilometres driven and
// hours present in each cell (geo.EffortByCell: each segment between
// consecutive fixes at most data.EffortMaxGap apart, clipped to the cells
// in the LAEA plane, its hours shared as its length), and the teams whose
// tracks touched it. GeoJSON cells with q, r, x_m, y_m as the hot spots
// have them, or CSV with f=csv (audited as an export).
func handleEffort(logger *slog.Logger, store *data.Store) http.Handler {
	rings := newRingCache(1 << 16)
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		eq, err := parseEffortQuery(r, time.Now().UTC())
		if err != nil {
			return err
		}
		segs, err := store.TrackSegments(r.Context(), eq.filter)
		if err != nil {
			return err
		}
		grid, err := geo.NewHexGrid(eq.cellM)
		if err != nil {
			return err
		}
		cells, err := geo.EffortByCell(r.Context(), grid, segs)
		if err != nil {
			return err
		}
		if eq.csv {
			return writeEffortCSV(w, r, store, cells)
		}
		w.Header().Set("Content-Type", mediaGeoJSON)
		w.WriteHeader(http.StatusOK)
		_, err = w.Write(appendEffort(make([]byte, 0, 512+len(cells)*400), rings, eq, len(segs), cells))
		return err
	})
}

// appendEffort encodes the cells as a FeatureCollection whose members
// state the parameters, the projection and how the figures are measured.
func appendEffort(b []byte, rings *ringCache, eq effortQuery, segments int, cells []geo.CellEffort) []byte {
	grid := geo.HexGrid{CellM: eq.cellM}
	b = append(b, `{"type":"FeatureCollection","parameters":{"from":`...)
	b = appendJSONString(b, eq.filter.From.UTC().Format(time.RFC3339))
	b = append(b, `,"to":`...)
	b = appendJSONString(b, eq.filter.To.UTC().Format(time.RFC3339))
	b = append(b, `,"cell_m":`...)
	b = appendFloat(b, eq.cellM)
	if eq.filter.Agency != "" {
		b = append(b, `,"agency":`...)
		b = appendJSONString(b, eq.filter.Agency)
	}
	if eq.filter.TeamID != 0 {
		b = append(b, `,"team":`...)
		b = strconv.AppendInt(b, int64(eq.filter.TeamID), 10)
	}
	b = append(b, `},"projection":`...)
	b = appendJSONString(b, geo.LAEAProj4)
	b = append(b, `,"max_gap_min":`...)
	b = appendFloat(b, data.EffortMaxGap.Minutes())
	b = append(b, `,"definitions":{"km":"length of the tracks inside the cell, measured in the projection's plane (straight lines between consecutive fixes at most max_gap_min apart)","hours":"time between those fixes, shared among the cells as the length","teams":"distinct teams whose track touched the cell"}`...)
	b = append(b, `,"segments":`...)
	b = strconv.AppendInt(b, int64(segments), 10)
	b = append(b, `,"number_returned":`...)
	b = strconv.AppendInt(b, int64(len(cells)), 10)
	b = append(b, `,"features":[`...)
	for i, c := range cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCellHead(b, rings, eq.cellM, c.Hex, grid.LonLatRing(c.Hex), c.XM, c.YM)
		b = append(b, `,"km":`...)
		b = appendFloat(b, round3(c.KM))
		b = append(b, `,"hours":`...)
		b = appendFloat(b, round3(c.Hours))
		b = append(b, `,"teams":`...)
		b = strconv.AppendInt(b, int64(c.Teams), 10)
		b = append(b, `}}`...)
	}
	return append(b, `]}`...)
}

// writeEffortCSV audits the export and writes one row per cell: q, r,
// x_m, y_m, the centre's lon and lat, km, hours and teams.
func writeEffortCSV(w http.ResponseWriter, r *http.Request, store *data.Store, cells []geo.CellEffort) error {
	if err := store.Audit(r.Context(), "effort.export", r.URL.Path, map[string]any{"query": r.URL.RawQuery, "format": "csv"}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="effort.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"q", "r", "x_m", "y_m", "lon", "lat", "km", "hours", "teams"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, c := range cells {
		lon, lat := geo.UnprojectXY(c.XM, c.YM)
		_ = cw.Write([]string{strconv.Itoa(int(c.Hex.Q)), strconv.Itoa(int(c.Hex.R)), f(c.XM), f(c.YM),
			f(math.Round(lon*1e6) / 1e6), f(math.Round(lat*1e6) / 1e6), f(round3(c.KM)), f(round3(c.Hours)), strconv.Itoa(c.Teams)})
	}
	cw.Flush()
	return cw.Error()
}
