package data

import (
	"context"
	"fmt"
	"math"
	"sort"
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
)

// RiskQuery asks for the risk index of the sectors of one set.
type RiskQuery struct {
	// Set is the sector set; empty means SetGenerated.
	Set string
	// Period is the period analysed (required).
	Period Period
	// Compare is the comparison period; zero means Period.Preceding().
	Compare Period
	// Pair keeps the sectors of one border pair in the result; the score's
	// maxima are still over the whole set, SectorRisk.Rank is within the
	// sectors kept and RankSet over the whole set.
	Pair string
	// Agency keeps the sectors of one owning agency (as Pair).
	Agency string
	// Section keeps the two sides of one section (as Pair).
	Section string
	Weights geo.RiskWeights
	// CellM and RadiusM are the Gi* grid spacing and distance band (0:
	// DefaultRiskCellM, DefaultRiskRadiusM).
	CellM   float64
	RadiusM float64
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
	Change          geo.RateChange
	ChangeSeizures  geo.RateChange
	ChangeIncidents geo.RateChange
	// Components are the raw score components; Score the composite score.
	Components geo.RiskComponents
	Score      float64
	// PatrolKM and PatrolHours are the patrol effort of the period in the
	// sector (SectorEffort: consecutive visible fixes of a team at most
	// EffortMaxGap apart, counted for the sector of the first); the
	// seizures and incidents per 100 patrol-km are 100 × count / PatrolKM
	// (NaN without patrol kilometres): where nobody patrolled, no seizures
	// mean nothing.
	PatrolKM, PatrolHours                           float64
	SeizuresPer100PatrolKM, IncidentsPer100PatrolKM float64
	// Rank is the rank among the sectors the query's filters keep, RankSet
	// in the whole set, RankPair within the border pair, RankAgency within
	// the owning agency (0 when the sector has none). A sector without
	// events in the period ranks after every sector with events
	// (geo.CompetitionRanksActiveFirst).
	Rank, RankSet, RankPair, RankAgency int
}

// Events returns seizures plus incidents.
func (r SectorRisk) Events() int { return r.Seizures + r.Incidents }

// RiskResult is the risk index of the sectors of one set.
type RiskResult struct {
	Query   RiskQuery
	Formula string
	// Maxima are the components' maxima over the set.
	Maxima geo.RiskComponents
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
	if q.Weights == (geo.RiskWeights{}) {
		q.Weights = geo.DefaultRiskWeights()
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
// counts of q.Period on the hexagons (q.CellM) whose centres lie in any
// sector of the set, with binary weights within q.RadiusM and
// Benjamini–Hochberg FDR bins (geo.ZoneHotspots, the hotspot engine's
// pipeline for a polygon area). The trend is geo.MannKendall over the
// monthly event rates; changes use geo.PoissonRateTest. Each component of
// the score (geo.RiskFormula) is divided by its maximum over the whole set
// (geo.RiskScores), so scores and ranks do not depend on the filters.
// docs/statistics.md, "Sector risk score".
func (s *Store) SectorRisk(ctx context.Context, q RiskQuery) (RiskResult, error) {
	if err := s.normalizeRisk(ctx, &q); err != nil {
		return RiskResult{}, err
	}
	sectors, err := s.ListSectors(ctx, SectorQuery{Set: q.Set})
	if err != nil {
		return RiskResult{}, err
	}
	res := RiskResult{Query: q, Formula: geo.RiskFormula, Months: q.Period.Months(), SetSectors: len(sectors)}
	risks := make([]SectorRisk, len(sectors))
	for i := range sectors {
		risks[i] = SectorRisk{Sector: sectors[i], KG: map[string]float64{}, Litres: map[string]float64{},
			Monthly: make([]float64, len(res.Months))}
	}
	before, err := s.riskCounts(ctx, &q, res.Months, risks)
	if err != nil {
		return RiskResult{}, err
	}
	if err := s.riskItems(ctx, &q, risks); err != nil {
		return RiskResult{}, err
	}
	if err := s.riskEffort(ctx, &q, risks); err != nil {
		return RiskResult{}, err
	}
	if err := s.sectorHotspots(ctx, &q, risks, &res); err != nil {
		return RiskResult{}, err
	}
	riskTrends(&q, res.Months, risks, before)
	res.Maxima = scoreAndRank(risks, q.Weights)
	for _, r := range risks {
		if (q.Pair == "" || r.Sector.BorderID == q.Pair) && (q.Agency == "" || r.Sector.AgencyID == q.Agency) &&
			(q.Section == "" || r.Sector.SectionID == q.Section) {
			res.Sectors = append(res.Sectors, r)
		}
	}
	rankKept(res.Sectors)
	sort.SliceStable(res.Sectors, func(i, j int) bool {
		if res.Sectors[i].Rank != res.Sectors[j].Rank {
			return res.Sectors[i].Rank < res.Sectors[j].Rank
		}
		return res.Sectors[i].Sector.ID < res.Sectors[j].Sector.ID
	})
	return res, nil
}

// riskBefore counts a sector's events of the comparison period.
type riskBefore struct{ seizures, incidents int }

// riskCounts adds up the seizures, incidents, severities and monthly
// events of q.Period per sector, and returns the seizures and incidents of
// the comparison period, in the order of risks.
func (s *Store) riskCounts(ctx context.Context, q *RiskQuery, months []time.Time, risks []SectorRisk) ([]riskBefore, error) {
	byID := make(map[string]int, len(risks))
	for i := range risks {
		byID[risks[i].Sector.ID] = i
	}
	monthIdx := make(map[time.Time]int, len(months))
	for i, m := range months {
		monthIdx[m] = i
	}
	before := make([]riskBefore, len(risks))
	args := []any{q.Set, q.Period.Start, q.Period.End, q.Compare.Start, q.Compare.End}
	err := s.scanRows(ctx, sqlRiskCounts, args, func(row scanner) error {
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
		i, ok := byID[id]
		if !ok {
			return nil
		}
		r := &risks[i]
		if cur {
			if kind == record.KindSeizure {
				r.Seizures += n
			} else {
				r.Incidents += n
				r.SeverityWeighted += sumSeverty
			}
			if m, ok := monthIdx[time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)]; ok {
				r.Monthly[m] += float64(n)
			}
		}
		if cmp {
			if kind == record.KindSeizure {
				before[i].seizures += n
			} else {
				before[i].incidents += n
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sector risk counts: %w", err)
	}
	return before, nil
}

// riskItems adds up the kilograms and litres seized per drug in q.Period
// per sector.
func (s *Store) riskItems(ctx context.Context, q *RiskQuery, risks []SectorRisk) error {
	byID := make(map[string]*SectorRisk, len(risks))
	for i := range risks {
		byID[risks[i].Sector.ID] = &risks[i]
	}
	err := s.scanRows(ctx, sqlRiskItems, []any{q.Set, q.Period.Start, q.Period.End}, func(row scanner) error {
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
		return fmt.Errorf("sector risk items: %w", err)
	}
	return nil
}

// riskTrends turns every sector's monthly counts into rates per day, tests
// their trend and the change against the comparison period, and fills the
// score's raw components.
func riskTrends(q *RiskQuery, months []time.Time, risks []SectorRisk, before []riskBefore) {
	monthDays := make([]float64, len(months))
	for i, m := range months {
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
		b := before[i]
		r.Change = geo.NewRateChange(r.Events(), nowDays, b.seizures+b.incidents, beforeDays)
		r.ChangeSeizures = geo.NewRateChange(r.Seizures, nowDays, b.seizures, beforeDays)
		r.ChangeIncidents = geo.NewRateChange(r.Incidents, nowDays, b.incidents, beforeDays)
		r.EventsPer100KM = math.NaN()
		if r.Sector.BorderKM > 0 {
			r.EventsPer100KM = float64(r.Events()) / r.Sector.BorderKM * 100
		}
		r.Components = geo.RiskComponents{Seizures: float64(r.Seizures), KG: r.TotalKG, Incidents: float64(r.SeverityWeighted),
			Trend: math.Max(0, r.Trend.Tau)}
		if r.Cells > 0 {
			r.Components.Hotspots = r.HotShare
		}
	}
}

// scoreAndRank sets every sector's Score (geo.RiskScores) and its ranks in
// the set, its border pair and its agency (geo.CompetitionRanks), and
// returns the components' maxima.
func scoreAndRank(risks []SectorRisk, w geo.RiskWeights) geo.RiskComponents {
	cs := make([]geo.RiskComponents, len(risks))
	pairs := make([]string, len(risks))
	agencies := make([]string, len(risks))
	active := make([]bool, len(risks))
	for i := range risks {
		cs[i] = risks[i].Components
		pairs[i] = risks[i].Sector.BorderID
		agencies[i] = risks[i].Sector.AgencyID
		active[i] = risks[i].Events() > 0
	}
	scores, mx := geo.RiskScores(cs, w)
	rank := geo.CompetitionRanksActiveFirst(scores, active, nil)
	rankPair := geo.CompetitionRanksActiveFirst(scores, active, pairs)
	rankAgency := geo.CompetitionRanksActiveFirst(scores, active, agencies)
	for i := range risks {
		r := &risks[i]
		r.Score, r.Rank, r.RankSet, r.RankPair = scores[i], rank[i], rank[i], rankPair[i]
		if r.Sector.AgencyID != "" {
			r.RankAgency = rankAgency[i]
		}
	}
	return mx
}

// rankKept ranks the sectors a query's filters kept among themselves
// (Rank), sectors without events last, as scoreAndRank ranks the set.
func rankKept(kept []SectorRisk) {
	scores := make([]float64, len(kept))
	active := make([]bool, len(kept))
	for i := range kept {
		scores[i], active[i] = kept[i].Score, kept[i].Events() > 0
	}
	for i, k := range geo.CompetitionRanksActiveFirst(scores, active, nil) {
		kept[i].Rank = k
	}
}

// sectorHotspots runs Gi* over the hexagons of all sectors of the set
// (geo.ZoneHotspots) and sets Cells, HotCells and HotShare of every sector.
func (s *Store) sectorHotspots(ctx context.Context, q *RiskQuery, risks []SectorRisk, res *RiskResult) error {
	zh, err := geo.NewZoneHotspots(q.CellM, q.RadiusM)
	if err != nil {
		return err
	}
	for i := range risks {
		if zh.AddZone(risks[i].Sector.Geometry) > maxRiskCells {
			return &record.ValidationError{Fields: []record.FieldError{{Field: "cell_m", Reason: fmt.Sprintf("the sectors cover more than %d hexagons; use larger cells", maxRiskCells)}}}
		}
	}
	res.NCells = zh.NCells()
	if res.NCells == 0 {
		for i := range risks {
			risks[i].HotShare = math.NaN()
		}
		return nil
	}
	err = s.scanRows(ctx, sqlRiskPoints, []any{q.Set, q.Period.Start, q.Period.End}, func(row scanner) error {
		var lon, lat float64
		if err := row.Scan(&lon, &lat); err != nil {
			return err
		}
		zh.AddPoint(lon, lat)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sector hotspots: %w", err)
	}
	hs, err := zh.Compute(ctx)
	if err != nil {
		return err
	}
	res.GiMean, res.GiStd = hs.Mean, hs.Std
	for i := range risks {
		r := &risks[i]
		r.Cells, r.HotCells = hs.Cells[i], hs.HotCells[i]
		r.HotShare = math.NaN()
		if r.Cells > 0 {
			r.HotShare = float64(r.HotCells) / float64(r.Cells)
		}
	}
	return nil
}

// riskEffort adds each sector's patrol effort of q.Period and its events
// per 100 patrol-km.
func (s *Store) riskEffort(ctx context.Context, q *RiskQuery, risks []SectorRisk) error {
	eff, err := s.SectorEffort(ctx, q.Set, q.Period.Start, q.Period.End)
	if err != nil {
		return err
	}
	byID := make(map[string]SectorEffort, len(eff))
	for _, e := range eff {
		byID[e.SectorID] = e
	}
	for i := range risks {
		r := &risks[i]
		e := byID[r.Sector.ID]
		r.PatrolKM, r.PatrolHours = e.KM, e.Hours
		r.SeizuresPer100PatrolKM, r.IncidentsPer100PatrolKM = per100(r.Seizures, e.KM), per100(r.Incidents, e.KM)
	}
	return nil
}

// per100 is 100 × n / km, NaN when km is 0.
func per100(n int, km float64) float64 {
	if km <= 0 {
		return math.NaN()
	}
	return 100 * float64(n) / km
}
