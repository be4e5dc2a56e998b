package data

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"

	"github.com/borderwatch/borderwatch/migrations"
	"github.com/borderwatch/borderwatch/record"
)

// ErrNotFound is returned when a requested record does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write conflicts with the stored state, e.g.
// a stale version (If-Match) or a duplicate key.
var ErrConflict = errors.New("conflict")

// ErrStale is returned when a conditional write names a version that is no
// longer the stored one (If-Match failed); nothing is written.
var ErrStale = errors.New("the record was changed by someone else")

// ErrUnavailable is returned when the database cannot be reached.
var ErrUnavailable = errors.New("database unavailable")

// cancelDelay is how long a query may run on after its context ended.
const cancelDelay = 5 * time.Second

// versionTable is where tern records the applied migration version.
const versionTable = "schema_version"

// Store is the PostGIS store. It is safe for concurrent use.
//
// A restricted store (Config.Restricted, used by the service) runs every
// query as the role bw_app with the agency and role of the context's
// Principal, so that PostgreSQL's views and row-level security decide what
// is visible; sys runs as the login itself, for authentication, sign-in,
// the audit log and the replica's change feed. The service's login is a
// member of bw_app only (migration 0015, LoginRole): what sys reads beyond
// one agency's view, it reads through the owner's views and SECURITY
// DEFINER functions. An unrestricted store (command-line tools as the
// database's owner, tests) uses one pool for both.
type Store struct {
	pool   *pgxpool.Pool
	sys    *pgxpool.Pool
	tokens *tokenCache
	// auditKey signs the audit entries this store appends (nil: unsigned).
	auditKey   ed25519.PrivateKey
	auditKeyID string
	// area is the region events and positions must lie in (nil:
	// record.DefaultArea); see SetArea.
	area atomic.Pointer[record.Area]
	// fences is the replica's index of the alert rules' zones.
	fences fenceCache
	// eventWrites counts the transactions through this store that may
	// have changed what the events view shows (records, agreements), each
	// counted once it has ended; a live index over this store serves
	// pages only once it has pulled after the latest (see Live.CatchUp).
	eventWrites atomic.Int64
}

// Config holds connection settings for Open.
type Config struct {
	// URL is a PostgreSQL connection string (DATABASE_URL).
	URL string
	// MaxConns caps the pool size; 0 keeps pgx's default.
	MaxConns int32
	// StatementTimeout is applied to every statement; 0 disables it.
	StatementTimeout time.Duration
	// Restricted makes every query act for the context's Principal.
	Restricted bool
}

// Open connects to PostgreSQL and returns a Store. It does not migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	pcfg, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if cfg.MaxConns > 0 {
		pcfg.MaxConns = cfg.MaxConns
	}
	if cfg.StatementTimeout > 0 {
		pcfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(cfg.StatementTimeout.Milliseconds())
	}
	pcfg.ConnConfig.RuntimeParams["application_name"] = "borderwatch"
	if pcfg.ConnConfig.ConnectTimeout == 0 || pcfg.ConnConfig.ConnectTimeout > 5*time.Second {
		// Fail fast while the database is down instead of hanging requests.
		pcfg.ConnConfig.ConnectTimeout = 3 * time.Second
	}
	// A request whose client goes away cancels its context. By default pgx
	// then breaks the connection at once and sends PostgreSQL a cancel
	// request (SIGINT to the backend): a burst of abandoned requests became
	// a storm of reconnects and cancels, and under it a backend with PostGIS
	// loaded aborted in malloc, which restarts the whole server. Instead a
	// query whose context ends gets cancelDelay to finish normally (ours
	// take milliseconds; statement_timeout bounds the rest), and the
	// connection goes back to the pool intact.
	pcfg.ConnConfig.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: pc.Conn(), DeadlineDelay: cancelDelay}
	}
	if !cfg.Restricted {
		pool, err := pgxpool.NewWithConfig(ctx, pcfg)
		if err != nil {
			return nil, fmt.Errorf("connect: %w", err)
		}
		return &Store{pool: pool, sys: pool, tokens: &tokenCache{}}, nil
	}
	return openRestricted(ctx, pcfg)
}

// openRestricted connects a restricted store with pcfg: sys as the login,
// pool acting for each context's Principal.
func openRestricted(ctx context.Context, pcfg *pgxpool.Config) (*Store, error) {
	scfg := pcfg.Copy()
	scfg.MaxConns = 4
	sys, err := pgxpool.NewWithConfig(ctx, scfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	acts := &connActs{acts: map[*pgx.Conn]string{}}
	pcfg.PrepareConn = acts.prepare
	pcfg.BeforeClose = acts.forget
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		sys.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	return &Store{pool: pool, sys: sys, tokens: &tokenCache{}}, nil
}

// Restricted returns a restricted store over new connections with s's
// settings and audit key, so that an operator's tool (the demo) can act
// for an agency exactly as the service does: as bw_app, with row-level
// security and the checks that need an agency (hits). The login must be
// a member of bw_app, as the owner is (scripts/db-roles.sh). The caller
// closes it.
func (s *Store) Restricted(ctx context.Context) (*Store, error) {
	pcfg := s.pool.Config()
	pcfg.PrepareConn, pcfg.BeforeClose = nil, nil
	pcfg.MaxConns = 2
	r, err := openRestricted(ctx, pcfg)
	if err != nil {
		return nil, err
	}
	r.auditKey, r.auditKeyID = s.auditKey, s.auditKeyID
	return r, nil
}

// NewFromPool wraps an existing pool as an unrestricted store, as tests do.
func NewFromPool(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, sys: pool, tokens: &tokenCache{}}
}

// Close closes the pools.
func (s *Store) Close() {
	s.pool.Close()
	if s.sys != s.pool {
		s.sys.Close()
	}
}

// PoolStats reports the use of the main pool, for metrics.
func (s *Store) PoolStats() (acquired, idle, total, max int32) {
	st := s.pool.Stat()
	return st.AcquiredConns(), st.IdleConns(), st.TotalConns(), st.MaxConns()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.sys.Ping(ctx); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// Migrate applies every embedded migration not applied yet. Concurrent
// callers (several replicas starting at once) are serialised by tern's
// advisory lock.
func (s *Store) Migrate(ctx context.Context) error {
	return MigratePool(ctx, s.sys)
}

// MigratePool applies the embedded migrations through one connection of pool.
func MigratePool(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := m.LoadMigrations(migrationsFS()); err != nil {
		return fmt.Errorf("migrate: load: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := rekeyEntities(ctx, conn.Conn()); err != nil {
		return fmt.Errorf("migrate: entity keys: %w", err)
	}
	return nil
}

func migrationsFS() fs.FS { return migrations.FS }

// latestMigration is the number of embedded migrations, which is the
// latest version: tern numbers them 1, 2, … without gaps.
var latestMigration = sync.OnceValue(func() int32 {
	files, _ := fs.Glob(migrationsFS(), "*.sql")
	return int32(len(files))
})

// MigrationStatus reports the applied and the latest embedded migration
// versions. It only reads tern's version table (readiness probes call it),
// so it neither waits for a running migration's lock nor writes.
func (s *Store) MigrationStatus(ctx context.Context) (applied, latest int32, err error) {
	err = s.sys.QueryRow(ctx, `SELECT version FROM `+versionTable).Scan(&applied)
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows), errors.As(err, &pgErr) && pgErr.Code == "42P01": // no table: nothing applied
		applied, err = 0, nil
	case err != nil:
		return 0, 0, fmt.Errorf("migration status: %w", mapErr(err))
	}
	return applied, latestMigration(), nil
}

// Analyze refreshes the planner's statistics (ANALYZE) of every table of
// the public schema that the store's login owns, and returns how many it
// analyzed. The tools run it after loading much data at once.
func (s *Store) Analyze(ctx context.Context) (int, error) {
	rows, err := s.sys.Query(ctx, `SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
		WHERE schemaname = 'public' AND tableowner = current_user ORDER BY tablename`)
	if err != nil {
		return 0, fmt.Errorf("analyze: %w", mapErr(err))
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("analyze: %w", mapErr(err))
	}
	for _, t := range tables {
		if _, err := s.sys.Exec(ctx, "ANALYZE "+t); err != nil {
			return 0, fmt.Errorf("analyze %s: %w", t, mapErr(err))
		}
	}
	return len(tables), nil
}

// inTx runs fn in a transaction and commits it; fn's error rolls back.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return mapErr(err)
	}
	return nil
}

// inEventTx is inTx for a transaction that may change what the events
// view shows anyone: event records, sharing agreements. Every such write
// of the service goes through it, so that the live index of this replica
// knows that it must pull before it answers a page (read your writes).
// The count moves once the transaction has ended, committed or not.
func (s *Store) inEventTx(ctx context.Context, fn func(pgx.Tx) error) error {
	defer s.eventWrites.Add(1)
	return s.inTx(ctx, fn)
}

// mapErr turns driver errors into the package's sentinel errors where the
// caller can act on them.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %s", ErrConflict, pgErr.Detail)
		case "23503": // foreign_key_violation
			return &record.ValidationError{Fields: []record.FieldError{{Field: fkField(pgErr.ConstraintName), Reason: "refers to a record that does not exist"}}}
		case "42501": // insufficient_privilege, incl. row-level security
			return fmt.Errorf("%w: %s", ErrForbidden, pgErr.Message)
		case "57014": // query_canceled (statement timeout)
			return fmt.Errorf("%w: %s", context.DeadlineExceeded, pgErr.Message)
		case "57P01", "57P02", "57P03", "08000", "08003", "08006": // shutdown, cannot connect now, connection failures
			return fmt.Errorf("%w: %s", ErrUnavailable, pgErr.Message)
		case "P0002": // no_data_found, raised by the agreement functions
			return fmt.Errorf("%w: %s", ErrNotFound, pgErr.Message)
		case "55000": // object_not_in_prerequisite_state: e.g. a proposal no longer pending
			return fmt.Errorf("%w: %s", ErrConflict, pgErr.Message)
		case "23514": // check_violation
			if pgErr.ConstraintName == "message_recipient_partner" {
				return &record.ValidationError{Fields: []record.FieldError{{Field: "recipients", Reason: pgErr.Message}}}
			}
			if pgErr.ConstraintName == "agreement_partner" {
				return &record.ValidationError{Fields: []record.FieldError{{Field: "partner", Reason: pgErr.Message}}}
			}
			return &record.ValidationError{Fields: []record.FieldError{{Field: pgErr.ConstraintName, Reason: "violates a constraint"}}}
		}
		return err
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.SafeToRetry(err) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return err
}

func fkField(constraint string) string {
	switch constraint {
	case "events_agency_id_fkey", "teams_agency_id_fkey", "offices_agency_id_fkey":
		return "agency"
	case "events_joint_operation_id_fkey":
		return "joint_operation"
	case "agreement_proposals_agency_a_fkey", "agreement_proposals_agency_b_fkey", "agreement_proposals_proposed_by_fkey":
		return "partner"
	}
	return constraint
}
