package data

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/borderwatch/borderwatch/parse"
	"github.com/borderwatch/borderwatch/record"
)

// ImportOptions configures ImportEvents.
type ImportOptions struct {
	// Format is parse.FormatCSV, parse.FormatGeoJSON or "" to detect it
	// from the content: a JSON object is GeoJSON, anything else CSV.
	Format string
	// SkipInvalid imports the valid records and writes each invalid one to
	// Rejects instead of aborting the whole import.
	SkipInvalid bool
	// Rejects receives, with SkipInvalid, a CSV file with the columns row,
	// field, reason and original (the record's text), one line per
	// offending field.
	Rejects io.Writer
	// Progress, when set, is called about every 100 ms and once at the end.
	Progress func(ImportProgress)
}

// ImportProgress reports how far an import has got.
type ImportProgress struct {
	// Bytes is the number of input bytes read so far.
	Bytes int64
	// Rows is the number of records parsed so far.
	Rows int64
	// Rejected is the number of records rejected so far.
	Rejected int64
	// Done is true in the last report, sent once the data is written.
	Done bool
}

// ImportSummary counts the outcome of an import.
type ImportSummary struct {
	Format string
	// Rows is the number of records read.
	Rows int64
	// Inserted, Updated and Unchanged count the written records: new ones,
	// ones that replaced an agency's record with the same source_ref, and
	// ones identical to the stored record.
	Inserted, Updated, Unchanged int64
	// Rejected counts the invalid records skipped with SkipInvalid.
	Rejected int64
}

// RowError is an invalid record of an import file. Nothing is written when
// ImportEvents returns it.
type RowError struct {
	// Unit is "row" for CSV (Row is the line number, the header being
	// row 1) or "feature" for GeoJSON (Row counts from 1).
	Unit   string
	Row    int64
	Fields []record.FieldError
}

// Error implements error.
func (e *RowError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Reason
	}
	return fmt.Sprintf("%s %d: %s", e.Unit, e.Row, strings.Join(parts, "; "))
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// importBatch carries parsed, valid events from the parser to COPY,
// encoded as binary COPY tuples of the staging table.
type importBatch struct {
	copy []byte
	n    int
	err  error
}

// importRefs are the ids records may refer to, loaded before parsing so
// that a dangling reference is reported with its row.
type importRefs struct {
	agencies map[string]bool
	ops      map[uuid.UUID]bool
	// now and area are what every record is admitted against
	// (record.Event.Admit), as a single write is.
	now  time.Time
	area record.Area
}

func (s *Store) loadImportRefs(ctx context.Context, tx pgx.Tx) (*importRefs, error) {
	refs := &importRefs{agencies: map[string]bool{}, ops: map[uuid.UUID]bool{}, now: time.Now(), area: s.Area()}
	rows, err := tx.Query(ctx, `SELECT id FROM agencies`)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		refs.agencies[id] = true
	}
	rows, err = tx.Query(ctx, `SELECT id FROM joint_operations`)
	if err != nil {
		return nil, err
	}
	ops, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, err
	}
	for _, id := range ops {
		refs.ops[id] = true
	}
	return refs, nil
}

const sqlCreateImportStaging = `CREATE TEMP TABLE bw_import (
  row bigint NOT NULL, kind text, occurred_at timestamptz, time_precision text, geom bytea, accuracy_m float8,
  place text, agency_id text, sharing text, source_ref text, source_url text, synthetic boolean,
  joint_operation_id uuid, items jsonb, category text, severity smallint, persons_detained integer, notes text,
  id uuid NOT NULL
) ON COMMIT DROP`

var importCopyColumns = []string{"row", "kind", "occurred_at", "time_precision", "geom", "accuracy_m", "place",
	"agency_id", "sharing", "source_ref", "source_url", "synthetic", "joint_operation_id", "items", "category",
	"severity", "persons_detained", "notes", "id"}

// sqlImportCopy fills the staging table from a copyChunkReader.
var sqlImportCopy = "COPY bw_import (" + strings.Join(importCopyColumns, ", ") + ") FROM STDIN (FORMAT binary)"

// sqlImportStaged is the staged chunk as event_records values. The merge
// statements call it EXCLUDED so that they share eventUpdateSet and
// eventChanged with the upserts.
const sqlImportStaged = `(SELECT row, id, kind, occurred_at, time_precision, ST_GeomFromEWKB(geom) AS geom, accuracy_m, place,
    agency_id, sharing, source_ref, source_url, synthetic, joint_operation_id, items, category, severity,
    persons_detained, notes
  FROM bw_import) AS excluded`

// sqlImportMerge moves the staged chunk into event_records with one
// lookup of each record's (agency_id, source_ref): an agency's existing
// record is updated when something changed (unchanged ones are neither
// written nor locked); the others, and records without a source_ref, are
// inserted in file order. Their ids are time-ordered, so the primary key
// grows at its end. The sort also makes every lookup happen before the
// first insert: lookups interleaved with the inserts would wade through
// the index entries of the statement's own new rows. A record another transaction inserted meanwhile is
// updated through ON CONFLICT. It returns the numbers of inserted and
// updated records.
const sqlImportMerge = sqlImportMergeHead + `
  ON CONFLICT (agency_id, source_ref) DO UPDATE SET ` + eventUpdateSet + `
  WHERE ` + eventChanged + `
  RETURNING (xmax = 0) AS inserted
)` + sqlImportMergeTail

// sqlImportMergeNew is sqlImportMerge with a plain INSERT: about a tenth
// faster, because each new record's unique key is checked once instead of
// by a speculative insertion. It fails with a unique violation where a
// concurrent transaction committed a record with the same (agency_id,
// source_ref) after the lookup; ImportEvents then rolls the chunk back to
// its savepoint and merges it with sqlImportMerge.
const sqlImportMergeNew = sqlImportMergeHead + `
  RETURNING true AS inserted
)` + sqlImportMergeTail

// sqlImportMergeHead and sqlImportMergeTail are the merge statements but
// for the INSERT's conflict clause.
const sqlImportMergeHead = `WITH m AS MATERIALIZED (
  SELECT excluded.*, e.id AS target, e.id IS NOT NULL AND ` + eventChanged + ` AS changed
  FROM ` + sqlImportStaged + `
  LEFT JOIN event_records e ON e.agency_id = excluded.agency_id AND e.source_ref = excluded.source_ref
), up AS (
  UPDATE event_records AS e SET ` + eventUpdateSet + `
  FROM m AS excluded
  WHERE excluded.changed AND e.id = excluded.target
  RETURNING 1
), ins AS (
  INSERT INTO event_records AS e (id, kind, occurred_at, time_precision, geom, accuracy_m, place, agency_id,
    sharing, source_ref, source_url, synthetic, joint_operation_id, items, category, severity, persons_detained,
    notes)
  SELECT id, kind, occurred_at, time_precision, geom, accuracy_m, place, agency_id, sharing, source_ref, source_url,
    synthetic, joint_operation_id, items, category, severity, persons_detained, notes
  FROM m WHERE target IS NULL ORDER BY row`

const sqlImportMergeTail = `
SELECT (SELECT count(*) FILTER (WHERE inserted) FROM ins),
  (SELECT count(*) FILTER (WHERE NOT inserted) FROM ins) + (SELECT count(*) FROM up)`

// sqlImportSettings tunes the merge statements: each chunk's records are
// looked up by (agency_id, source_ref) through the unique index, never by
// hashing all of event_records (which the planner picks when the table's
// statistics are missing or stale), and a chunk is too small to repay JIT
// compilation. A chunk sorts in memory.
const sqlImportSettings = `SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off;
SET LOCAL work_mem = '64MB'`

// analyzeIfStale refreshes the statistics of event_records when the first
// chunk's inserts outnumber the rows they knew of (a new or small table):
// with them the lookups of later chunks take the (agency_id, source_ref)
// index, without them the planner may take the agency index and scan all
// of an agency's records per lookup. The transaction's own rows count, so
// the statistics then describe the table being loaded.
func analyzeIfStale(ctx context.Context, tx pgx.Tx, inserted int64) error {
	var stale bool
	if err := tx.QueryRow(ctx, `SELECT reltuples < $1 FROM pg_class WHERE oid = 'event_records'::regclass`,
		inserted).Scan(&stale); err != nil {
		return mapErr(err)
	}
	if !stale {
		return nil
	}
	if _, err := tx.Exec(ctx, `ANALYZE event_records`); err != nil {
		return fmt.Errorf("analyze: %w", mapErr(err))
	}
	return nil
}

// importSavepointChunks is how many chunks merge inside a savepoint: each
// savepoint that writes is a subtransaction, and beyond 64 of them in one
// transaction PostgreSQL no longer caches their ids, which slows every
// other session's visibility checks until the import ends. Later chunks
// merge with sqlImportMerge directly.
var importSavepointChunks int64 = 48

// sourceRefKey is the unique constraint on (agency_id, source_ref).
const sourceRefKey = "events_agency_id_source_ref_key"

// mergeImportChunk moves the staged chunk into event_records. The first
// importSavepointChunks chunks go in with sqlImportMergeNew and, if a
// concurrent writer got one of their keys in first, are rolled back to
// their savepoint and merged with sqlImportMerge instead; later ones merge
// with sqlImportMerge. It returns the numbers of inserted and updated
// records.
func mergeImportChunk(ctx context.Context, tx pgx.Tx, chunk int64) (inserted, updated int64, err error) {
	if chunk >= importSavepointChunks {
		if err := tx.QueryRow(ctx, sqlImportMerge).Scan(&inserted, &updated); err != nil {
			return 0, 0, mapErr(err)
		}
		return inserted, updated, nil
	}
	if _, err := tx.Exec(ctx, `SAVEPOINT bw_import_chunk`); err != nil {
		return 0, 0, mapErr(err)
	}
	err = tx.QueryRow(ctx, sqlImportMergeNew).Scan(&inserted, &updated)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == sourceRefKey {
		if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT bw_import_chunk`); err != nil {
			return 0, 0, mapErr(err)
		}
		err = tx.QueryRow(ctx, sqlImportMerge).Scan(&inserted, &updated)
	}
	if err != nil {
		return 0, 0, mapErr(err)
	}
	if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT bw_import_chunk`); err != nil {
		return 0, 0, mapErr(err)
	}
	return inserted, updated, nil
}

// importChunkRows is how many records are staged and merged at a time.
// While PostgreSQL merges a chunk the parser reads the next one, and a
// chunk stays within the default temp_buffers.
const importChunkRows = 16 * importBatchSize

// ImportEvents reads events from r (CSV with lon/lat columns or a GeoJSON
// FeatureCollection, see parse.NewEventReader), validates each
// record, and writes them in one transaction: COPY into a staging table,
// then an upsert on (agency, source_ref), so that re-importing the same
// source_refs updates the records instead of duplicating them; records
// without a source_ref are always inserted. The input is streamed.
//
// By default any invalid record aborts the import with a *RowError and
// nothing is written. With SkipInvalid the invalid records go to
// opts.Rejects and the rest is imported.
func (s *Store) ImportEvents(ctx context.Context, r io.Reader, opts ImportOptions) (ImportSummary, error) {
	if opts.SkipInvalid && opts.Rejects == nil {
		return ImportSummary{}, errors.New("import: SkipInvalid needs a Rejects writer")
	}
	cr := &countingReader{r: r}
	parser, err := parse.NewEventReader(cr, opts.Format)
	if err != nil {
		return ImportSummary{}, fmt.Errorf("import: %w", err)
	}
	format := parser.Format()
	unit := "row"
	if format == parse.FormatGeoJSON {
		unit = "feature"
	}
	sum := ImportSummary{Format: format}
	err = s.inEventTx(ctx, func(tx pgx.Tx) error {
		refs, err := s.loadImportRefs(ctx, tx)
		if err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, sqlCreateImportStaging); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, sqlImportSettings); err != nil {
			return mapErr(err)
		}
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		// The parser may run a chunk ahead of the merge.
		batches := make(chan importBatch, importChunkRows/importBatchSize+2)
		var rows, rejected int64
		go func() {
			defer close(batches)
			rows, rejected = parseImport(pctx, parser, refs, unit, opts, cr, batches)
		}()
		src := &copyChunkReader{ch: batches}
		var copied, chunks int64
		for !src.done {
			src.reset()
			tag, err := tx.Conn().PgConn().CopyFrom(ctx, src, sqlImportCopy)
			n := tag.RowsAffected()
			if err != nil || src.err != nil {
				cancel()
				for range batches { // let the parser finish
				}
				if src.err != nil {
					// pgx reports the source's error only as text.
					return src.err
				}
				return fmt.Errorf("copy: %w", mapErr(err))
			}
			if n == 0 {
				break
			}
			copied += n
			inserted, updated, err := mergeImportChunk(ctx, tx, chunks)
			if err != nil {
				return err
			}
			sum.Inserted += inserted
			sum.Updated += updated
			if chunks == 0 {
				if err := analyzeIfStale(ctx, tx, inserted); err != nil {
					return err
				}
			}
			chunks++
			if _, err := tx.Exec(ctx, `TRUNCATE bw_import`); err != nil {
				return mapErr(err)
			}
		}
		for range batches {
		}
		sum.Rows, sum.Rejected = rows, rejected
		sum.Unchanged = copied - sum.Inserted - sum.Updated
		if opts.Progress != nil {
			opts.Progress(ImportProgress{Bytes: cr.n, Rows: rows, Rejected: rejected, Done: true})
		}
		return s.audit(ctx, tx, "events.import", "events", map[string]any{
			"format": format, "rows": sum.Rows, "inserted": sum.Inserted, "updated": sum.Updated, "rejected": sum.Rejected})
	})
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			return ImportSummary{}, re
		}
		return ImportSummary{}, fmt.Errorf("import: %w", err)
	}
	return sum, nil
}

// importBatchSize is how many records travel together from the parser to
// COPY.
const importBatchSize = 2048

// parseImport reads every record, validates it and sends the valid ones
// in batches. It returns the number of records read and rejected; a fatal
// error (or, without SkipInvalid, the first invalid record) is sent as the
// last batch.
func parseImport(ctx context.Context, parser *parse.EventReader, refs *importRefs, unit string, opts ImportOptions,
	cr *countingReader, out chan<- importBatch) (rows, rejected int64) {
	var rejects *csv.Writer
	if opts.Rejects != nil {
		rejects = csv.NewWriter(opts.Rejects)
		_ = rejects.Write([]string{unit, "field", "reason", "original"})
		defer rejects.Flush()
	}
	seen := map[[16]byte]int64{}
	b := importBatch{}
	send := func(bt importBatch) bool {
		select {
		case out <- bt:
			return true
		case <-ctx.Done():
			return false
		}
	}
	lastReport := time.Now()
	for {
		pe, err := parser.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			send(importBatch{err: err})
			return rows, rejected
		}
		rows++
		e := &pe.Event
		if !(len(pe.Errs) == 1 && pe.Errs[0].Field == "row") {
			pe.Validate()
			if len(pe.Errs) == 0 {
				checkImportRefs(&pe, refs, seen, unit)
			}
		}
		if len(pe.Errs) > 0 {
			if !opts.SkipInvalid {
				send(importBatch{err: &RowError{Unit: unit, Row: pe.Row, Fields: pe.Errs}})
				return rows, rejected
			}
			rejected++
			orig := pe.Original()
			for _, f := range pe.Errs {
				_ = rejects.Write([]string{strconv.FormatInt(pe.Row, 10), f.Field, f.Reason, orig})
			}
			continue
		}
		id, err := uuid.NewV7()
		if err == nil {
			b.copy, err = appendImportCopyRow(b.copy, pe.Row, e, id)
		}
		if err != nil {
			send(importBatch{err: fmt.Errorf("%s %d: %w", unit, pe.Row, err)})
			return rows, rejected
		}
		b.n++
		if b.n == importBatchSize {
			if !send(b) {
				return rows, rejected
			}
			b = importBatch{copy: make([]byte, 0, cap(b.copy))}
			if opts.Progress != nil && time.Since(lastReport) > 100*time.Millisecond {
				opts.Progress(ImportProgress{Bytes: cr.n, Rows: rows, Rejected: rejected})
				lastReport = time.Now()
			}
		}
	}
	if b.n > 0 {
		send(b)
	}
	if rejects != nil {
		rejects.Flush()
		if err := rejects.Error(); err != nil {
			send(importBatch{err: fmt.Errorf("write rejects: %w", err)})
		}
	}
	return rows, rejected
}

// checkImportRefs adds errors for an unknown agency or joint operation and
// for a source_ref the same agency already used earlier in the file.
func checkImportRefs(pe *parse.Record, refs *importRefs, seen map[[16]byte]int64, unit string) {
	e := &pe.Event
	var ve *record.ValidationError
	if errors.As(e.Admit(refs.now, refs.area), &ve) {
		pe.Errs = append(pe.Errs, ve.Fields...)
	}
	if !refs.agencies[e.AgencyID] {
		pe.Errs.Add("agency", "unknown agency %q", record.Truncate(e.AgencyID, 40))
	}
	if e.JointOperationID != nil && !refs.ops[*e.JointOperationID] {
		pe.Errs.Add("joint_operation", "no joint operation %s", e.JointOperationID)
	}
	if e.SourceRef == "" {
		return
	}
	h := fnv.New128a()
	h.Write([]byte(e.AgencyID))
	h.Write([]byte{0})
	h.Write([]byte(e.SourceRef))
	var k [16]byte
	h.Sum(k[:0])
	if first, dup := seen[k]; dup {
		pe.Errs.Add("source_ref", "%q of %s is already used by %s %d of this file", record.Truncate(e.SourceRef, 40), e.AgencyID, unit, first)
		return
	}
	seen[k] = pe.Row
}
