-- Hits: a record that matches an active lookout; the subjects of messages
-- become real references to entities; matching keys take the match
-- package's forms.
--
-- Keys. entity_key_records now holds, per spelling of a person's name, its
-- phonetic key (kind 'name', match.PersonKey) and its consonant skeleton
-- ('skeleton', match.PersonSkeleton); plates and document numbers their
-- match.PlateKey and match.DocumentKey. The old keys are removed here and
-- the service recomputes every entity's keys after migrating
-- (data.MigratePool), since a migration cannot call Go. Skeleton keys are
-- personal data, like name and document keys: the entity_keys view shows
-- them with the entity's personal data only.
--
-- Subjects. message_subjects.entity_id was a placeholder bigint; entity ids
-- are uuids, so no stored subject can have named an entity and the rows
-- (none outside tests) are dropped. The foreign key is ON DELETE RESTRICT:
-- a lookout must not silently lose what it is about, so an entity that a
-- message names cannot be deleted (409) until the purge of expired
-- lookouts (data.PurgeExpired) has removed the subject links. A tombstone
-- (keeping a deleted entity's id and kind) would keep the lookout readable
-- but tell its recipients nothing they could match, and hits against it
-- could no longer be explained; RESTRICT keeps the evidence. A subject must
-- also be an entity its author sees.
--
-- Hits. A hit is stored by bw_hit_record when a recording agency's entity
-- (created, changed, or linked to one of its events) matches a subject of
-- an active lookout addressed to it. The service finds the candidates with
-- bw_hit_candidates, scores them in Go (match.ComparePersons, PlateScore,
-- DocumentScore against the match thresholds), and records the hits in the
-- transaction of the record itself, so a hit exists exactly when its
-- record is committed. The recording agency sees its hits at once (a
-- stream entry in the same transaction); the lookout's author sees a hit
-- once the recording agency releases it (bw_hit_release) or at once where
-- the matched entity is visible to the author anyway (its sharing level
-- and the agreements, as the entities view decides).

TRUNCATE entity_key_records;
ALTER TABLE entity_key_records DROP CONSTRAINT entity_key_records_kind_check,
  ADD CONSTRAINT entity_key_records_kind_check CHECK (kind IN ('name', 'skeleton', 'plate', 'document'));

DELETE FROM message_subjects;
ALTER TABLE message_subjects DROP CONSTRAINT message_subjects_entity_id_check,
  ALTER COLUMN entity_id TYPE uuid USING NULL,
  ADD CONSTRAINT message_subjects_entity_id_fkey FOREIGN KEY (entity_id) REFERENCES entity_records (id) ON DELETE RESTRICT;
CREATE INDEX message_subjects_entity_idx ON message_subjects (entity_id);

DROP POLICY message_subjects_send ON message_subjects;
CREATE POLICY message_subjects_send ON message_subjects FOR INSERT TO bw_app
  WITH CHECK (bw_message_author(message_id) = bw_agency() AND EXISTS (SELECT 1 FROM entities e WHERE e.id = entity_id));

-- Active lookouts addressed to an agency are found from its deliveries.
CREATE INDEX messages_active_lookout_idx ON messages (id) WHERE kind = 'lookout' AND purged_at IS NULL;

CREATE TABLE hits (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- the lookout and the subject of it that was matched
  message_id    bigint NOT NULL REFERENCES messages (id),
  subject_id    uuid NOT NULL REFERENCES entity_records (id) ON DELETE RESTRICT,
  -- the recording agency's entity that matched, and its event if the
  -- match came from linking the entity to one
  entity_id     uuid NOT NULL REFERENCES entity_records (id) ON DELETE RESTRICT,
  event_id      uuid REFERENCES event_records (id) ON DELETE SET NULL,
  kind          text NOT NULL CHECK (kind IN ('person', 'vehicle')),
  score         double precision NOT NULL CHECK (score >= 0 AND score <= 1),
  agency_id     text NOT NULL REFERENCES agencies (id),
  author_agency text NOT NULL REFERENCES agencies (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  released_at   timestamptz,
  released_by   text CHECK (length(released_by) BETWEEN 1 AND 200),
  UNIQUE (message_id, subject_id, entity_id)
);
CREATE INDEX hits_agency_idx ON hits (agency_id, id);
CREATE INDEX hits_author_idx ON hits (author_agency, id);
CREATE INDEX hits_entity_idx ON hits (entity_id);

-- bw_hit_shared reports whether agency p_author may see p_entity under the
-- rules of the entities view (its sharing level and the agreements).
CREATE FUNCTION bw_hit_shared(p_entity uuid, p_author text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM entity_records r WHERE r.id = p_entity AND (
    r.agency_id = p_author OR r.sharing = 'regional'
    OR (r.sharing = 'bilateral' AND EXISTS (SELECT 1 FROM sharing_agreements a
          WHERE (a.agency_a, a.agency_b) IN ((r.agency_id, p_author), (p_author, r.agency_id))))))
$$;
REVOKE ALL ON FUNCTION bw_hit_shared(uuid, text) FROM PUBLIC;

-- bw_hit_probe_allowed: the caller's agency may match p_entity against its
-- lookouts when it owns the entity or one of its events links to it;
-- personal says whether its personal keys may be used (the caller sees the
-- entity's personal data).
CREATE FUNCTION bw_hit_probe(p_entity uuid, OUT allowed boolean, OUT personal boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(r.agency_id = bw_agency()
           OR EXISTS (SELECT 1 FROM event_entity_records l WHERE l.entity_id = r.id AND l.agency_id = bw_agency()), false),
         coalesce(r.agency_id = bw_agency()
           OR EXISTS (SELECT 1 FROM bw_partners p WHERE p.agency_id = r.agency_id AND p.personal_data), false)
  FROM (SELECT 1) one LEFT JOIN entity_records r ON r.id = p_entity
$$;
REVOKE ALL ON FUNCTION bw_hit_probe(uuid) FROM PUBLIC;

-- bw_hit_candidates returns the subjects of the active lookouts addressed
-- to the caller's agency (valid now, not purged) whose matching keys are
-- trigram-similar (pg_trgm's %, threshold 0.3) to a key of p_entity of the
-- same kind — the caller's own entity, or one its events link to, with
-- personal keys only where the caller sees the entity's personal data.
-- For each it gives what the service scores it by and nothing else: the
-- lookout, its author agency, the subject's id and kind, and its
-- comparable values (a person's spellings, birth year and date,
-- nationality and document numbers; a vehicle's plate). bw_app cannot read
-- another agency's key rows; this function lets it learn a subject's values
-- only for a candidate of a record it has made, and the service passes
-- nothing of them on but the hit.
CREATE FUNCTION bw_hit_candidates(p_entity uuid)
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
  -- One index scan per probe key (a key as a plain value lets the
  -- planner use the trigram index), then the active lookouts about them.
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
REVOKE ALL ON FUNCTION bw_hit_candidates(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_hit_candidates(uuid) TO bw_app;

-- bw_hit_record stores a hit of the caller's agency: p_entity (its record)
-- matched subject p_subject of lookout p_message with p_score. It checks
-- what it can (the lookout is active and addressed to the caller, the
-- subject is the lookout's, the entity and the event are the caller's to
-- match) and returns the hit's id, or NULL when that hit was stored before.
CREATE FUNCTION bw_hit_record(p_message bigint, p_subject uuid, p_entity uuid, p_event uuid, p_kind text,
  p_score double precision) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_me text := bw_agency();
  v_author text;
  v_id bigint;
BEGIN
  IF v_me IS NULL OR bw_role() IS NULL OR bw_role() NOT IN ('analyst', 'admin') THEN
    RAISE EXCEPTION 'only an analyst of an agency records hits' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT (bw_hit_probe(p_entity)).allowed
     OR (p_event IS NOT NULL AND NOT EXISTS (SELECT 1 FROM event_entity_records l
           WHERE l.event_id = p_event AND l.entity_id = p_entity AND l.agency_id = v_me)) THEN
    RAISE EXCEPTION 'entity % is not a record of %', p_entity, v_me USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT m.author_agency INTO v_author FROM messages m
    JOIN message_recipients r ON r.message_id = m.id AND r.agency_id = v_me
    JOIN message_subjects s ON s.message_id = m.id AND s.entity_id = p_subject
    WHERE m.id = p_message AND m.kind = 'lookout' AND m.purged_at IS NULL
      AND m.valid_until > now() AND (m.valid_from IS NULL OR m.valid_from <= now());
  IF v_author IS NULL THEN
    RAISE EXCEPTION 'no active lookout % about % addressed to %', p_message, p_subject, v_me USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO hits (message_id, subject_id, entity_id, event_id, kind, score, agency_id, author_agency)
    VALUES (p_message, p_subject, p_entity, p_event, p_kind, p_score, v_me, v_author)
    ON CONFLICT (message_id, subject_id, entity_id) DO NOTHING
    RETURNING id INTO v_id;
  RETURN v_id;
END $$;
REVOKE ALL ON FUNCTION bw_hit_record(bigint, uuid, uuid, uuid, text, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_hit_record(bigint, uuid, uuid, uuid, text, double precision) TO bw_app;

-- bw_hit_release: the recording agency tells the lookout's author of hit
-- p_id. Returns true when it released it now, false when it was released
-- before.
CREATE FUNCTION bw_hit_release(p_id bigint, p_by text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_me text := bw_agency();
  v_released timestamptz;
BEGIN
  IF v_me IS NULL OR bw_role() IS NULL OR bw_role() NOT IN ('analyst', 'admin') THEN
    RAISE EXCEPTION 'only an analyst of the recording agency releases a hit' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT released_at INTO v_released FROM hits WHERE id = p_id AND agency_id = v_me FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no hit %', p_id USING ERRCODE = 'no_data_found';
  END IF;
  IF v_released IS NOT NULL THEN
    RETURN false;
  END IF;
  UPDATE hits SET released_at = now(), released_by = p_by WHERE id = p_id;
  RETURN true;
END $$;
REVOKE ALL ON FUNCTION bw_hit_release(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_hit_release(bigint, text) TO bw_app;

-- Every hit is a stream entry for the recording agency, and for the
-- lookout's author too where the matched entity is visible to it; a
-- release is a stream entry for the author.
CREATE FUNCTION bw_hit_stream() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_shared boolean := bw_hit_shared(NEW.entity_id, NEW.author_agency);
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.released_at IS NOT NULL OR NEW.released_at IS NULL) THEN
    RETURN NULL; -- nothing new for the author
  END IF;
  INSERT INTO stream_entries (type, owner_agency, sharing, audience, payload)
  VALUES ('hit', NEW.agency_id,
          CASE WHEN TG_OP = 'UPDATE' OR v_shared THEN 'addressed' ELSE 'agency' END,
          CASE WHEN TG_OP = 'UPDATE' OR v_shared THEN ARRAY[NEW.author_agency] ELSE '{}' END,
          jsonb_build_object('hit_id', NEW.id, 'message_id', NEW.message_id, 'subject_id', NEW.subject_id,
            'entity_id', NEW.entity_id, 'event_id', NEW.event_id, 'kind', NEW.kind, 'score', NEW.score,
            'agency', NEW.agency_id, 'author_agency', NEW.author_agency, 'created_at', NEW.created_at,
            'released_at', NEW.released_at, 'state', CASE WHEN TG_OP = 'UPDATE' THEN 'released' ELSE 'hit' END));
  RETURN NULL;
END $$;
CREATE TRIGGER hits_stream AFTER INSERT OR UPDATE ON hits FOR EACH ROW EXECUTE FUNCTION bw_hit_stream();

-- Who sees a hit: the recording agency; the lookout's author once it is
-- released or while the matched entity is visible to it (the entities
-- view, read as the caller).
ALTER TABLE hits ENABLE ROW LEVEL SECURITY;
CREATE POLICY hits_parties ON hits FOR SELECT TO bw_app
  USING (agency_id = bw_agency()
    OR (author_agency = bw_agency() AND (released_at IS NOT NULL OR EXISTS (SELECT 1 FROM entities e WHERE e.id = entity_id))));
GRANT SELECT ON hits TO bw_app;
