package data_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/migrations"
)

func TestMigrationsApply(t *testing.T) {
	s := datatest.Store(t)
	ctx := context.Background()
	applied, latest, err := s.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if applied != latest || int(latest) != len(files) {
		t.Fatalf("applied %d of %d migrations, %d embedded", applied, latest, len(files))
	}
	// A database without tern's version table has none applied.
	cfg, err := pgxpool.ParseConfig(datatest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = "pg_catalog"
	bare, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	if applied, latest, err := data.NewFromPool(bare).MigrationStatus(ctx); err != nil || applied != 0 || int(latest) != len(files) {
		t.Fatalf("without a version table: applied %d of %d, %v; want 0 of %d", applied, latest, err, len(files))
	}
	// Migrating again is a no-op.
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
}
