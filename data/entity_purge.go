package data

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// sqlPurgeSubjects removes the personal data of the entities $1 that no
// event links to and no message names any more: the columns the entities
// view withholds without the personal-data term, as migration 0022
// describes. An entity purged before is left as it is.
const sqlPurgeSubjects = `UPDATE entity_records r SET
	  name = CASE WHEN r.kind = 'person' THEN NULL ELSE r.name END,
	  script = NULL, other_names = '{}', birth_year = NULL, birth_date = NULL, documents = '[]', notes = NULL,
	  purged_at = now(), version = r.version + 1
	WHERE r.id = ANY($1) AND r.purged_at IS NULL
	  AND NOT EXISTS (SELECT 1 FROM event_entity_records l WHERE l.entity_id = r.id)
	  AND NOT EXISTS (SELECT 1 FROM message_subjects s WHERE s.entity_id = r.id)
	RETURNING r.id`

// purgeSubjects purges, in tx, the personal data of those of subjects —
// the entities the purge just unlinked from expired lookouts' threads —
// that no event links to and that no message (an active lookout, or one
// within its retention) still names, with their matching keys but the
// plate's (names, skeletons and documents are personal data), and audits
// it with their ids. It runs as the owner (PurgeExpired) and returns how
// many it purged.
func (s *Store) purgeSubjects(ctx context.Context, tx pgx.Tx, subjects []uuid.UUID) (int, error) {
	if len(subjects) == 0 {
		return 0, nil
	}
	rows, err := tx.Query(ctx, sqlPurgeSubjects, subjects)
	if err != nil {
		return 0, mapErr(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return 0, mapErr(err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM entity_key_records WHERE entity_id = ANY($1) AND kind <> 'plate'`,
		ids); err != nil {
		return 0, mapErr(err)
	}
	if err := s.audit(ctx, tx, "purge.entities", "entities", map[string]any{"entities": ids}); err != nil {
		return 0, err
	}
	return len(ids), nil
}
