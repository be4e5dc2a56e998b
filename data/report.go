package data

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/record"
)

// Period is a half-open time interval [Start, End) in UTC.
type Period struct {
	Start time.Time
	End   time.Time
}

// IsZero reports whether p is unset.
func (p Period) IsZero() bool { return p.Start.IsZero() && p.End.IsZero() }

// Days returns the length of p in days.
func (p Period) Days() float64 { return p.End.Sub(p.Start).Hours() / 24 }

// String formats p as "start/end" in RFC 3339 (end exclusive).
func (p Period) String() string {
	return p.Start.UTC().Format(time.RFC3339) + "/" + p.End.UTC().Format(time.RFC3339)
}

// monthAligned reports whether t is the first instant of a UTC month.
func monthAligned(t time.Time) bool {
	t = t.UTC()
	return t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// Preceding returns the period of the same length that ends where p
// starts. When both ends of p are first instants of UTC months it is the
// same number of calendar months earlier (2008 → 2007), else the same
// duration earlier.
func (p Period) Preceding() Period {
	if monthAligned(p.Start) && monthAligned(p.End) {
		s, e := p.Start.UTC(), p.End.UTC()
		months := (e.Year()-s.Year())*12 + int(e.Month()-s.Month())
		return Period{Start: s.AddDate(0, -months, 0), End: s}
	}
	d := p.End.Sub(p.Start)
	return Period{Start: p.Start.Add(-d), End: p.Start}
}

// Months returns the first instants of the UTC months that p overlaps.
func (p Period) Months() []time.Time {
	var out []time.Time
	s := p.Start.UTC()
	m := time.Date(s.Year(), s.Month(), 1, 0, 0, 0, 0, time.UTC)
	for m.Before(p.End) {
		out = append(out, m)
		m = m.AddDate(0, 1, 0)
	}
	return out
}

// ParseTimeBound parses one end of a period: "2008" (a year), "2008-03" (a
// month), "2008-03-15" (a UTC day) or an RFC 3339 date-time. A start is the
// first instant of the year, month or day; an end (end=true) is the first
// instant after it, so "to=2008" includes all of 2008. A date-time is taken
// as it is; as an end it is exclusive.
func ParseTimeBound(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	var (
		t   time.Time
		err error
	)
	switch {
	case len(s) == 4:
		t, err = time.Parse("2006", s)
		if end {
			t = t.AddDate(1, 0, 0)
		}
	case len(s) == 7:
		t, err = time.Parse("2006-01", s)
		if end {
			t = t.AddDate(0, 1, 0)
		}
	case len(s) == 10:
		t, err = time.Parse("2006-01-02", s)
		if end {
			t = t.AddDate(0, 0, 1)
		}
	default:
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("not a year (2008), month (2008-03), date (2008-03-15) or RFC 3339 date-time")
	}
	if t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, fmt.Errorf("outside the years 1900–2200")
	}
	return t.UTC(), nil
}

// ParsePeriod parses a period from its two ends (see ParseTimeBound).
// fromName and toName name the parameters in the *record.ValidationError; when
// optional is true two empty ends give the zero Period. A period whose end
// is not after its start is refused, naming toName.
func ParsePeriod(fromName, from, toName, to string, optional bool) (Period, error) {
	var fe record.Fields
	if optional && strings.TrimSpace(from) == "" && strings.TrimSpace(to) == "" {
		return Period{}, nil
	}
	var p Period
	var err error
	if strings.TrimSpace(from) == "" {
		fe.Add(fromName, "required%s", pairHint(optional, toName))
	} else if p.Start, err = ParseTimeBound(from, false); err != nil {
		fe.Add(fromName, "%v", err)
	}
	if strings.TrimSpace(to) == "" {
		fe.Add(toName, "required%s", pairHint(optional, fromName))
	} else if p.End, err = ParseTimeBound(to, true); err != nil {
		fe.Add(toName, "%v", err)
	}
	if len(fe) == 0 && !p.End.After(p.Start) {
		fe.Add(toName, "the period ends before it starts (%s is before %s)", toName, fromName)
	}
	if err := fe.Err(); err != nil {
		return Period{}, err
	}
	return p, nil
}

func pairHint(optional bool, other string) string {
	if optional {
		return " when " + other + " is given"
	}
	return ""
}

// Report groupings.
const (
	ByYear    = "year"
	ByQuarter = "quarter"
	ByMonth   = "month"
	ByTotal   = "total"
)

// ReportQuery selects the records a statistics report sums.
type ReportQuery struct {
	// Period bounds the events; the zero Period takes every event.
	Period Period
	// Agency keeps one agency; empty keeps all.
	Agency string
	// By groups the rows: ByYear (default), ByQuarter, ByMonth or ByTotal.
	By string
}

// ReportRow is the totals of one agency (or of all agencies, Agency "")
// in one period.
type ReportRow struct {
	// Period is "2008", "2008-Q1", "2008-03" or "total".
	Period     string
	Agency     string
	AgencyName string
	Seizures   int
	Incidents  int
	// KG is the mass seized per drug, of the items measured in kg.
	KG map[string]float64
	// TotalKG is the sum of KG.
	TotalKG float64
	// Litres is the volume of the items measured in litres (liquid
	// precursors), per drug.
	Litres map[string]float64
	// JointOperations counts the distinct joint operations with at least
	// one event in the period in which the agency took part: it recorded
	// a linked event, leads the operation or is listed among its agencies.
	// For the all-agencies row it counts every operation with an event in
	// the period.
	JointOperations int
}

// Report is a statistics report: one row per period and agency, and per
// period one row for all agencies (Agency ""), unless the query names an
// agency.
type Report struct {
	Query ReportQuery
	Rows  []ReportRow
}

// sqlReportPeriod is the period label of an event for grouping $1.
const sqlReportPeriod = `CASE $1::text
  WHEN 'year' THEN to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY')
  WHEN 'quarter' THEN to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-"Q"Q')
  WHEN 'month' THEN to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM')
  ELSE 'total' END`

// sqlReportFilter selects events by period ($2, $3; NULL: open) and, for
// the counts, agency ($4, empty for all).
const sqlReportFilter = `($2::timestamptz IS NULL OR e.occurred_at >= $2) AND ($3::timestamptz IS NULL OR e.occurred_at < $3)`

const (
	sqlReportCounts = `SELECT ` + sqlReportPeriod + ` AS period, e.agency_id,
  count(*) FILTER (WHERE e.kind = 'seizure'), count(*) FILTER (WHERE e.kind = 'incident')
FROM events e WHERE ` + sqlReportFilter + ` AND ($4 = '' OR e.agency_id = $4)
GROUP BY 1, 2`
	sqlReportItems = `SELECT ` + sqlReportPeriod + ` AS period, e.agency_id, it ->> 'drug', it ->> 'unit',
  sum((it ->> 'quantity')::double precision)
FROM events e, jsonb_array_elements(e.items) it
WHERE e.kind = 'seizure' AND ` + sqlReportFilter + ` AND ($4 = '' OR e.agency_id = $4)
GROUP BY 1, 2, 3, 4`
	sqlReportJointOps = `WITH ev AS (
  SELECT ` + sqlReportPeriod + ` AS period, e.agency_id, e.joint_operation_id AS op
  FROM events e WHERE e.joint_operation_id IS NOT NULL AND ` + sqlReportFilter + `
), ops AS (SELECT DISTINCT period, op FROM ev),
part AS (
  SELECT period, op, agency_id FROM ev
  UNION SELECT o.period, o.op, j.lead_agency_id FROM ops o JOIN joint_operations j ON j.id = o.op
  UNION SELECT o.period, o.op, ja.agency_id FROM ops o JOIN joint_operation_agencies ja ON ja.operation_id = o.op
)
SELECT period, agency_id, count(*) FROM part WHERE $4 = '' OR agency_id = $4 GROUP BY 1, 2
UNION ALL
SELECT period, '', count(*) FROM ops WHERE $4 = '' GROUP BY 1`
	sqlAgencyNames = `SELECT id, name FROM agencies`
)

// Report sums the events of q into a statistics report. Every number is a
// plain aggregate of the event records (see ReportRow), so it can be
// reproduced with SQL over the events table.
func (s *Store) Report(ctx context.Context, q ReportQuery) (Report, error) {
	if q.By == "" {
		q.By = ByYear
	}
	names, err := s.checkReport(ctx, q)
	if err != nil {
		return Report{}, err
	}
	acc := &reportRows{names: names, byKey: map[reportKey]*ReportRow{}, all: q.Agency == ""}
	if err := s.scanReport(ctx, q, acc); err != nil {
		return Report{}, err
	}
	rep := Report{Query: q}
	for _, r := range acc.byKey {
		rep.Rows = append(rep.Rows, *r)
	}
	sort.Slice(rep.Rows, func(i, j int) bool {
		a, b := rep.Rows[i], rep.Rows[j]
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		if (a.Agency == "") != (b.Agency == "") {
			return b.Agency == "" // the all-agencies row last
		}
		return a.Agency < b.Agency
	})
	return rep, nil
}

// checkReport validates q and returns the names of the agencies by id.
func (s *Store) checkReport(ctx context.Context, q ReportQuery) (map[string]string, error) {
	var fe record.Fields
	if q.By != ByYear && q.By != ByQuarter && q.By != ByMonth && q.By != ByTotal {
		fe.Add("by", "must be year, quarter, month or total")
	}
	if !q.Period.IsZero() && !q.Period.End.After(q.Period.Start) {
		fe.Add("to", "the period ends before it starts")
	}
	names := map[string]string{}
	rows, err := s.pool.Query(ctx, sqlAgencyNames)
	if err != nil {
		return nil, fmt.Errorf("report: %w", mapErr(err))
	}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("report: %w", err)
		}
		names[id] = name
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report: %w", mapErr(err))
	}
	if q.Agency != "" {
		if _, ok := names[q.Agency]; !ok {
			fe.Add("agency", "unknown agency %q", q.Agency)
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return names, nil
}

type reportKey struct{ period, agency string }

// reportRows collects the rows of a report by period and agency; with all
// set, every figure is also added to the period's all-agencies row.
type reportRows struct {
	names map[string]string
	byKey map[reportKey]*ReportRow
	all   bool
}

// row returns the row of period and agency ("" for all agencies),
// creating it when needed.
func (rr *reportRows) row(period, agency string) *ReportRow {
	k := reportKey{period, agency}
	if r, ok := rr.byKey[k]; ok {
		return r
	}
	r := &ReportRow{Period: period, Agency: agency, AgencyName: rr.names[agency], KG: map[string]float64{}, Litres: map[string]float64{}}
	if agency == "" {
		r.AgencyName = "All agencies"
	}
	rr.byKey[k] = r
	return r
}

// scanReport runs the report's three queries (counts, items, joint
// operations) into acc.
func (s *Store) scanReport(ctx context.Context, q ReportQuery, acc *reportRows) error {
	var start, end *time.Time
	if !q.Period.IsZero() {
		start, end = &q.Period.Start, &q.Period.End
	}
	args := []any{q.By, start, end, q.Agency}
	err := s.scanRows(ctx, sqlReportCounts, args, func(r scanner) error {
		var period, agency string
		var ns, ni int
		if err := r.Scan(&period, &agency, &ns, &ni); err != nil {
			return err
		}
		a := acc.row(period, agency)
		a.Seizures, a.Incidents = ns, ni
		if acc.all {
			t := acc.row(period, "")
			t.Seizures += ns
			t.Incidents += ni
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("report counts: %w", err)
	}
	err = s.scanRows(ctx, sqlReportItems, args, func(r scanner) error {
		var period, agency, drug, unit string
		var qty float64
		if err := r.Scan(&period, &agency, &drug, &unit, &qty); err != nil {
			return err
		}
		targets := []*ReportRow{acc.row(period, agency)}
		if acc.all {
			targets = append(targets, acc.row(period, ""))
		}
		for _, t := range targets {
			if unit == "kg" {
				t.KG[drug] += qty
				t.TotalKG += qty
			} else {
				t.Litres[drug] += qty
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("report items: %w", err)
	}
	err = s.scanRows(ctx, sqlReportJointOps, args, func(r scanner) error {
		var period, agency string
		var n int
		if err := r.Scan(&period, &agency, &n); err != nil {
			return err
		}
		acc.row(period, agency).JointOperations = n
		return nil
	})
	if err != nil {
		return fmt.Errorf("report joint operations: %w", err)
	}
	return nil
}

// scanner is the Scan method of pgx rows.
type scanner interface{ Scan(...any) error }

// scanRows runs sql and calls fn for every row.
func (s *Store) scanRows(ctx context.Context, sql string, args []any, fn func(scanner) error) error {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}

// FormatKG formats a mass in kilograms with thousands separators and at
// most one decimal ("1,317", "349.5").
func FormatKG(kg float64) string {
	s := strconv.FormatFloat(kg, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}
