package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// riskParams are the query parameters of the sector risk endpoints.
var riskParams = []string{"from", "to", "compare_from", "compare_to", "pair", "agency", "set", "weights", "cell_m", "radius_m", "f"}

// parseRiskQuery reads a data.RiskQuery from the query string. Every
// offending parameter is named in the returned error.
func parseRiskQuery(q url.Values) (data.RiskQuery, error) {
	if err := checkParams(q, riskParams...); err != nil {
		return data.RiskQuery{}, err
	}
	var bad []invalidParam
	add := func(err error) {
		if err == nil {
			return
		}
		if ve, ok := err.(*record.ValidationError); ok {
			for _, f := range ve.Fields {
				bad = append(bad, invalidParam{Name: paramName(f.Field), Reason: f.Reason})
			}
			return
		}
		if pe, ok := err.(*geo.ParamError); ok {
			bad = append(bad, invalidParam{Name: pe.Param, Reason: pe.Reason})
			return
		}
		bad = append(bad, invalidParam{Name: "query", Reason: err.Error()})
	}
	rq := data.RiskQuery{Set: q.Get("set"), Pair: q.Get("pair"), Agency: q.Get("agency")}
	var err error
	rq.Period, err = data.ParsePeriod("from", q.Get("from"), "to", q.Get("to"), false)
	add(err)
	rq.Compare, err = data.ParsePeriod("compare_from", q.Get("compare_from"), "compare_to", q.Get("compare_to"), true)
	add(err)
	rq.Weights, err = geo.ParseRiskWeights("weights", q.Get("weights"))
	add(err)
	for _, p := range []struct {
		name string
		dst  *float64
	}{{"cell_m", &rq.CellM}, {"radius_m", &rq.RadiusM}} {
		if s := q.Get(p.name); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
				bad = append(bad, invalidParam{Name: p.name, Reason: "must be a positive number of metres"})
				continue
			}
			*p.dst = v
		}
	}
	if f := q.Get("f"); f != "" && f != "json" && f != "geojson" && f != "csv" {
		bad = append(bad, invalidParam{Name: "f", Reason: "must be json, geojson or csv"})
	}
	if len(bad) > 0 {
		return data.RiskQuery{}, &badRequest{status: http.StatusBadRequest, title: "Invalid request", params: bad}
	}
	return rq, nil
}

// num returns v, or nil for NaN and infinities (JSON has no such numbers).
func num(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// round3 rounds to three decimals for display.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// riskColumn is one property of a sector's risk, shared by the GeoJSON
// properties and the CSV columns.
type riskColumn struct {
	name  string
	value func(r *data.SectorRisk) any
}

func changeColumns(prefix string, get func(r *data.SectorRisk) geo.RateChange) []riskColumn {
	return []riskColumn{
		{prefix + "_before", func(r *data.SectorRisk) any { return get(r).Before }},
		{prefix + "_rate_ratio", func(r *data.SectorRisk) any { return num(round3(get(r).RateRatio)) }},
		{prefix + "_p", func(r *data.SectorRisk) any { return get(r).P }},
		{prefix + "_change", func(r *data.SectorRisk) any { return get(r).Direction }},
	}
}

// sectionIndex is the number of a generated sector's section along its
// border (1, 2, …), as its name states it; nil for an imported sector.
func sectionIndex(s record.Sector) any {
	if s.SectionIndex < 1 {
		return nil
	}
	return s.SectionIndex
}

// riskCols lists the properties of a sector in the risk responses.
var riskCols = riskColumns()

// riskColumns builds riskCols.
func riskColumns() []riskColumn {
	cols := []riskColumn{
		{"id", func(r *data.SectorRisk) any { return r.Sector.ID }},
		{"name", func(r *data.SectorRisk) any { return r.Sector.Name }},
		{"border", func(r *data.SectorRisk) any { return r.Sector.BorderID }},
		{"section", func(r *data.SectorRisk) any { return r.Sector.SectionID }},
		{"side", func(r *data.SectorRisk) any { return r.Sector.Side }},
		{"section_index", func(r *data.SectorRisk) any { return sectionIndex(r.Sector) }},
		{"agency", func(r *data.SectorRisk) any { return r.Sector.AgencyID }},
		{"border_km", func(r *data.SectorRisk) any { return round3(r.Sector.BorderKM) }},
		{"area_km2", func(r *data.SectorRisk) any { return math.Round(r.Sector.AreaKM2*10) / 10 }},
		{"score", func(r *data.SectorRisk) any { return math.Round(r.Score*100) / 100 }},
		{"rank", func(r *data.SectorRisk) any { return r.Rank }},
		{"rank_set", func(r *data.SectorRisk) any { return r.RankSet }},
		{"rank_pair", func(r *data.SectorRisk) any { return r.RankPair }},
		{"rank_agency", func(r *data.SectorRisk) any { return r.RankAgency }},
		{"seizures", func(r *data.SectorRisk) any { return r.Seizures }},
		{"incidents", func(r *data.SectorRisk) any { return r.Incidents }},
		{"events", func(r *data.SectorRisk) any { return r.Events() }},
		{"severity_weighted_incidents", func(r *data.SectorRisk) any { return r.SeverityWeighted }},
		{"total_kg", func(r *data.SectorRisk) any { return round3(r.TotalKG) }},
	}
	for _, d := range record.Drugs() {
		cols = append(cols, riskColumn{"kg_" + d, func(r *data.SectorRisk) any { return round3(r.KG[d]) }})
	}
	cols = append(cols,
		riskColumn{"litres_precursors", func(r *data.SectorRisk) any { return round3(r.Litres["precursors"]) }},
		riskColumn{"events_per_100km", func(r *data.SectorRisk) any { return num(round3(r.EventsPer100KM)) }},
		riskColumn{"patrol_km", func(r *data.SectorRisk) any { return round3(r.PatrolKM) }},
		riskColumn{"patrol_hours", func(r *data.SectorRisk) any { return round3(r.PatrolHours) }},
		riskColumn{"seizures_per_100_patrol_km", func(r *data.SectorRisk) any { return num(round3(r.SeizuresPer100PatrolKM)) }},
		riskColumn{"incidents_per_100_patrol_km", func(r *data.SectorRisk) any { return num(round3(r.IncidentsPer100PatrolKM)) }},
		riskColumn{"hot_cells", func(r *data.SectorRisk) any { return r.HotCells }},
		riskColumn{"cells", func(r *data.SectorRisk) any { return r.Cells }},
		riskColumn{"hot_share", func(r *data.SectorRisk) any { return num(round3(r.HotShare)) }},
		riskColumn{"trend", func(r *data.SectorRisk) any { return r.TrendDirection }},
		riskColumn{"trend_tau", func(r *data.SectorRisk) any { return round3(r.Trend.Tau) }},
		riskColumn{"trend_z", func(r *data.SectorRisk) any { return round3(r.Trend.Z) }},
		riskColumn{"trend_p", func(r *data.SectorRisk) any { return r.Trend.P }},
	)
	cols = append(cols, changeColumns("events", func(r *data.SectorRisk) geo.RateChange { return r.Change })...)
	cols = append(cols, changeColumns("seizures", func(r *data.SectorRisk) geo.RateChange { return r.ChangeSeizures })...)
	cols = append(cols, changeColumns("incidents", func(r *data.SectorRisk) geo.RateChange { return r.ChangeIncidents })...)
	return cols
}

// riskMeta is the description of a risk result that every response carries.
func riskMeta(res *data.RiskResult) map[string]any {
	months := make([]string, len(res.Months))
	for i, m := range res.Months {
		months[i] = m.Format("2006-01")
	}
	q := res.Query
	return map[string]any{
		"set":            q.Set,
		"period":         map[string]string{"start": q.Period.Start.Format(time.RFC3339), "end": q.Period.End.Format(time.RFC3339)},
		"compare_period": map[string]string{"start": q.Compare.Start.Format(time.RFC3339), "end": q.Compare.End.Format(time.RFC3339)},
		"months":         months,
		"score": map[string]any{
			"formula": res.Formula,
			"weights": q.Weights,
			"maxima":  res.Maxima,
		},
		"change_test": "two-sided exact conditional test of two Poisson rates (binomial, minimum-likelihood p-value as R's poisson.test); change is increase/decrease when p < 0.05",
		"trend_test":  "Mann–Kendall over the monthly event rates of the period; increasing/decreasing when p ≤ 0.10",
		"hotspots": map[string]any{
			"method": "gistar", "value": "count", "cell_m": q.CellM, "radius_m": q.RadiusM,
			"n_cells": res.NCells, "mean": res.GiMean, "std": res.GiStd, "hot": "gi_bin ≥ 1 (FDR)",
		},
		"sectors_in_set": res.SetSectors,
	}
}

func riskFeatures(res *data.RiskResult) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	cols := riskCols
	for i := range res.Sectors {
		r := &res.Sectors[i]
		f := geojson.NewFeature(r.Sector.Geometry)
		f.ID = r.Sector.ID
		for _, c := range cols {
			f.Properties[c.name] = c.value(r)
		}
		monthly := make([]float64, len(r.Monthly))
		for j, v := range r.Monthly {
			monthly[j] = math.Round(v*1e6) / 1e6
		}
		f.Properties["monthly_events_per_day"] = monthly
		fc.Append(f)
	}
	fc.ExtraMembers = geojson.Properties(riskMeta(res))
	fc.ExtraMembers["numberReturned"] = len(fc.Features)
	return fc
}

// writeRiskCSV audits the export of r and writes one row per sector with
// the columns of riskCols.
func writeRiskCSV(w http.ResponseWriter, r *http.Request, store *data.Store, res *data.RiskResult, filename string) error {
	if err := store.Audit(r.Context(), "sectors.export", r.URL.Path, map[string]any{"query": r.URL.RawQuery, "format": "csv"}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	cw := csv.NewWriter(w)
	cols := riskCols
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = c.name
	}
	_ = cw.Write(head)
	for i := range res.Sectors {
		row := make([]string, len(cols))
		for j, c := range cols {
			switch v := c.value(&res.Sectors[i]).(type) {
			case nil:
				row[j] = ""
			case float64:
				row[j] = strconv.FormatFloat(v, 'g', -1, 64)
			default:
				row[j] = fmt.Sprint(v)
			}
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	return nil
}

// handleSectorRisk serves GET /api/sectors/risk: the risk index of every
// sector of a set for a period, compared with another period, as GeoJSON
// (sector polygons with their metrics, score, ranks and changes; the
// collection carries the score formula and weights) or, with f=csv, as CSV.
func handleSectorRisk(logger *slog.Logger, store *data.Store, live *data.Live, cache *responseCache) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		rq, err := parseRiskQuery(r.URL.Query())
		if err != nil {
			return err
		}
		if r.URL.Query().Get("f") == "csv" {
			res, err := store.SectorRisk(r.Context(), rq)
			if err != nil {
				return err
			}
			return writeRiskCSV(w, r, store, &res, "sector-risk.csv")
		}
		// The risk of every sector is recomputed only when the events the
		// caller may see have changed (the live index's version). It needs
		// no scope from the live index: its area is the sector set, and it
		// reads the events view as the caller, which applies the caller's
		// visibility in the database.
		return serveAnalysis(w, r, live, cache, "sectors/risk", func(ctx context.Context, vis *geo.Visibility) ([]byte, uint64, error) {
			version := live.VisibleVersion(vis)
			res, err := store.SectorRisk(ctx, rq)
			if err != nil {
				return nil, 0, err
			}
			b, err := json.Marshal(riskFeatures(&res))
			return b, version, err
		})
	})
}

// handleSectorSection serves GET /api/sectors/sections/{section}: the two
// sides of one border section side by side, with the same metrics as
// /api/sectors/risk, and an exact test of whether the two sides recorded
// events at the same rate (both watch the same line over the same period,
// so under equal rates each event falls on either side with probability
// 1/2).
func handleSectorSection(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		rq, err := parseRiskQuery(q)
		if err != nil {
			return err
		}
		rq.Section = chi.URLParam(r, "section")
		res, err := store.SectorRisk(r.Context(), rq)
		if err != nil {
			var ve *record.ValidationError
			if errors.As(err, &ve) && len(ve.Fields) == 1 && ve.Fields[0].Field == "section" {
				err = data.ErrNotFound
			}
			return err
		}
		if len(res.Sectors) == 0 {
			return data.ErrNotFound
		}
		if q.Get("f") == "csv" {
			return writeRiskCSV(w, r, store, &res, rq.Section+".csv")
		}
		fc := riskFeatures(&res)
		sides := make([]string, len(res.Sectors))
		cmp := map[string]map[string]any{}
		cols := riskCols
		for i := range res.Sectors {
			s := &res.Sectors[i]
			sides[i] = s.Sector.Side
			for _, c := range cols {
				if cmp[c.name] == nil {
					cmp[c.name] = map[string]any{}
				}
				cmp[c.name][s.Sector.Side] = c.value(s)
			}
		}
		section := map[string]any{"id": rq.Section, "border": res.Sectors[0].Sector.BorderID, "sides": sides, "metrics": cmp}
		if len(res.Sectors) == 2 {
			a, b := &res.Sectors[0], &res.Sectors[1]
			t := geo.NewRateChange(a.Events(), 1, b.Events(), 1)
			section["sides_test"] = map[string]any{
				"test":       "exact conditional test of equal event rates on both sides (binomial, π = 1/2)",
				"first":      a.Sector.Side,
				"second":     b.Sector.Side,
				"rate_ratio": num(round3(t.RateRatio)),
				"p":          t.P,
				"different":  t.P < geo.ChangeAlpha,
			}
		}
		fc.ExtraMembers["section"] = section
		return encode(w, http.StatusOK, mediaGeoJSON, fc)
	})
}
