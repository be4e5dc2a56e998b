package data_test

import (
	"context"
	"testing"

	"github.com/borderwatch/borderwatch/data/datatest"
)

func TestMigrationsApply(t *testing.T) {
	s := datatest.Store(t)
	ctx := context.Background()
	applied, latest, err := s.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if applied != latest || latest < 1 {
		t.Fatalf("applied %d of %d migrations", applied, latest)
	}
	// Migrating again is a no-op.
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
}
