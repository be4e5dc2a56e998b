package data_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/data/seed"
	"github.com/borderwatch/borderwatch/parse"
)

const importHeader = "kind,occurred_at,lon,lat,agency,drug,quantity_kg,category,severity,source_ref,place\n"

const importGood = importHeader +
	"seizure,2024-05-01T22:30:00Z,68.61,37.19,tj-dca,heroin,12.5,,,R1,Panji Poyon\n" +
	"incident,2024-05-02,69.1,37.24,tj-border,,,arrest,2,R2,Panj\n" +
	"seizure,2024-05-03T01:00:00Z,67.43,37.23,uz-customs,opium,3,,,R1,Termez\n" +
	"incident,2024-05-04,71.5,37.5,tj-border,,,border_violation,1,,Tem\n"

// importStore returns a store on a fresh database with the reference data.
func importStore(t *testing.T) (*data.Store, *pgxpool.Pool) {
	t.Helper()
	pool := datatest.Pool(t)
	s := data.NewFromPool(pool)
	if _, err := seed.Reference(context.Background(), s, nil); err != nil {
		t.Fatal(err)
	}
	return s, pool
}

func countImported(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	return countRows(t, pool, `SELECT count(*) FROM event_records WHERE NOT (source_ref ~ '^S[0-9]{3}$') OR source_ref IS NULL`)
}

func TestImportEventsIdempotent(t *testing.T) {
	s, pool := importStore(t)
	ctx := context.Background()
	var reports []data.ImportProgress
	sum, err := s.ImportEvents(ctx, strings.NewReader(importGood), data.ImportOptions{
		Progress: func(p data.ImportProgress) { reports = append(reports, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Format != "csv" || sum.Rows != 4 || sum.Inserted != 4 || sum.Updated != 0 || sum.Rejected != 0 {
		t.Errorf("first import %+v", sum)
	}
	if len(reports) == 0 || !reports[len(reports)-1].Done || reports[len(reports)-1].Bytes != int64(len(importGood)) {
		t.Errorf("progress reports %+v", reports)
	}
	// The same file again: source_refs match, nothing is duplicated; the
	// row without a source_ref is inserted again.
	sum, err = s.ImportEvents(ctx, strings.NewReader(importGood), data.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Inserted != 1 || sum.Updated != 0 || sum.Unchanged != 3 {
		t.Errorf("re-import %+v", sum)
	}
	if n := countImported(t, pool); n != 5 {
		t.Errorf("%d events after re-import, want 5", n)
	}
	// A changed quantity updates the record and bumps its version.
	changed := strings.Replace(importGood, "heroin,12.5", "heroin,13", 1)
	sum, err = s.ImportEvents(ctx, strings.NewReader(changed), data.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Updated != 1 || sum.Unchanged != 2 {
		t.Errorf("changed import %+v", sum)
	}
	if v := countRows(t, pool, `SELECT version::int FROM event_records WHERE agency_id = 'tj-dca' AND source_ref = 'R1' AND total_kg = 13`); v != 2 {
		t.Errorf("version %d, want 2", v)
	}
}

// TestImportEventsWithoutSavepoints merges every chunk with ON CONFLICT,
// as imports do after their first chunks: the same outcome.
func TestImportEventsWithoutSavepoints(t *testing.T) {
	defer data.SetImportSavepointChunks(0)()
	s, pool := importStore(t)
	ctx := context.Background()
	for i, want := range []data.ImportSummary{{Inserted: 4}, {Inserted: 1, Unchanged: 3}} {
		sum, err := s.ImportEvents(ctx, strings.NewReader(importGood), data.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Inserted != want.Inserted || sum.Updated != 0 || sum.Unchanged != want.Unchanged {
			t.Errorf("import %d: %+v, want %d inserted, %d unchanged", i+1, sum, want.Inserted, want.Unchanged)
		}
	}
	if n := countImported(t, pool); n != 5 {
		t.Errorf("%d events after two imports, want 5", n)
	}
}

func TestImportEventsAllOrNothing(t *testing.T) {
	s, pool := importStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, input, unit, field string
		row                      int64
	}{
		{"bad drug", importGood + "seizure,2024-05-05,68.6,37.2,tj-dca,cocaine-ish,1,,,R9,x\n", "row", "items[0].drug", 6},
		{"bad lat", strings.Replace(importGood, "37.24", "97.24", 1), "row", "geometry", 3},
		{"unknown agency", importGood + "seizure,2024-05-05,68.6,37.2,xx-nobody,heroin,1,,,R9,x\n", "row", "agency", 6},
		{"duplicate source_ref", importGood + "seizure,2024-05-05,68.6,37.2,tj-dca,heroin,1,,,R1,x\n", "row", "source_ref", 6},
		{"geojson", `{"type":"FeatureCollection","features":[
			{"type":"Feature","geometry":{"type":"Point","coordinates":[68.6,37.2]},"properties":{"kind":"incident","occurred_at":"2024-01-01T00:00:00Z","agency":"tj-dca","category":"arrest","severity":1}},
			{"type":"Feature","geometry":{"type":"Point","coordinates":[68.6,37.2]},"properties":{"kind":"incident","occurred_at":"2024-01-01T00:00:00Z","agency":"tj-dca","category":"arrest","severity":9}}]}`,
			"feature", "severity", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.ImportEvents(ctx, strings.NewReader(tc.input), data.ImportOptions{})
			var re *data.RowError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a RowError", err)
			}
			if re.Unit != tc.unit || re.Row != tc.row || re.Fields[0].Field != tc.field {
				t.Errorf("got %s %d %v, want %s %d %s", re.Unit, re.Row, re.Fields, tc.unit, tc.row, tc.field)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("message %q does not name %s", err, tc.field)
			}
			if n := countImported(t, pool); n != 0 {
				t.Errorf("%d events written by a failed import", n)
			}
		})
	}
	if _, err := s.ImportEvents(ctx, strings.NewReader(`{"type":"FeatureCollection","features":[`), data.ImportOptions{}); err == nil {
		t.Error("truncated GeoJSON imported")
	}
}

func TestImportEventsSkipInvalid(t *testing.T) {
	s, pool := importStore(t)
	ctx := context.Background()
	input := importGood +
		"seizure,2024-05-05,68.6,37.2,tj-dca,cocaine-ish,1,,,R9,x\n" +
		"incident,someday,68.6,137.2,tj-dca,,,arrest,7,R10,y\n"
	var rejects bytes.Buffer
	sum, err := s.ImportEvents(ctx, strings.NewReader(input), data.ImportOptions{SkipInvalid: true, Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 6 || sum.Inserted != 4 || sum.Rejected != 2 {
		t.Errorf("summary %+v", sum)
	}
	if n := countImported(t, pool); n != 4 {
		t.Errorf("%d events imported, want 4", n)
	}
	recs, err := csv.NewReader(&rejects).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || strings.Join(recs[0], ",") != "row,field,reason,original" {
		t.Fatalf("rejects %q", recs)
	}
	want := [][2]string{{"6", "items[0].drug"}, {"7", "occurred_at"}, {"7", "severity"}, {"7", "geometry"}}
	for i, w := range want {
		r := recs[i+1]
		if r[0] != w[0] || r[1] != w[1] || r[2] == "" {
			t.Errorf("reject %d = %q, want row %s field %s", i, r, w[0], w[1])
		}
	}
	if recs[1][3] != "seizure,2024-05-05,68.6,37.2,tj-dca,cocaine-ish,1,,,R9,x" {
		t.Errorf("original line %q", recs[1][3])
	}
	if _, err := s.ImportEvents(ctx, strings.NewReader(input), data.ImportOptions{SkipInvalid: true}); err == nil {
		t.Error("SkipInvalid without a rejects writer accepted")
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	s, pool := importStore(t)
	ctx := context.Background()
	if _, err := seed.Demo(ctx, s, seed.DemoOptions{Events: 500, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	fingerprint := func() string {
		var fp string
		if err := pool.QueryRow(ctx, `SELECT md5(string_agg(concat_ws('|', kind, occurred_at, time_precision, ST_AsText(geom),
			accuracy_m, place, agency_id, sharing, source_ref, source_url, synthetic, joint_operation_id, items::text,
			category, severity, persons_detained, notes), ',' ORDER BY agency_id, source_ref)) FROM event_records`).Scan(&fp); err != nil {
			t.Fatal(err)
		}
		return fp
	}
	before := fingerprint()
	total := countRows(t, pool, `SELECT count(*) FROM event_records`)
	for _, format := range []string{parse.FormatCSV, parse.FormatGeoJSON} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := s.ExportEvents(ctx, &buf, format, nil)
			if err != nil {
				t.Fatal(err)
			}
			if int(n) != total {
				t.Fatalf("exported %d of %d events", n, total)
			}
			// Into the same database: every record is unchanged.
			sum, err := s.ImportEvents(ctx, bytes.NewReader(buf.Bytes()), data.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Format != format || int(sum.Unchanged) != total || sum.Inserted != 0 || sum.Updated != 0 {
				t.Errorf("re-import of the export: %+v", sum)
			}
			if fp := fingerprint(); fp != before {
				t.Error("re-importing the export changed the events")
			}
			// Into an empty database: the same records.
			s2, pool2 := importStore(t)
			if _, err := pool2.Exec(ctx, `INSERT INTO joint_operations (id, name, lead_agency_id, synthetic)
				SELECT DISTINCT ON (id) id, 'copy', 'tj-dca', true FROM (SELECT unnest($1::uuid[]) AS id) s`, jointOps(t, pool)); err != nil {
				t.Fatal(err)
			}
			if _, err := pool2.Exec(ctx, `DELETE FROM event_records`); err != nil {
				t.Fatal(err)
			}
			if _, err := s2.ImportEvents(ctx, bytes.NewReader(buf.Bytes()), data.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			var fp2 string
			if err := pool2.QueryRow(ctx, `SELECT md5(string_agg(concat_ws('|', kind, occurred_at, time_precision, ST_AsText(geom),
				accuracy_m, place, agency_id, sharing, source_ref, source_url, synthetic, joint_operation_id, items::text,
				category, severity, persons_detained, notes), ',' ORDER BY agency_id, source_ref)) FROM event_records`).Scan(&fp2); err != nil {
				t.Fatal(err)
			}
			if fp2 != before {
				t.Error("the export imported into an empty database differs")
			}
		})
	}
}

func jointOps(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT id::text FROM joint_operations`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// TestImportEventsConcurrentInsert commits, while an import waits for it,
// a record with one of the import's source_refs: the import updates that
// record instead of failing or duplicating it.
func TestImportEventsConcurrentInsert(t *testing.T) {
	s, pool := importStore(t)
	ctx := context.Background()
	other, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Rollback(ctx) }()
	if _, err := other.Exec(ctx, `INSERT INTO event_records (kind, occurred_at, geom, agency_id, source_ref, items, place)
		VALUES ('seizure', '2024-05-01T22:30:00Z', ST_SetSRID(ST_MakePoint(68.61, 37.19), 4326), 'tj-dca', 'R1',
		        '[{"drug": "heroin", "quantity": 1, "unit": "kg"}]', 'first report')`); err != nil {
		t.Fatal(err)
	}
	type result struct {
		sum data.ImportSummary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := s.ImportEvents(ctx, strings.NewReader(importGood), data.ImportOptions{})
		done <- result{sum, err}
	}()
	// The import's insert of R1 waits for the other transaction.
	deadline := time.Now().Add(20 * time.Second)
	for countRows(t, pool, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the import never waited for the concurrent insert")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := other.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil {
		t.Fatalf("import after a concurrent insert of one of its records: %v", res.err)
	}
	if res.sum.Inserted != 3 || res.sum.Updated != 1 {
		t.Errorf("summary %+v, want 3 inserted and 1 updated", res.sum)
	}
	if n := countRows(t, pool, `SELECT count(*) FROM event_records WHERE agency_id = 'tj-dca' AND source_ref = 'R1' AND total_kg = 12.5 AND place = 'Panji Poyon'`); n != 1 {
		t.Errorf("%d records tj-dca/R1 with the imported values, want 1", n)
	}
	if n := countImported(t, pool); n != 4 {
		t.Errorf("%d imported events, want 4", n)
	}
}

// countRows returns the result of a count query.
func countRows(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}
