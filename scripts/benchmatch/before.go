package main

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// beforeSchema holds the baseline: bw_hit_candidates as migration 0020
// defined it — one trigram search (similarity 0.3) per probe key over the
// keys of every entity, then the active lookouts about the entities found.
// A transaction that puts the schema first on its search_path runs the
// service's hit check against it, the same Go code and scoring as the
// current function's.
const beforeSchema = "bench_before"

const beforeSQL = `
CREATE SCHEMA IF NOT EXISTS bench_before;
CREATE OR REPLACE FUNCTION bench_before.bw_hit_candidates(p_entity uuid)
RETURNS TABLE (message_id bigint, author_agency text, subject_id uuid, subject_kind text, subject jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET pg_trgm.similarity_threshold = 0.3 AS $$
DECLARE
  v_me text := bw_agency();
  v_probe record;
  v_key record;
  v_near uuid[] := '{}';
BEGIN
  IF v_me IS NULL OR bw_role() IS NULL OR bw_role() NOT IN ('analyst', 'admin') THEN
    RAISE EXCEPTION 'only an analyst of an agency matches records against lookouts' USING ERRCODE = 'insufficient_privilege';
  END IF;
  v_probe := bw_hit_probe(p_entity);
  IF NOT v_probe.allowed THEN
    RAISE EXCEPTION 'entity % is not a record of %', p_entity, v_me USING ERRCODE = 'insufficient_privilege';
  END IF;
  FOR v_key IN SELECT k.kind, k.key FROM entity_key_records k
      WHERE k.entity_id = p_entity AND (k.kind = 'plate' OR v_probe.personal) LOOP
    v_near := v_near || ARRAY(SELECT c.entity_id FROM entity_key_records c
      WHERE c.key % v_key.key AND c.kind = v_key.kind AND c.entity_id <> p_entity);
  END LOOP;
  RETURN QUERY
  SELECT m.id, m.author_agency, s.entity_id, e.kind,
         CASE e.kind WHEN 'person' THEN jsonb_build_object(
                'names', to_jsonb(e.name || e.other_names), 'birth_year', e.birth_year, 'birth_date', e.birth_date,
                'nationality', e.nationality,
                'documents', coalesce((SELECT jsonb_agg(d -> 'number') FROM jsonb_array_elements(e.documents) d), '[]'))
              ELSE jsonb_build_object('plate', e.plate) END
  FROM (SELECT DISTINCT u.id FROM unnest(v_near) AS u (id)) n (entity_id)
  JOIN message_subjects s ON s.entity_id = n.entity_id
  JOIN messages m ON m.id = s.message_id AND m.kind = 'lookout' AND m.purged_at IS NULL
    AND m.valid_until > now() AND (m.valid_from IS NULL OR m.valid_from <= now())
  JOIN message_recipients r ON r.message_id = m.id AND r.agency_id = v_me
  JOIN entity_records e ON e.id = s.entity_id;
END $$;
REVOKE ALL ON FUNCTION bench_before.bw_hit_candidates(uuid) FROM PUBLIC;
GRANT USAGE ON SCHEMA bench_before TO bw_app;
GRANT EXECUTE ON FUNCTION bench_before.bw_hit_candidates(uuid) TO bw_app;
`

// installBefore creates the baseline function as the owner.
func installBefore(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, beforeSQL)
	return err
}
