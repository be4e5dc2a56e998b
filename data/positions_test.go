package data_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/parse"
	"github.com/borderwatch/borderwatch/record"
)

// TestIngestPositionsAllOrNothing: an ingest whose insert fails (here the
// device was revoked after it authenticated, which the database refuses)
// stores none of its positions and no audit entry; the same batch for an
// active device is stored whole.
func TestIngestPositionsAllOrNothing(t *testing.T) {
	pool := datatest.Pool(t)
	s := data.NewFromPool(pool)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES ('tj-dca', 'DCA (test)', 'TJK', 'drug_control');
		INSERT INTO countries (iso3, name, source, license, geom) VALUES ('TJK', 'Tajikistan', 't', 't', ST_Multi(ST_MakeEnvelope(67, 36.6, 75, 41, 4326)));
		INSERT INTO teams (name, agency_id, country, speed_kph, shift_h, crew, geom) VALUES ('MOBIT', 'tj-dca', 'TJK', 60, 8, 6, ST_SetSRID(ST_MakePoint(68.6, 37.2), 4326))`); err != nil {
		t.Fatal(err)
	}
	var team int
	if err := pool.QueryRow(ctx, `SELECT id FROM teams`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	secret, dev, err := s.CreateDevice(ctx, team, "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	items := make([]parse.PositionItem, 300)
	for i := range items {
		items[i].Position = record.Position{FixTime: now.Add(-time.Hour + time.Duration(i)*time.Second),
			Location: orb.Point{68.6, 37.2 + float64(i)*1e-4}, Source: record.SourceOsmAnd}
	}
	if err := s.RevokeDevice(ctx, dev.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateDevice(ctx, secret); !errors.Is(err, data.ErrDeviceRevoked) {
		t.Fatalf("revoked device authenticates: %v", err)
	}
	target := data.IngestTarget{TeamID: team, DeviceID: dev.ID}
	if _, err := s.IngestPositions(ctx, target, items, now); !errors.Is(err, data.ErrForbidden) {
		t.Fatalf("ingest for a revoked device: %v, want forbidden", err)
	}
	count := func(q string) int {
		var n int
		if err := pool.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM position_records`); n != 0 {
		t.Fatalf("%d positions of a failed ingest stored", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'position.ingest'`); n != 0 {
		t.Fatalf("a failed ingest left %d audit entries", n)
	}
	_, dev2, err := s.CreateDevice(ctx, team, "")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.IngestPositions(ctx, data.IngestTarget{TeamID: team, DeviceID: dev2.ID}, items, now)
	if err != nil || sum.Stored != 300 || count(`SELECT count(*) FROM position_records`) != 300 {
		t.Fatalf("%+v %v", sum, err)
	}
	if _, err := s.AuthenticateDevice(ctx, "bwd_not-a-device"); !errors.Is(err, data.ErrUnauthenticated) {
		t.Fatalf("unknown secret: %v", err)
	}
}
