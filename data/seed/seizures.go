package seed

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/ref"
	"github.com/borderwatch/borderwatch/record"
)

// seizureAccuracyM is the location accuracy given to a reported seizure by
// its location_precision: the point is a checkpoint, the village itself, a
// district seat or a regional capital.
var seizureAccuracyM = map[string]float64{
	"exact": 500, "village": 2000, "district": 15000, "province": 60000,
}

// seizureDrugs maps reported_seizures.csv's drug column to item drugs.
// Hashish oil has no drug of its own and is recorded as "other".
var seizureDrugs = map[string]string{
	"heroin": "heroin", "opium": "opium", "hashish": "hashish", "cannabis": "cannabis", "hashish_oil": "other",
}

// parseReportedSeizures turns reported_seizures.csv into one event per
// seizure_key with one item per drug. Seizures without coordinates are
// skipped and counted.
func parseReportedSeizures(r io.Reader) (events []record.Event, skipped int, err error) {
	rows, err := readCSVMaps(r)
	if err != nil {
		return nil, 0, err
	}
	byKey := map[string][]map[string]string{}
	var keys []string
	for _, row := range rows {
		k := row["seizure_key"]
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], row)
	}
	for _, k := range keys {
		group := byKey[k]
		first := group[0]
		if first["location_precision"] == "unmapped" || first["lon"] == "" {
			skipped++
			continue
		}
		e, err := seizureEvent(k, group)
		if err != nil {
			return nil, 0, fmt.Errorf("seizure %s: %w", k, err)
		}
		events = append(events, e)
	}
	return events, skipped, nil
}

func seizureEvent(key string, group []map[string]string) (record.Event, error) {
	first := group[0]
	p, err := parseLonLat(first["lon"], first["lat"])
	if err != nil {
		return record.Event{}, err
	}
	at, prec, err := parseReportedDate(first["date"], first["date_precision"])
	if err != nil {
		return record.Event{}, err
	}
	agency, ok := mapAgency(first["agency"])
	if !ok {
		return record.Event{}, fmt.Errorf("no agency slug for %q", first["agency"])
	}
	acc, ok := seizureAccuracyM[first["location_precision"]]
	if !ok {
		return record.Event{}, fmt.Errorf("unknown location_precision %q", first["location_precision"])
	}
	e := record.Event{
		Kind: record.KindSeizure, OccurredAt: at, TimePrecision: prec, Location: p, AccuracyM: &acc,
		Place: first["place_mapped"], AgencyID: agency, Sharing: "regional", SourceRef: key,
		SourceURL: first["source_url"],
	}
	notes := []string{
		"Reported place: " + first["place_reported"] + " (point: " + first["place_mapped"] + ", " +
			first["location_precision"] + " precision, coordinates from " + first["coord_source"] + ").",
		"Reported by: " + first["agency"] + ".",
		"Date: " + first["date"] + " (" + first["date_precision"] + ").",
	}
	for _, row := range group {
		drug, ok := seizureDrugs[row["drug"]]
		if !ok {
			return record.Event{}, fmt.Errorf("unknown drug %q", row["drug"])
		}
		q, err := strconv.ParseFloat(row["quantity_kg"], 64)
		if err != nil {
			return record.Event{}, fmt.Errorf("quantity_kg %q: %w", row["quantity_kg"], err)
		}
		qual := row["qty_qualifier"]
		if qual == "" {
			qual = "exact"
		}
		e.Items = append(e.Items, record.Item{Drug: drug, Quantity: q, Unit: "kg", Qualifier: qual})
		if row["drug"] != drug {
			notes = append(notes, fmt.Sprintf("%s %s kg recorded as %s.", strings.ReplaceAll(row["drug"], "_", " "), row["quantity_kg"], drug))
		}
		if n := row["note"]; n != "" && !slices.Contains(notes, n) {
			notes = append(notes, n)
		}
		if row["source_url"] != e.SourceURL {
			notes = append(notes, "Also: "+row["source_url"])
		}
	}
	e.Notes = strings.Join(notes, " ")
	e.Normalize()
	if err := e.Validate(); err != nil {
		return record.Event{}, err
	}
	return e, nil
}

// parseReportedDate parses YYYY-MM-DD, YYYY-MM or YYYY as midnight UTC of
// its first day and maps date_precision (day, day_derived, report_day,
// month, year) to an event time precision.
func parseReportedDate(date, precision string) (time.Time, string, error) {
	var layout string
	switch len(date) {
	case 10:
		layout = "2006-01-02"
	case 7:
		layout = "2006-01"
	case 4:
		layout = "2006"
	default:
		return time.Time{}, "", fmt.Errorf("date %q: want YYYY-MM-DD, YYYY-MM or YYYY", date)
	}
	t, err := time.Parse(layout, date)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("date %q: %w", date, err)
	}
	var prec string
	switch precision {
	case "day", "day_derived", "report_day":
		prec = "day"
	case "month", "year":
		prec = precision
	default:
		return time.Time{}, "", fmt.Errorf("unknown date_precision %q", precision)
	}
	if (prec == "day" && len(date) != 10) || (prec == "month" && len(date) != 7) || (prec == "year" && len(date) != 4) {
		return time.Time{}, "", fmt.Errorf("date %q does not match precision %q", date, precision)
	}
	return t, prec, nil
}

func seedSeizures(ctx context.Context, tx pgx.Tx) (int, int, error) {
	f, err := ref.FS.Open(ref.ReportedSeizures)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	events, skipped, err := parseReportedSeizures(f)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", ref.ReportedSeizures, err)
	}
	return len(events), skipped, data.UpsertEventsBySourceRef(ctx, tx, events)
}
