package api

import (
	"encoding/csv"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

// reportRowJSON is one row of the statistics report.
type reportRowJSON struct {
	Period          string             `json:"period"`
	Agency          string             `json:"agency"`
	AgencyName      string             `json:"agency_name"`
	Seizures        int                `json:"seizures"`
	Incidents       int                `json:"incidents"`
	TotalKG         float64            `json:"total_kg"`
	KG              map[string]float64 `json:"kg"`
	Litres          map[string]float64 `json:"litres"`
	JointOperations int                `json:"joint_operations"`
}

// reportJSON is the statistics report.
type reportJSON struct {
	From        *string         `json:"from"`
	To          *string         `json:"to"`
	Agency      string          `json:"agency,omitempty"`
	By          string          `json:"by"`
	Definitions map[string]any  `json:"definitions"`
	Rows        []reportRowJSON `json:"rows"`
}

// reportCSVHeader is the header of the report as CSV.
func reportCSVHeader() []string {
	h := []string{"period", "agency", "agency_name", "seizures", "incidents", "joint_operations", "total_kg"}
	for _, d := range record.Drugs() {
		h = append(h, "kg_"+d)
	}
	return append(h, "litres_precursors")
}

// reportCSVRow formats one report row in the columns of reportCSVHeader.
func reportCSVRow(r data.ReportRow) []string {
	f := func(v float64) string { return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64) }
	agency := r.Agency
	if agency == "" {
		agency = "all"
	}
	row := []string{r.Period, agency, r.AgencyName, strconv.Itoa(r.Seizures), strconv.Itoa(r.Incidents),
		strconv.Itoa(r.JointOperations), f(r.TotalKG)}
	for _, d := range record.Drugs() {
		row = append(row, f(r.KG[d]))
	}
	return append(row, f(r.Litres["precursors"]))
}

// handleReport serves GET /api/report?from=&to=&agency=&by=year|quarter|month|total[&f=csv]:
// totals per agency and period (seizures, incidents, kg per drug, litres,
// joint operations), and per period for all agencies, summed from the event
// records the caller may see.
func handleReport(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		if err := checkParams(q, "from", "to", "agency", "by", "f"); err != nil {
			return err
		}
		p, err := data.ParsePeriod("from", q.Get("from"), "to", q.Get("to"), true)
		if err != nil {
			return err
		}
		if f := q.Get("f"); f != "" && f != "json" && f != "csv" {
			return newBadRequest("f", "must be json or csv")
		}
		rep, err := store.Report(r.Context(), data.ReportQuery{Period: p, Agency: q.Get("agency"), By: q.Get("by")})
		if err != nil {
			return err
		}
		if q.Get("f") == "csv" {
			if err := store.Audit(r.Context(), "report.export", "report", map[string]any{"query": r.URL.RawQuery, "format": "csv"}); err != nil {
				return err
			}
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="report.csv"`)
			cw := csv.NewWriter(w)
			_ = cw.Write(reportCSVHeader())
			for _, row := range rep.Rows {
				_ = cw.Write(reportCSVRow(row))
			}
			cw.Flush()
			return nil
		}
		out := reportJSON{Agency: rep.Query.Agency, By: rep.Query.By, Rows: make([]reportRowJSON, 0, len(rep.Rows)),
			Definitions: map[string]any{
				"period":           "UTC calendar periods; from and to include the whole year, month or day they name",
				"kg":               "sum of the seizure items measured in kilograms, per drug",
				"litres":           "sum of the seizure items measured in litres, per drug",
				"joint_operations": "distinct joint operations with an event in the period in which the agency took part (recorded a linked event, leads it or is listed among its agencies); for agency \"\" every such operation",
			}}
		if !p.IsZero() {
			from, to := p.Start.Format("2006-01-02T15:04:05Z07:00"), p.End.Format("2006-01-02T15:04:05Z07:00")
			out.From, out.To = &from, &to
		}
		for _, row := range rep.Rows {
			out.Rows = append(out.Rows, reportRowJSON{Period: row.Period, Agency: row.Agency, AgencyName: row.AgencyName,
				Seizures: row.Seizures, Incidents: row.Incidents, TotalKG: row.TotalKG, KG: row.KG, Litres: row.Litres,
				JointOperations: row.JointOperations})
		}
		return encode(w, http.StatusOK, mediaJSON, out)
	})
}
