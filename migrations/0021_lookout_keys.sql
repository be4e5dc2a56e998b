-- Lookout keys: the matching keys of the subjects of lookouts, in a table
-- of their own, so that the hit check of every write searches the keys of
-- the lookouts (about 100k active ones, a few keys each) and not those of
-- every entity (1M and more).
--
-- lookout_keys holds, per lookout that is not purged and per subject of
-- it, each of the subject's keys (entity_key_records: name, skeleton,
-- plate, document), with the lookout's validity window and its recipient
-- agencies; lookout_words the words of those keys. Triggers keep it: on
-- message_subjects (a subject added or removed), entity_key_records (a
-- subject's keys rewritten), message_recipients (an agency added) and
-- messages (the window changed, the lookout purged). The purge also drops
-- the rows of lookouts that have expired and the words no key has left
-- (data.PurgeExpired), so between purges the table holds the lookouts
-- active at the last one and those made since; bw_hit_candidates checks
-- the window anyway. Only the owner reads or writes the two tables: their
-- keys are personal data of other agencies' entities, and bw_app reaches
-- them through bw_hit_candidates alone.
--
-- Retrieval. pg_trgm similarity (%) over a whole key at 0.3 takes a
-- two-word name for a candidate when only its given name is shared
-- ("abdulaiv rustam" and "faizuluv rustam"): over a million names that
-- pulled tens of thousands of candidates per record, and even over the
-- lookouts' keys alone thousands, each rechecked on the heap. Keys are
-- now compared word by word (bw_lookout_near): each word of the probe's
-- key is looked up in a dictionary of the lookouts' words (lookout_words,
-- trigram similarity 0.3), and a lookout's key is a candidate when it has
-- words near two different words of the probe's key (a one-word key: near
-- its word), or is one word near any of them; a skeleton key must also be
-- similar to the probe's skeleton as a whole (0.5). On the labelled set
-- (scripts/match-eval.sh -pg) that retrieves 431 of 432 pairs of one
-- person, as whole-key similarity did, and 132 of 242 pairs of different
-- persons against 237. The conditions are intersections of the posting
-- lists of a GIN index on the keys' words, so a shared given name costs
-- nothing on the heap. The GIN indexes do without a pending list
-- (fastupdate off): lookouts are written rarely, searched at every write.

CREATE TABLE lookout_keys (
  message_id  bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  subject_id  uuid NOT NULL REFERENCES entity_records (id) ON DELETE CASCADE,
  kind        text NOT NULL,
  key         text NOT NULL,
  words       text[] NOT NULL GENERATED ALWAYS AS (string_to_array(key, ' ')) STORED,
  valid_from  timestamptz,
  valid_until timestamptz NOT NULL,
  recipients  text[] NOT NULL,
  PRIMARY KEY (message_id, subject_id, kind, key)
);
CREATE INDEX lookout_keys_subject_idx ON lookout_keys (subject_id);
CREATE INDEX lookout_keys_key_idx ON lookout_keys (key);
CREATE INDEX lookout_keys_words_idx ON lookout_keys USING gin (words) WITH (fastupdate = off);
REVOKE ALL ON lookout_keys FROM PUBLIC;

-- The words of the lookouts' keys, once each per kind, trigram-indexed:
-- the dictionary a probe's words are looked up in. A word stays when its
-- last key goes (it then finds no key); the purge drops such words.
CREATE TABLE lookout_words (
  kind text NOT NULL,
  word text NOT NULL,
  PRIMARY KEY (kind, word)
);
CREATE INDEX lookout_words_trgm_idx ON lookout_words USING gin (word gin_trgm_ops) WITH (fastupdate = off);
REVOKE ALL ON lookout_words FROM PUBLIC;

CREATE FUNCTION bw_lookout_words_add() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO lookout_words (kind, word)
    SELECT DISTINCT a.kind, w FROM added a, unnest(a.words) w WHERE w <> ''
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION bw_lookout_words_add() FROM PUBLIC;
CREATE TRIGGER lookout_keys_words AFTER INSERT ON lookout_keys
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION bw_lookout_words_add();

-- bw_lookout_keys_add writes the rows of the given (lookout, subject)
-- pairs from the subjects' keys, for lookouts that are not purged.
CREATE FUNCTION bw_lookout_keys_add(p_messages bigint[], p_subjects uuid[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO lookout_keys (message_id, subject_id, kind, key, valid_from, valid_until, recipients)
  SELECT m.id, k.entity_id, k.kind, k.key, m.valid_from, m.valid_until,
         ARRAY(SELECT r.agency_id FROM message_recipients r WHERE r.message_id = m.id ORDER BY r.agency_id)
  FROM (SELECT DISTINCT * FROM unnest(p_messages, p_subjects)) p (message_id, subject_id)
  JOIN messages m ON m.id = p.message_id AND m.kind = 'lookout' AND m.purged_at IS NULL
  JOIN entity_key_records k ON k.entity_id = p.subject_id
  ON CONFLICT DO NOTHING
$$;
REVOKE ALL ON FUNCTION bw_lookout_keys_add(bigint[], uuid[]) FROM PUBLIC;

-- A subject added to or removed from a message.
CREATE FUNCTION bw_lookout_keys_subjects() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM bw_lookout_keys_add(ARRAY(SELECT message_id FROM added), ARRAY(SELECT entity_id FROM added));
  ELSE
    DELETE FROM lookout_keys l USING removed o WHERE l.message_id = o.message_id AND l.subject_id = o.entity_id;
  END IF;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION bw_lookout_keys_subjects() FROM PUBLIC;
CREATE TRIGGER message_subjects_lookout_keys_add AFTER INSERT ON message_subjects
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION bw_lookout_keys_subjects();
CREATE TRIGGER message_subjects_lookout_keys_remove AFTER DELETE ON message_subjects
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION bw_lookout_keys_subjects();

-- An entity's keys written (the service replaces them: delete, insert) or
-- changed: its keys in every lookout that names it follow.
CREATE FUNCTION bw_lookout_keys_entity() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    DELETE FROM lookout_keys l USING removed o
      WHERE l.subject_id = o.entity_id AND l.kind = o.kind AND l.key = o.key;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM bw_lookout_keys_add(array_agg(s.message_id), array_agg(s.entity_id))
      FROM message_subjects s WHERE s.entity_id IN (SELECT entity_id FROM added);
  END IF;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION bw_lookout_keys_entity() FROM PUBLIC;
CREATE TRIGGER entity_key_records_lookout_keys_add AFTER INSERT ON entity_key_records
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION bw_lookout_keys_entity();
CREATE TRIGGER entity_key_records_lookout_keys_change AFTER UPDATE ON entity_key_records
  REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION bw_lookout_keys_entity();
CREATE TRIGGER entity_key_records_lookout_keys_remove AFTER DELETE ON entity_key_records
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION bw_lookout_keys_entity();

-- A recipient added to a lookout (or removed, as a message is deleted).
CREATE FUNCTION bw_lookout_keys_recipients() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE lookout_keys l SET recipients = ARRAY(SELECT r.agency_id FROM message_recipients r
        WHERE r.message_id = l.message_id ORDER BY r.agency_id)
      WHERE l.message_id IN (SELECT message_id FROM added);
  ELSE
    UPDATE lookout_keys l SET recipients = ARRAY(SELECT r.agency_id FROM message_recipients r
        WHERE r.message_id = l.message_id ORDER BY r.agency_id)
      WHERE l.message_id IN (SELECT message_id FROM removed);
  END IF;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION bw_lookout_keys_recipients() FROM PUBLIC;
CREATE TRIGGER message_recipients_lookout_keys_add AFTER INSERT ON message_recipients
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION bw_lookout_keys_recipients();
CREATE TRIGGER message_recipients_lookout_keys_remove AFTER DELETE ON message_recipients
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION bw_lookout_keys_recipients();

-- A message's kind, window or purge changed: its rows are written anew
-- (none once it is purged).
CREATE FUNCTION bw_lookout_keys_message() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_changed bigint[] := ARRAY(SELECT n.id FROM added n JOIN removed o ON o.id = n.id
    WHERE (n.kind, n.valid_from, n.valid_until, n.purged_at) IS DISTINCT FROM (o.kind, o.valid_from, o.valid_until, o.purged_at));
BEGIN
  IF cardinality(v_changed) = 0 THEN
    RETURN NULL;
  END IF;
  DELETE FROM lookout_keys WHERE message_id = ANY (v_changed);
  PERFORM bw_lookout_keys_add(array_agg(s.message_id), array_agg(s.entity_id))
    FROM message_subjects s WHERE s.message_id = ANY (v_changed);
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION bw_lookout_keys_message() FROM PUBLIC;
CREATE TRIGGER messages_lookout_keys AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION bw_lookout_keys_message();

-- The lookouts of before this migration.
SELECT bw_lookout_keys_add(array_agg(message_id), array_agg(entity_id)) FROM message_subjects;

-- bw_lookout_near returns the (lookout, subject) pairs of lookout_keys
-- whose key of kind p_kind is near p_key word by word, in lookouts active
-- now and addressed to p_me, leaving out subject p_except. Each word of
-- p_key (the first eight) is looked up in lookout_words (trigram
-- similarity 0.3); a key is near when it holds words near two different
-- words of p_key, or near the one word of a one-word p_key, or is itself
-- one word near a word of p_key (a surname alone). Each condition is an
-- intersection of the words index's posting lists, so a given name that
-- thousands of lookouts share costs no more than the few keys that have
-- the surname too. A skeleton's words are short and many are near each
-- other (every "-zoda" ends in "zd"), so a skeleton key must also have
-- similarity 0.5 with p_key as a whole. For bw_hit_candidates only: bw_app
-- cannot call it.
CREATE FUNCTION bw_lookout_near(p_kind text, p_key text, p_me text, p_except uuid)
RETURNS TABLE (message_id bigint, subject_id uuid)
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp SET pg_trgm.similarity_threshold = 0.3 AS $$
DECLARE
  v_words text[] := (string_to_array(p_key, ' '))[1:8];
  v_sets text[] := '{}'; -- per word of p_key, its near words (an array literal)
  v_all text[] := '{}';
  v_near text[];
  v_cond text;
  v_n integer;
BEGIN
  FOR i IN 1 .. coalesce(cardinality(v_words), 0) LOOP
    v_near := ARRAY(SELECT w.word FROM lookout_words w WHERE w.kind = p_kind AND w.word % v_words[i]);
    v_sets := v_sets || v_near::text;
    v_all := v_all || v_near;
  END LOOP;
  v_n := cardinality(v_sets);
  IF v_n = 0 OR cardinality(v_all) = 0 THEN
    RETURN;
  ELSIF v_n = 1 THEN
    v_cond := format('c.words && %L::text[]', v_sets[1]);
  ELSE
    v_cond := format('c.key = ANY (%L::text[])', v_all);
    FOR i IN 1 .. v_n - 1 LOOP
      FOR j IN i + 1 .. v_n LOOP
        v_cond := v_cond || format(' OR (c.words && %L::text[] AND c.words && %L::text[])', v_sets[i], v_sets[j]);
      END LOOP;
    END LOOP;
  END IF;
  RETURN QUERY EXECUTE format('SELECT c.message_id, c.subject_id FROM lookout_keys c
    WHERE (%s) AND c.kind = $1 AND c.subject_id <> $2 AND $3 = ANY (c.recipients)
      AND c.valid_until > now() AND (c.valid_from IS NULL OR c.valid_from <= now())
      AND ($1 <> ''skeleton'' OR similarity(c.key, $4) >= 0.5)', v_cond)
    USING p_kind, p_except, p_me, p_key;
END $$;
REVOKE ALL ON FUNCTION bw_lookout_near(text, text, text, uuid) FROM PUBLIC;

-- bw_hit_candidates of 0020, searching lookout_keys: the subjects of the
-- active lookouts addressed to the caller's agency (valid now, not
-- purged) with a key near one of p_entity's keys of the same kind
-- (bw_lookout_near), with what the service scores them by. p_entity is
-- the caller's own entity or one its events link to; its personal keys
-- count only where the caller sees the entity's personal data.
CREATE OR REPLACE FUNCTION bw_hit_candidates(p_entity uuid)
RETURNS TABLE (message_id bigint, author_agency text, subject_id uuid, subject_kind text, subject jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_me text := bw_agency();
  v_probe record;
BEGIN
  IF v_me IS NULL OR bw_role() IS NULL OR bw_role() NOT IN ('analyst', 'admin') THEN
    RAISE EXCEPTION 'only an analyst of an agency matches records against lookouts' USING ERRCODE = 'insufficient_privilege';
  END IF;
  v_probe := bw_hit_probe(p_entity);
  IF NOT v_probe.allowed THEN
    RAISE EXCEPTION 'entity % is not a record of %', p_entity, v_me USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY
  SELECT m.id, m.author_agency, e.id, e.kind,
         CASE e.kind WHEN 'person' THEN jsonb_build_object(
                'names', to_jsonb(e.name || e.other_names), 'birth_year', e.birth_year, 'birth_date', e.birth_date,
                'nationality', e.nationality,
                'documents', coalesce((SELECT jsonb_agg(d -> 'number') FROM jsonb_array_elements(e.documents) d), '[]'))
              ELSE jsonb_build_object('plate', e.plate) END
  FROM (SELECT DISTINCT n.message_id, n.subject_id FROM entity_key_records k,
          LATERAL bw_lookout_near(k.kind, k.key, v_me, p_entity) n
        WHERE k.entity_id = p_entity AND (k.kind = 'plate' OR v_probe.personal)) n
  JOIN messages m ON m.id = n.message_id AND m.kind = 'lookout' AND m.purged_at IS NULL
    AND m.valid_until > now() AND (m.valid_from IS NULL OR m.valid_from <= now())
  JOIN message_recipients r ON r.message_id = m.id AND r.agency_id = v_me
  JOIN message_subjects s ON s.message_id = m.id AND s.entity_id = n.subject_id
  JOIN entity_records e ON e.id = n.subject_id;
END $$;
REVOKE ALL ON FUNCTION bw_hit_candidates(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_hit_candidates(uuid) TO bw_app;
