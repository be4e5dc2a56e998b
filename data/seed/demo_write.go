package seed

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/data"
)

// writeDemo replaces the synthetic records with pl in one transaction and
// fills in the numbers of bases and teams written.
func writeDemo(ctx context.Context, store *data.Store, pl *demoPlan, seed int64, sum *DemoSummary) error {
	return store.InTx(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{
			`DELETE FROM event_records WHERE synthetic`,
			`DELETE FROM joint_operations WHERE synthetic`,
			// The synthetic teams' tracks, devices and alerts (a simulate
			// run's too) go with them.
			`DELETE FROM alerts WHERE team_id IN (SELECT id FROM teams WHERE synthetic)`,
			`DELETE FROM position_records WHERE team_id IN (SELECT id FROM teams WHERE synthetic)`,
			`DELETE FROM devices WHERE team_id IN (SELECT id FROM teams WHERE synthetic)`,
			`DELETE FROM teams WHERE synthetic`,
			`UPDATE teams SET base_office = NULL WHERE base_office IN (SELECT id FROM offices WHERE synthetic)`,
			`DELETE FROM offices WHERE synthetic`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return data.MapErr(err)
			}
		}
		if err := writeDemoOps(ctx, tx, pl.ops); err != nil {
			return err
		}
		teams, err := writeDemoBases(ctx, tx, pl.bases)
		if err != nil {
			return err
		}
		sum.Bases, sum.Teams = len(teams), len(teams)
		if err := writeDemoTracks(ctx, tx, teams, pl.tracks); err != nil {
			return err
		}
		sum.TrackFixes = len(pl.tracks)
		if err := data.CopyEvents(ctx, tx, pl.events); err != nil {
			return err
		}
		return store.AuditTx(ctx, tx, "demo.generate", "events", map[string]any{
			"seed": seed, "events": sum.Events, "joint_operations": sum.JointOperations, "teams": sum.Teams,
			"track_fixes": sum.TrackFixes})
	})
}

func writeDemoOps(ctx context.Context, tx pgx.Tx, ops []demoOp) error {
	b := &pgx.Batch{}
	for _, op := range ops {
		b.Queue(`INSERT INTO joint_operations (id, name, lead_agency_id, started_on, ended_on, synthetic)
			VALUES ($1, $2, $3, $4, $5, true)`, op.id, op.name, op.lead, op.start, op.end)
		for _, a := range append([]string{op.lead}, op.partners...) {
			b.Queue(`INSERT INTO joint_operation_agencies (operation_id, agency_id) VALUES ($1, $2)`, op.id, a)
		}
	}
	return data.MapErr(tx.SendBatch(ctx, b).Close())
}

// writeDemoBases writes the bases and their teams and returns the teams'
// ids in the order of bases.
func writeDemoBases(ctx context.Context, tx pgx.Tx, bases []demoBase) ([]int, error) {
	teams := make([]int, len(bases))
	for i, bs := range bases {
		var id int
		err := tx.QueryRow(ctx, `INSERT INTO offices (name, agency_id, country, kind, location_precision, note, synthetic, geom)
			VALUES ($1, $2, $3, 'mobit_base', 'exact', $4, true, ST_SetSRID(ST_MakePoint($5, $6), 4326)) RETURNING id`,
			bs.name, bs.agency, bs.country, bs.note, bs.p[0], bs.p[1]).Scan(&id)
		if err != nil {
			return nil, data.MapErr(err)
		}
		t := bs.team
		err = tx.QueryRow(ctx, `INSERT INTO teams (name, agency_id, country, base_office, speed_kph, offroad_kph, shift_h, crew, synthetic, geom)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, ST_SetSRID(ST_MakePoint($9, $10), 4326)) RETURNING id`,
			t.name, t.agency, bs.country, id, t.speedKPH, t.offroadKPH, t.shiftH, t.crew, bs.p[0], bs.p[1]).Scan(&teams[i])
		if err != nil {
			return nil, data.MapErr(err)
		}
	}
	return teams, nil
}
