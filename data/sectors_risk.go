package data

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// Defaults of the sector hotspot analysis: the Gi* grid spacing and
// distance band of the hotspot engine's corridor benchmark.
const (
	DefaultRiskCellM   = 5000
	DefaultRiskRadiusM = 12000
	// maxRiskCells bounds the hexagons of one risk analysis.
	maxRiskCells = 400_000
	// ChangeAlpha is the significance level of the period change test.
	ChangeAlpha = 0.05
)

// RiskWeights are the weights of the composite score's components. They
// need not sum to 1; the score divides by their sum.
type RiskWeights struct {
	Seizures  float64 `json:"seizures"`
	KG        float64 `json:"kg"`
	Incidents float64 `json:"incidents"`
	Hotspots  float64 `json:"hotspots"`
	Trend     float64 `json:"trend"`
}

// DefaultRiskWeights returns the default weights: seizures 0.3, kg 0.2,
// severity-weighted incidents 0.3, hot-spot share 0.1, trend 0.1.
func DefaultRiskWeights() RiskWeights {
	return RiskWeights{Seizures: 0.3, KG: 0.2, Incidents: 0.3, Hotspots: 0.1, Trend: 0.1}
}

func (w RiskWeights) sum() float64 { return w.Seizures + w.KG + w.Incidents + w.Hotspots + w.Trend }

// RiskFormula documents the composite score; responses carry it.
const RiskFormula = "score = 100 · Σ_k w_k · x_k(s) / max_t x_k(t) / Σ_k w_k, " +
	"k ∈ {seizures: number of seizures; kg: kilograms seized; incidents: sum of incident severities (1–5); " +
	"hotspots: share of the sector's hexagons that are Gi* hot spots (gi_bin ≥ 1, FDR-corrected, ≥ 90 % confidence); " +
	"trend: max(0, Kendall's τ of the monthly event rate)}; t runs over every sector of the set; " +
	"a component whose maximum is 0 adds 0. Ranks: 1 = highest score, equal scores share a rank."

// ParseRiskWeights parses "seizures:0.3,kg:0.2,incidents:0.3,hotspots:0.1,
// trend:0.1". Components not named keep their default weight. Weights
// must be finite and non-negative with a positive sum; errors name the
// parameter param.
func ParseRiskWeights(param, s string) (RiskWeights, error) {
	w := DefaultRiskWeights()
	if strings.TrimSpace(s) == "" {
		return w, nil
	}
	bad := func(reason string) (RiskWeights, error) {
		return RiskWeights{}, &record.ValidationError{Fields: []record.FieldError{{Field: param, Reason: reason}}}
	}
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return bad(fmt.Sprintf("%q is not name:weight", part))
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) || v > 1e6 {
			return bad(fmt.Sprintf("weight of %q must be a non-negative number", name))
		}
		switch strings.TrimSpace(name) {
		case "seizures":
			w.Seizures = v
		case "kg":
			w.KG = v
		case "incidents":
			w.Incidents = v
		case "hotspots":
			w.Hotspots = v
		case "trend":
			w.Trend = v
		default:
			return bad(fmt.Sprintf("unknown component %q; use seizures, kg, incidents, hotspots or trend", name))
		}
	}
	if !(w.sum() > 0) {
		return bad("the weights must not all be 0")
	}
	return w, nil
}

// RiskQuery asks for the risk index of the sectors of one set.
type RiskQuery struct {
	// Set is the sector set; empty means SetGenerated.
	Set string
	// Period is the period analysed (required).
	Period Period
	// Compare is the comparison period; zero means Period.Preceding().
	Compare Period
	// Pair keeps the sectors of one border pair in the result; ranks and
	// the score's maxima are still over the whole set.
	Pair string
	// Agency keeps the sectors of one owning agency (as Pair).
	Agency string
	// Section keeps the two sides of one section (as Pair).
	Section string
	Weights RiskWeights
	// CellM and RadiusM are the Gi* grid spacing and distance band (0:
	// DefaultRiskCellM, DefaultRiskRadiusM).
	CellM   float64
	RadiusM float64
}

// RateChange compares an event count with the count of a reference period
// or place by the exact conditional test for two Poisson rates.
type RateChange struct {
	// Now and Before are the two counts; NowDays and BeforeDays their
	// exposures (period lengths in days).
	Now, Before         int
	NowDays, BeforeDays float64
	// RateRatio is (Now/NowDays)/(Before/BeforeDays); NaN when Before is 0.
	RateRatio float64
	// P is the two-sided p-value of PoissonRateTest.
	P float64
	// Direction is "increase" or "decrease" when P < ChangeAlpha, else
	// "none".
	Direction string
}

// PoissonRateTest tests whether two Poisson counts k1 (exposure t1) and k0
// (exposure t0) have the same rate. Conditional on n = k1 + k0, k1 is
// Binomial(n, π) with π = t1 / (t1 + t0) under equal rates
// (Przyborowski & Wilenski 1940; the C-test of Krishnamoorthy & Thomson
// 2004, J. Stat. Plan. Inference 119:23–35). The two-sided p-value is the
// exact binomial test's minimum-likelihood p-value, as R's poisson.test and
// binom.test compute it:
//
//	p = Σ_{i=0..n, f(i) ≤ f(k1)·(1+10⁻⁷)} f(i),   f(i) = C(n,i) π^i (1−π)^(n−i)
//
// It returns 1 when n = 0 or k1 equals its expectation nπ.
func PoissonRateTest(k1 int, t1 float64, k0 int, t0 float64) float64 {
	n := k1 + k0
	if n == 0 || !(t1 > 0) || !(t0 > 0) {
		return 1
	}
	pi := t1 / (t1 + t0)
	if float64(k1) == float64(n)*pi {
		return 1
	}
	logf := func(i int) float64 {
		lg := func(x int) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
		return lg(n) - lg(i) - lg(n-i) + float64(i)*math.Log(pi) + float64(n-i)*math.Log1p(-pi)
	}
	d := logf(k1) + math.Log1p(1e-7)
	var p float64
	for i := 0; i <= n; i++ {
		if l := logf(i); l <= d {
			p += math.Exp(l)
		}
	}
	return math.Min(1, p)
}

// NewRateChange compares count now (over nowDays) with before (over
// beforeDays) with PoissonRateTest.
func NewRateChange(now int, nowDays float64, before int, beforeDays float64) RateChange {
	c := RateChange{Now: now, Before: before, NowDays: nowDays, BeforeDays: beforeDays, RateRatio: math.NaN(), Direction: "none"}
	if before > 0 && nowDays > 0 && beforeDays > 0 {
		c.RateRatio = (float64(now) / nowDays) / (float64(before) / beforeDays)
	}
	c.P = PoissonRateTest(now, nowDays, before, beforeDays)
	if c.P < ChangeAlpha {
		if float64(now)/nowDays > float64(before)/beforeDays {
			c.Direction = "increase"
		} else {
			c.Direction = "decrease"
		}
	}
	return c
}

// RiskComponents are the score's raw components of one sector or, in a
// RiskResult, their maxima over the set.
type RiskComponents struct {
	Seizures  float64 `json:"seizures"`
	KG        float64 `json:"kg"`
	Incidents float64 `json:"incidents"`
	Hotspots  float64 `json:"hotspots"`
	Trend     float64 `json:"trend"`
}

// SectorRisk is the risk index of one sector in one period.
type SectorRisk struct {
	Sector    record.Sector
	Seizures  int
	Incidents int
	// KG is the mass seized per drug (items in kg); TotalKG their sum.
	KG      map[string]float64
	TotalKG float64
	// Litres is the volume seized per drug (items in litres).
	Litres map[string]float64
	// SeverityWeighted is the sum of the incidents' severities.
	SeverityWeighted int
	// EventsPer100KM is (seizures + incidents) per 100 km of border; NaN
	// when the sector watches no border line.
	EventsPer100KM float64
	// Cells is the number of Gi* hexagons whose centres lie in the sector,
	// HotCells those with gi_bin ≥ 1; HotShare = HotCells / Cells (NaN
	// when Cells = 0).
	Cells, HotCells int
	HotShare        float64
	// Monthly is the event rate per day in each month of the period
	// (RiskResult.Months), over the days of the month inside the period.
	Monthly []float64
	// Trend is the Mann–Kendall test of Monthly; TrendDirection is
	// "increasing" or "decreasing" when Trend.P ≤ geo.TrendAlpha, else
	// "none".
	Trend          geo.MKResult
	TrendDirection string
	// Change compares the events (seizures + incidents), seizures and
	// incidents of the period with the comparison period.
	Change          RateChange
	ChangeSeizures  RateChange
	ChangeIncidents RateChange
	// Components are the raw score components; Score the composite score.
	Components RiskComponents
	Score      float64
	// Rank is the rank in the set, RankPair within the border pair,
	// RankAgency within the owning agency (0 when the sector has none).
	Rank, RankPair, RankAgency int
}

// Events returns seizures plus incidents.
func (r SectorRisk) Events() int { return r.Seizures + r.Incidents }

// RiskResult is the risk index of the sectors of one set.
type RiskResult struct {
	Query   RiskQuery
	Formula string
	// Maxima are the components' maxima over the set.
	Maxima RiskComponents
	// Months are the first days of the months of the period.
	Months []time.Time
	// NCells is the number of Gi* hexagons of the whole set, GiMean and
	// GiStd the mean and standard deviation of their event counts.
	NCells        int
	GiMean, GiStd float64
	// SetSectors is the number of sectors of the set; Sectors holds those
	// passing the Pair, Agency and Section filters, ordered by rank.
	SetSectors int
	Sectors    []SectorRisk
}

const (
	// $1 set, $2/$3 period, $4/$5 comparison period.
	sqlRiskCounts = `SELECT s.id, (e.occurred_at >= $2 AND e.occurred_at < $3) AS cur,
  (e.occurred_at >= $4 AND e.occurred_at < $5) AS cmp,
  date_trunc('month', e.occurred_at AT TIME ZONE 'UTC') AS month, e.kind, count(*)::int, coalesce(sum(e.severity), 0)::int
FROM sectors s JOIN events e ON ST_Intersects(s.geom, e.geom)
WHERE s.sector_set = $1 AND ((e.occurred_at >= $2 AND e.occurred_at < $3) OR (e.occurred_at >= $4 AND e.occurred_at < $5))
GROUP BY 1, 2, 3, 4, 5`
	sqlRiskItems = `SELECT s.id, it ->> 'drug', it ->> 'unit', sum((it ->> 'quantity')::double precision)
FROM sectors s JOIN events e ON ST_Intersects(s.geom, e.geom), jsonb_array_elements(e.items) it
WHERE s.sector_set = $1 AND e.kind = 'seizure' AND e.occurred_at >= $2 AND e.occurred_at < $3
GROUP BY 1, 2, 3`
	sqlRiskPoints = `SELECT ST_X(e.geom), ST_Y(e.geom) FROM events e
WHERE e.occurred_at >= $2 AND e.occurred_at < $3
  AND e.geom && (SELECT ST_Extent(geom)::geometry FROM sectors WHERE sector_set = $1)`
	sqlBorderExists = `SELECT EXISTS (SELECT 1 FROM borders WHERE id = $1)`
	sqlAgencyExists = `SELECT EXISTS (SELECT 1 FROM agencies WHERE id = $1)`
	sqlSectionInSet = `SELECT EXISTS (SELECT 1 FROM sectors WHERE sector_set = $1 AND section_id = $2)`
)

// normalize validates q and fills its defaults.
func (s *Store) normalizeRisk(ctx context.Context, q *RiskQuery) error {
	var fe record.Fields
	if q.Set == "" {
		q.Set = SetGenerated
	}
	if !record.ValidSectorSet(q.Set) {
		fe.Add("set", "not a sector set name")
	}
	if q.Period.IsZero() {
		fe.Add("from", "required")
	} else if !q.Period.End.After(q.Period.Start) {
		fe.Add("to", "the period ends before it starts")
	}
	if q.Compare.IsZero() {
		q.Compare = q.Period.Preceding()
	} else if !q.Compare.End.After(q.Compare.Start) {
		fe.Add("compare_to", "the comparison period ends before it starts")
	}
	if q.Weights == (RiskWeights{}) {
		q.Weights = DefaultRiskWeights()
	}
	if q.CellM == 0 {
		q.CellM = DefaultRiskCellM
	}
	if q.RadiusM == 0 {
		q.RadiusM = DefaultRiskRadiusM
	}
	if !(q.CellM >= 500) || q.CellM > 100_000 {
		fe.Add("cell_m", "must be from 500 to 100000 metres")
	}
	if !(q.RadiusM >= q.CellM) || q.RadiusM > 20*q.CellM {
		fe.Add("radius_m", "must be at least cell_m and at most 20 × cell_m")
	}
	check := func(field, sql string, args ...any) error {
		var ok bool
		if err := s.pool.QueryRow(ctx, sql, args...).Scan(&ok); err != nil {
			return mapErr(err)
		}
		if !ok {
			fe.Add(field, "unknown %s %q", field, args[len(args)-1])
		}
		return nil
	}
	if q.Pair != "" {
		p, ok := record.NormalizePair(q.Pair)
		if !ok {
			fe.Add("pair", "must be a country pair such as AFG-TJK")
		} else {
			q.Pair = p
			if err := check("pair", sqlBorderExists, p); err != nil {
				return err
			}
		}
	}
	if q.Agency != "" {
		if err := check("agency", sqlAgencyExists, q.Agency); err != nil {
			return err
		}
	}
	if q.Section != "" {
		if err := check("section", sqlSectionInSet, q.Set, q.Section); err != nil {
			return err
		}
	}
	return fe.Err()
}

// SectorRisk computes the risk index of every sector of q.Set for
// q.Period and returns those passing q's filters, ordered by rank.
//
// Counts and kilograms are a spatial join of events and sectors
// (ST_Intersects, so an event on a shared edge counts for both sectors).
// The hot-spot share comes from one Getis–Ord Gi* analysis of the event
// counts of q.Period on the hexagons (geo.HexGrid, q.CellM) whose centres
// lie in any sector of the set, with binary weights within q.RadiusM
// (geo.GiStar) and Benjamini–Hochberg FDR bins (geo.FDRCutoffs, geo.BinOf),
// as the hotspot engine computes them for a polygon area. The trend is
// geo.MannKendall over the monthly event rates; changes use
// PoissonRateTest. Each component of the score (RiskFormula) is divided by
// its maximum over the whole set, so scores and ranks do not depend on the
// filters.
func (s *Store) SectorRisk(ctx context.Context, q RiskQuery) (RiskResult, error) {
	if err := s.normalizeRisk(ctx, &q); err != nil {
		return RiskResult{}, err
	}
	sectors, err := s.ListSectors(ctx, SectorQuery{Set: q.Set})
	if err != nil {
		return RiskResult{}, err
	}
	res := RiskResult{Query: q, Formula: RiskFormula, Months: q.Period.Months(), SetSectors: len(sectors)}
	risks := make([]SectorRisk, len(sectors))
	byID := make(map[string]*SectorRisk, len(sectors))
	monthIdx := make(map[time.Time]int, len(res.Months))
	for i, m := range res.Months {
		monthIdx[m] = i
	}
	type counts struct{ seizures, incidents int }
	before := make(map[string]*counts, len(sectors))
	for i := range sectors {
		risks[i] = SectorRisk{Sector: sectors[i], KG: map[string]float64{}, Litres: map[string]float64{},
			Monthly: make([]float64, len(res.Months))}
		byID[sectors[i].ID] = &risks[i]
		before[sectors[i].ID] = &counts{}
	}
	args := []any{q.Set, q.Period.Start, q.Period.End, q.Compare.Start, q.Compare.End}
	err = s.scanRows(ctx, sqlRiskCounts, args, func(row scanner) error {
		var (
			id            string
			cur, cmp      bool
			month         time.Time
			kind          string
			n, sumSeverty int
		)
		if err := row.Scan(&id, &cur, &cmp, &month, &kind, &n, &sumSeverty); err != nil {
			return err
		}
		r := byID[id]
		if r == nil {
			return nil
		}
		if cur {
			if kind == record.KindSeizure {
				r.Seizures += n
			} else {
				r.Incidents += n
				r.SeverityWeighted += sumSeverty
			}
			if i, ok := monthIdx[time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)]; ok {
				r.Monthly[i] += float64(n)
			}
		}
		if cmp {
			if kind == record.KindSeizure {
				before[id].seizures += n
			} else {
				before[id].incidents += n
			}
		}
		return nil
	})
	if err != nil {
		return RiskResult{}, fmt.Errorf("sector risk counts: %w", err)
	}
	err = s.scanRows(ctx, sqlRiskItems, args[:3], func(row scanner) error {
		var (
			id, drug, unit string
			qty            float64
		)
		if err := row.Scan(&id, &drug, &unit, &qty); err != nil {
			return err
		}
		if r := byID[id]; r != nil {
			if unit == "kg" {
				r.KG[drug] += qty
				r.TotalKG += qty
			} else {
				r.Litres[drug] += qty
			}
		}
		return nil
	})
	if err != nil {
		return RiskResult{}, fmt.Errorf("sector risk items: %w", err)
	}
	if err := s.sectorHotspots(ctx, &q, risks, &res); err != nil {
		return RiskResult{}, err
	}
	// Monthly rates, trend, change.
	monthDays := make([]float64, len(res.Months))
	for i, m := range res.Months {
		lo, hi := m, m.AddDate(0, 1, 0)
		if q.Period.Start.After(lo) {
			lo = q.Period.Start
		}
		if q.Period.End.Before(hi) {
			hi = q.Period.End
		}
		monthDays[i] = hi.Sub(lo).Hours() / 24
	}
	nowDays, beforeDays := q.Period.Days(), q.Compare.Days()
	for i := range risks {
		r := &risks[i]
		for m := range r.Monthly {
			if monthDays[m] > 0 {
				r.Monthly[m] /= monthDays[m]
			}
		}
		r.Trend = geo.MannKendall(r.Monthly)
		r.TrendDirection = "none"
		if r.Trend.P <= geo.TrendAlpha && r.Trend.S != 0 {
			r.TrendDirection = "increasing"
			if r.Trend.S < 0 {
				r.TrendDirection = "decreasing"
			}
		}
		b := before[r.Sector.ID]
		r.Change = NewRateChange(r.Events(), nowDays, b.seizures+b.incidents, beforeDays)
		r.ChangeSeizures = NewRateChange(r.Seizures, nowDays, b.seizures, beforeDays)
		r.ChangeIncidents = NewRateChange(r.Incidents, nowDays, b.incidents, beforeDays)
		r.EventsPer100KM = math.NaN()
		if r.Sector.BorderKM > 0 {
			r.EventsPer100KM = float64(r.Events()) / r.Sector.BorderKM * 100
		}
		r.Components = RiskComponents{Seizures: float64(r.Seizures), KG: r.TotalKG, Incidents: float64(r.SeverityWeighted),
			Trend: math.Max(0, r.Trend.Tau)}
		if r.Cells > 0 {
			r.Components.Hotspots = r.HotShare
		}
	}
	res.Maxima = scoreAndRank(risks, q.Weights)
	for _, r := range risks {
		if (q.Pair == "" || r.Sector.BorderID == q.Pair) && (q.Agency == "" || r.Sector.AgencyID == q.Agency) &&
			(q.Section == "" || r.Sector.SectionID == q.Section) {
			res.Sectors = append(res.Sectors, r)
		}
	}
	sort.SliceStable(res.Sectors, func(i, j int) bool {
		if res.Sectors[i].Rank != res.Sectors[j].Rank {
			return res.Sectors[i].Rank < res.Sectors[j].Rank
		}
		return res.Sectors[i].Sector.ID < res.Sectors[j].Sector.ID
	})
	return res, nil
}

// scoreAndRank sets every sector's Score (RiskFormula) and ranks, and
// returns the components' maxima.
func scoreAndRank(risks []SectorRisk, w RiskWeights) RiskComponents {
	var mx RiskComponents
	for _, r := range risks {
		c := r.Components
		mx.Seizures = math.Max(mx.Seizures, c.Seizures)
		mx.KG = math.Max(mx.KG, c.KG)
		mx.Incidents = math.Max(mx.Incidents, c.Incidents)
		mx.Hotspots = math.Max(mx.Hotspots, c.Hotspots)
		mx.Trend = math.Max(mx.Trend, c.Trend)
	}
	norm := func(x, m float64) float64 {
		if m > 0 {
			return x / m
		}
		return 0
	}
	sw := w.sum()
	for i := range risks {
		c := risks[i].Components
		s := w.Seizures*norm(c.Seizures, mx.Seizures) + w.KG*norm(c.KG, mx.KG) + w.Incidents*norm(c.Incidents, mx.Incidents) +
			w.Hotspots*norm(c.Hotspots, mx.Hotspots) + w.Trend*norm(c.Trend, mx.Trend)
		// Round to 1e-9 so that equal scores computed in different
		// orders compare equal.
		risks[i].Score = math.Round(100*s/sw*1e9) / 1e9
	}
	rankBy(risks, func(r *SectorRisk) string { return "" }, func(r *SectorRisk, k int) { r.Rank = k })
	rankBy(risks, func(r *SectorRisk) string { return r.Sector.BorderID }, func(r *SectorRisk, k int) { r.RankPair = k })
	rankBy(risks, func(r *SectorRisk) string { return r.Sector.AgencyID }, func(r *SectorRisk, k int) {
		if r.Sector.AgencyID != "" {
			r.RankAgency = k
		}
	})
	return mx
}

// rankBy gives competition ranks ("1224") by descending score within each
// group.
func rankBy(risks []SectorRisk, group func(*SectorRisk) string, set func(*SectorRisk, int)) {
	groups := map[string][]*SectorRisk{}
	for i := range risks {
		g := group(&risks[i])
		groups[g] = append(groups[g], &risks[i])
	}
	for _, rs := range groups {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Score > rs[j].Score })
		k := 0
		for i, r := range rs {
			if i == 0 || r.Score != rs[i-1].Score {
				k = i + 1
			}
			set(r, k)
		}
	}
}

// sectorHotspots runs Gi* over the hexagons of all sectors of the set and
// sets Cells, HotCells and HotShare of every sector.
func (s *Store) sectorHotspots(ctx context.Context, q *RiskQuery, risks []SectorRisk, res *RiskResult) error {
	g, err := geo.NewHexGrid(q.CellM)
	if err != nil {
		return err
	}
	perSector := make([][]geo.Hex, len(risks))
	index := map[geo.Hex]int32{}
	var cells []geo.Hex
	for i := range risks {
		perSector[i] = g.CellsInPolygon(geo.ProjectMultiPolygon(risks[i].Sector.Geometry))
		for _, h := range perSector[i] {
			if _, ok := index[h]; !ok {
				index[h] = int32(len(cells))
				cells = append(cells, h)
			}
		}
		if len(cells) > maxRiskCells {
			return &record.ValidationError{Fields: []record.FieldError{{Field: "cell_m", Reason: fmt.Sprintf("the sectors cover more than %d hexagons; use larger cells", maxRiskCells)}}}
		}
	}
	res.NCells = len(cells)
	if len(cells) == 0 {
		for i := range risks {
			risks[i].HotShare = math.NaN()
		}
		return nil
	}
	values := make([]float64, len(cells))
	err = s.scanRows(ctx, sqlRiskPoints, []any{q.Set, q.Period.Start, q.Period.End}, func(row scanner) error {
		var lon, lat float64
		if err := row.Scan(&lon, &lat); err != nil {
			return err
		}
		x, y := geo.ProjectXY(lon, lat)
		if i, ok := index[g.Cell(x, y)]; ok {
			values[i]++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sector hotspots: %w", err)
	}
	offs := g.DiskOffsets(q.RadiusM)
	lists := make([][]int32, len(cells))
	for i, c := range cells {
		for _, o := range offs {
			if j, ok := index[c.Add(o)]; ok {
				lists[i] = append(lists[i], j)
			}
		}
	}
	z := make([]float64, len(cells))
	res.GiMean, res.GiStd = geo.GiStar(values, geo.NeighborsFromLists(lists), z)
	p := make([]float64, len(z))
	for i, v := range z {
		p[i] = geo.PValue(v)
	}
	bins := geo.FDRBins(z, p, nil)
	for i := range risks {
		r := &risks[i]
		r.Cells = len(perSector[i])
		for _, h := range perSector[i] {
			if bins[index[h]] >= 1 {
				r.HotCells++
			}
		}
		r.HotShare = math.NaN()
		if r.Cells > 0 {
			r.HotShare = float64(r.HotCells) / float64(r.Cells)
		}
	}
	return nil
}
