package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

// runReport runs `borderwatch report`: totals per agency, drug and period
// from the event records, as Markdown or CSV.
func runReport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	from := fs.String("from", "", "start: 2008, 2008-03, 2008-03-15 or an RFC 3339 date-time")
	to := fs.String("to", "", "end, inclusive of the year, month or day it names")
	agency := fs.String("agency", "", "one agency (default: every agency and their totals)")
	by := fs.String("by", data.ByYear, "period grouping: year, quarter, month or total")
	format := fs.String("format", "markdown", "markdown or csv")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("report: unexpected argument %q", fs.Arg(0))
	}
	if *format != "markdown" && *format != "csv" {
		return fmt.Errorf("report: -format must be markdown or csv, not %q", *format)
	}
	if *dbURL == "" {
		return errors.New("report: no database: set -db, OWNER_DATABASE_URL or DATABASE_URL")
	}
	p, err := data.ParsePeriod("-from", *from, "-to", *to, true)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	store, err := openStore(ctx, *dbURL, 2, 0, false, getenv)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer store.Close()
	rep, err := store.Report(ctx, data.ReportQuery{Period: p, Agency: *agency, By: *by})
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if *format == "csv" {
		return writeReportCSV(stdout, rep)
	}
	return writeReportMarkdown(stdout, rep)
}

// reportDrugs returns the drugs with a non-zero quantity in any row, in
// record.Drugs() order.
func reportDrugs(rep data.Report) []string {
	var out []string
	for _, d := range record.Drugs() {
		for _, r := range rep.Rows {
			if r.KG[d] != 0 {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

func writeReportCSV(w io.Writer, rep data.Report) error {
	cw := csv.NewWriter(w)
	head := []string{"period", "agency", "agency_name", "seizures", "incidents", "joint_operations", "total_kg"}
	for _, d := range record.Drugs() {
		head = append(head, "kg_"+d)
	}
	head = append(head, "litres_precursors")
	if err := cw.Write(head); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64) }
	for _, r := range rep.Rows {
		agency := r.Agency
		if agency == "" {
			agency = "all"
		}
		row := []string{r.Period, agency, r.AgencyName, strconv.Itoa(r.Seizures), strconv.Itoa(r.Incidents),
			strconv.Itoa(r.JointOperations), f(r.TotalKG)}
		for _, d := range record.Drugs() {
			row = append(row, f(r.KG[d]))
		}
		row = append(row, f(r.Litres["precursors"]))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeReportMarkdown(w io.Writer, rep data.Report) error {
	var b strings.Builder
	b.WriteString("# Seizure and incident statistics\n\n")
	switch {
	case rep.Query.Period.IsZero():
		b.WriteString("All records")
	default:
		fmt.Fprintf(&b, "Records from %s to %s (end exclusive, UTC)", rep.Query.Period.Start.Format("2006-01-02"),
			rep.Query.Period.End.Format("2006-01-02"))
	}
	if rep.Query.Agency != "" {
		fmt.Fprintf(&b, ", agency %s", rep.Query.Agency)
	}
	fmt.Fprintf(&b, ", by %s. Kilograms are the seizure items measured in kg; joint operations are the distinct operations with an event in the period in which the agency took part.\n", rep.Query.By)
	if len(rep.Rows) == 0 {
		b.WriteString("\nNo records.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	drugs := reportDrugs(rep)
	periods := []string{}
	rows := map[string][]data.ReportRow{}
	for _, r := range rep.Rows {
		if _, ok := rows[r.Period]; !ok {
			periods = append(periods, r.Period)
		}
		rows[r.Period] = append(rows[r.Period], r)
	}
	sort.Strings(periods)
	for _, p := range periods {
		fmt.Fprintf(&b, "\n## %s\n\n| Agency | Seizures | Incidents | Joint operations | Total kg |", p)
		for _, d := range drugs {
			fmt.Fprintf(&b, " %s kg |", d)
		}
		b.WriteString(" Precursors l |\n|---|---:|---:|---:|---:|")
		for range drugs {
			b.WriteString("---:|")
		}
		b.WriteString("---:|\n")
		for _, r := range rows[p] {
			name := r.Agency
			if name == "" {
				name = "**All agencies**"
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %s |", name, r.Seizures, r.Incidents, r.JointOperations, data.FormatKG(r.TotalKG))
			for _, d := range drugs {
				fmt.Fprintf(&b, " %s |", data.FormatKG(r.KG[d]))
			}
			fmt.Fprintf(&b, " %s |\n", data.FormatKG(r.Litres["precursors"]))
		}
		b.WriteString("\n")
		for _, r := range rows[p] {
			fmt.Fprintf(&b, "- %s\n", reportSentence(r))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// reportSentence summarises one row: "tj-dca, 2008: 1,317 kg, of which 349
// kg heroin, 574 kg opium; 64 joint operations".
func reportSentence(r data.ReportRow) string {
	name := r.Agency
	if name == "" {
		name = "All agencies"
	}
	var parts []string
	for _, d := range record.Drugs() {
		if r.KG[d] != 0 {
			parts = append(parts, data.FormatKG(r.KG[d])+" kg "+d)
		}
	}
	s := fmt.Sprintf("%s, %s: %d seizures, %s kg", name, r.Period, r.Seizures, data.FormatKG(r.TotalKG))
	if len(parts) > 0 {
		s += ", of which " + strings.Join(parts, ", ")
	}
	return s + fmt.Sprintf("; %d incidents; %d joint operations", r.Incidents, r.JointOperations)
}
