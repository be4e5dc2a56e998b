-- The purge of entities that were only the subjects of expired lookouts.
--
-- data.PurgeExpired removes the texts and subject links of the threads of
-- lookouts expired longer than the retention period. An entity that was a
-- subject of such a lookout, that no event links to and that no message
-- still names (an active lookout, or one within its retention) loses its
-- personal data in the same transaction: the columns the entities view
-- withholds without the personal-data term (a person's name, script,
-- other names, birth year and date, documents; every entity's notes) and
-- its matching keys but the plate's (name, skeleton, document); a purged
-- entity is not keyed again when a migration rekeys. The entity itself stays, with its
-- non-personal fields (kind, agency, sharing, nationality, a vehicle's
-- plate and description, a consignment's content), because hits and
-- entity links refer to it; purged_at says when it was purged, and the
-- purge is audited with the ids (action purge.entities).
--
-- A purged person has no name any more, so the rule that a person has a
-- name holds only until it is purged. The purge runs as the owner
-- (borderwatch purge), like the rest of PurgeExpired: nothing is granted
-- to bw_app.
ALTER TABLE entity_records ADD COLUMN purged_at timestamptz;

DO $$
DECLARE
  v_name text;
BEGIN
  SELECT conname INTO STRICT v_name FROM pg_constraint
  WHERE conrelid = 'entity_records'::regclass AND contype = 'c'
    AND pg_get_constraintdef(oid) = 'CHECK (((kind <> ''person''::text) OR (name IS NOT NULL)))';
  EXECUTE format('ALTER TABLE entity_records DROP CONSTRAINT %I', v_name);
END $$;

ALTER TABLE entity_records ADD CONSTRAINT entity_records_person_name
  CHECK (kind <> 'person' OR name IS NOT NULL OR purged_at IS NOT NULL);
ALTER TABLE entity_records ADD CONSTRAINT entity_records_purged_no_personal
  CHECK (purged_at IS NULL OR (name IS NULL OR kind <> 'person') AND script IS NULL AND other_names = '{}'
         AND birth_year IS NULL AND birth_date IS NULL AND documents = '[]' AND notes IS NULL);
