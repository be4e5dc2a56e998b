package data

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/record"
)

// rekeyBatch is how many entities rekeyEntities reads at a time.
const rekeyBatch = 1000

// rekeyEntities writes the matching keys of every person and vehicle that
// has none: after migration 0020, which removed the keys of the earlier
// normalisation, and after any later migration that does so when the
// match package's rules change (a migration cannot call Go). It runs as
// the migrating role, which sees every agency's entities, and returns how
// many entities it keyed. A vehicle without a plate has no key and is read
// again each time, which costs a scan of the few such rows.
func rekeyEntities(ctx context.Context, conn *pgx.Conn) (int, error) {
	n := 0
	var after any // uuid of the last entity keyed, nil at first
	for {
		rows, err := conn.Query(ctx, `SELECT `+entityWriteColumns+` FROM entity_records n
			WHERE n.kind IN ('person', 'vehicle') AND n.purged_at IS NULL AND ($1::uuid IS NULL OR n.id > $1)
			  AND NOT EXISTS (SELECT 1 FROM entity_key_records k WHERE k.entity_id = n.id)
			ORDER BY n.id LIMIT $2`, after, rekeyBatch)
		if err != nil {
			return n, mapErr(err)
		}
		es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (record.Entity, error) { return scanEntity(r) })
		if err != nil {
			return n, mapErr(err)
		}
		if len(es) == 0 {
			return n, nil
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return n, mapErr(err)
		}
		for _, e := range es {
			if err := writeEntityKeys(ctx, tx, e); err != nil {
				_ = tx.Rollback(ctx)
				return n, fmt.Errorf("entity %s: %w", e.ID, err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			return n, mapErr(err)
		}
		n += len(es)
		after = es[len(es)-1].ID
	}
}
