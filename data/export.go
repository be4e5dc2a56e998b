package data

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/borderwatch/borderwatch/parse"
	"github.com/borderwatch/borderwatch/record"
)

// exportCSVHeader is the header of an exported CSV file; ImportEvents reads
// it back (id, total_kg, version, created_at, updated_at and coarsened are
// informational).
var exportCSVHeader = []string{"id", "kind", "occurred_at", "time_precision", "lon", "lat", "accuracy_m", "place",
	"agency", "sharing", "source_ref", "source_url", "synthetic", "joint_operation", "items", "total_kg",
	"category", "severity", "persons_detained", "notes", "version", "created_at", "updated_at"}

const sqlExportEvents = `SELECT ` + eventReadColumns + ` FROM events e ORDER BY e.occurred_at, e.id`

// ExportEvents streams every event the store's caller may see to w as CSV
// (parse.FormatCSV, the columns ImportEvents reads) or as a GeoJSON
// FeatureCollection (parse.FormatGeoJSON) whose properties match the API's event
// features. progress, when set, is called every 10,000 events with the
// count so far. It returns the number of events written.
func (s *Store) ExportEvents(ctx context.Context, w io.Writer, format string, progress func(n int64)) (int64, error) {
	if format != parse.FormatCSV && format != parse.FormatGeoJSON {
		return 0, fmt.Errorf("export: unknown format %q (want csv or geojson)", format)
	}
	rows, err := s.pool.Query(ctx, sqlExportEvents)
	if err != nil {
		return 0, fmt.Errorf("export: %w", mapErr(err))
	}
	defer rows.Close()
	bw := bufio.NewWriterSize(w, 1<<16)
	var n int64
	var cw *csv.Writer
	if format == parse.FormatCSV {
		cw = csv.NewWriter(bw)
		if err := cw.Write(exportCSVHeader); err != nil {
			return 0, fmt.Errorf("export: %w", err)
		}
	} else if _, err := bw.WriteString(`{"type":"FeatureCollection","features":[`); err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	rec := make([]string, len(exportCSVHeader))
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return n, fmt.Errorf("export: %w", err)
		}
		if format == parse.FormatCSV {
			eventCSVRecord(&e, rec)
			err = cw.Write(rec)
		} else {
			if n > 0 {
				err = bw.WriteByte(',')
			}
			if err == nil {
				err = writeEventFeature(bw, &e)
			}
		}
		if err != nil {
			return n, fmt.Errorf("export: %w", err)
		}
		n++
		if progress != nil && n%10000 == 0 {
			progress(n)
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export: %w", mapErr(err))
	}
	if cw != nil {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, fmt.Errorf("export: %w", err)
		}
	} else if _, err := bw.WriteString("]}\n"); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	if progress != nil {
		progress(n)
	}
	return n, nil
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func eventCSVRecord(e *record.Event, rec []string) {
	items := e.Items
	if items == nil {
		items = []record.Item{}
	}
	itemsJSON, _ := json.Marshal(items)
	opt := func(p *float64) string {
		if p == nil {
			return ""
		}
		return fmtFloat(*p)
	}
	rec[0] = e.ID.String()
	rec[1] = e.Kind
	rec[2] = e.OccurredAt.UTC().Format(time.RFC3339Nano)
	rec[3] = e.TimePrecision
	rec[4] = fmtFloat(e.Location[0])
	rec[5] = fmtFloat(e.Location[1])
	rec[6] = opt(e.AccuracyM)
	rec[7] = e.Place
	rec[8] = e.AgencyID
	rec[9] = e.Sharing
	rec[10] = e.SourceRef
	rec[11] = e.SourceURL
	rec[12] = strconv.FormatBool(e.Synthetic)
	rec[13] = ""
	if e.JointOperationID != nil {
		rec[13] = e.JointOperationID.String()
	}
	rec[14] = string(itemsJSON)
	rec[15] = fmtFloat(e.TotalKG)
	rec[16] = e.Category
	rec[17] = ""
	if e.Severity != 0 {
		rec[17] = strconv.Itoa(e.Severity)
	}
	rec[18] = ""
	if e.PersonsDetained != nil {
		rec[18] = strconv.Itoa(*e.PersonsDetained)
	}
	rec[19] = e.Notes
	rec[20] = strconv.FormatInt(e.Version, 10)
	rec[21] = e.CreatedAt.UTC().Format(time.RFC3339Nano)
	rec[22] = e.UpdatedAt.UTC().Format(time.RFC3339Nano)
}

// exportFeature is the GeoJSON form of an event.
type exportFeature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Geometry   exportGeometry `json:"geometry"`
	Properties exportProps    `json:"properties"`
}

type exportGeometry struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

type exportProps struct {
	Kind            string        `json:"kind"`
	OccurredAt      string        `json:"occurred_at"`
	TimePrecision   string        `json:"time_precision"`
	AccuracyM       *float64      `json:"accuracy_m"`
	Place           *string       `json:"place"`
	Agency          string        `json:"agency"`
	Sharing         string        `json:"sharing"`
	SourceRef       *string       `json:"source_ref"`
	SourceURL       *string       `json:"source_url"`
	Synthetic       bool          `json:"synthetic"`
	JointOperation  *string       `json:"joint_operation"`
	Items           []record.Item `json:"items"`
	TotalKG         float64       `json:"total_kg"`
	Category        *string       `json:"category"`
	Severity        *int          `json:"severity"`
	PersonsDetained *int          `json:"persons_detained"`
	Notes           *string       `json:"notes"`
	Version         int64         `json:"version"`
	CreatedAt       string        `json:"created_at"`
	UpdatedAt       string        `json:"updated_at"`
}

func writeEventFeature(w io.Writer, e *record.Event) error {
	f := exportFeature{
		Type: "Feature", ID: e.ID.String(),
		Geometry: exportGeometry{Type: "Point", Coordinates: [2]float64{e.Location[0], e.Location[1]}},
		Properties: exportProps{
			Kind: e.Kind, OccurredAt: e.OccurredAt.UTC().Format(time.RFC3339Nano), TimePrecision: e.TimePrecision,
			AccuracyM: e.AccuracyM, Place: nullIfEmpty(e.Place), Agency: e.AgencyID, Sharing: e.Sharing,
			SourceRef: nullIfEmpty(e.SourceRef), SourceURL: nullIfEmpty(e.SourceURL), Synthetic: e.Synthetic,
			Items: e.Items, TotalKG: e.TotalKG, Category: nullIfEmpty(e.Category), Severity: nullIfZero(e.Severity),
			PersonsDetained: e.PersonsDetained, Notes: nullIfEmpty(e.Notes), Version: e.Version,
			CreatedAt: e.CreatedAt.UTC().Format(time.RFC3339Nano), UpdatedAt: e.UpdatedAt.UTC().Format(time.RFC3339Nano),
		},
	}
	if f.Properties.Items == nil {
		f.Properties.Items = []record.Item{}
	}
	if e.JointOperationID != nil {
		s := e.JointOperationID.String()
		f.Properties.JointOperation = &s
	}
	b, err := json.Marshal(&f)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
