-- Entities: the persons, vehicles, consignments and groups that the
-- information is about, linked to events and to each other, shared like
-- events; and the personal-data term of sharing agreements.
--
-- An entity belongs to the agency that recorded it and has a sharing level
-- (agency, bilateral, regional), as an event does. What a viewer sees of a
-- person's personal data (names and their spellings, the script they are
-- written in, year and date of birth, identity documents) and of any
-- entity's free-text notes depends on a new term of sharing agreements,
-- personal_data: the owning agency sees everything; another agency sees
-- them only when its agreement with the owner says so, whatever the
-- entity's sharing level (a regional entity seen by an agency without
-- such an agreement shows its non-personal fields only). The term is part
-- of the terms of 0009's consent flow: allowing it widens an agreement and
-- waits for the partner's acceptance; withdrawing it narrows it and
-- applies at once. Agreements in force keep personal data withheld.
--
-- For bw_app, as for events: entities, entity_keys, entity_links and
-- event_entities are views that show exactly what the caller may see;
-- the tables behind them are readable and writable only for the agency's
-- own rows (row-level security). Later tables whose rows belong to an
-- agency and carry a sharing level (lookouts, positions) can use the same
-- two tests, bw_sees and bw_sees_personal, and refer to entity_records (id).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The personal-data term.
ALTER TABLE sharing_agreements ADD COLUMN personal_data boolean NOT NULL DEFAULT false;
ALTER TABLE agreement_proposals ADD COLUMN personal_data boolean NOT NULL DEFAULT false;

CREATE OR REPLACE VIEW bw_partners AS
  SELECT CASE WHEN a.agency_a = bw_agency() THEN a.agency_b ELSE a.agency_a END AS agency_id,
         a.coarsen_m, a.coarsen_time, a.personal_data
  FROM sharing_agreements a
  WHERE bw_agency() IN (a.agency_a, a.agency_b);

-- bw_sees reports whether the caller may see a record of p_owner shared at
-- p_sharing: its own, a regional one, or a bilateral one of a partner
-- (coarsened or not). Unrestricted roles see everything.
CREATE FUNCTION bw_sees(p_owner text, p_sharing text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT NOT bw_restricted() OR p_owner = bw_agency() OR p_sharing = 'regional'
    OR (p_sharing = 'bilateral' AND EXISTS (SELECT 1 FROM bw_partners p WHERE p.agency_id = p_owner))
$$;

-- bw_sees_personal reports whether the caller may see the personal data
-- of p_owner's records it sees: its own, or a partner's whose agreement
-- has the personal-data term.
CREATE FUNCTION bw_sees_personal(p_owner text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT NOT bw_restricted() OR p_owner = bw_agency()
    OR EXISTS (SELECT 1 FROM bw_partners p WHERE p.agency_id = p_owner AND p.personal_data)
$$;

CREATE FUNCTION bw_agreement_terms(m double precision, t text, note text, personal boolean) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('coarsen_m', m, 'coarsen_time', t, 'note', note, 'personal_data', personal)
$$;

-- bw_agreement_propose of 0009 with the personal-data term: terms apply at
-- once only when they are no finer in space or time and do not add
-- personal data.
DROP FUNCTION bw_agreement_propose(text, text, double precision, text, text);
CREATE FUNCTION bw_agreement_propose(p_as text, p_partner text, p_coarsen_m double precision,
  p_coarsen_time text, p_note text, p_personal_data boolean)
RETURNS TABLE (proposal_id integer, agreement_id integer, applied boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_me text := bw_acting_agency(p_as);
  v_a text := least(v_me, p_partner);
  v_b text := greatest(v_me, p_partner);
  v_pd boolean := coalesce(p_personal_data, false);
  v_cur sharing_agreements%ROWTYPE;
  v_pid integer;
BEGIN
  IF p_partner IS NULL OR p_partner = v_me THEN
    RAISE EXCEPTION 'an agreement needs two different agencies' USING ERRCODE = 'check_violation',
      CONSTRAINT = 'agreement_partner';
  END IF;
  PERFORM pg_advisory_xact_lock(727276, hashtext(v_a || '/' || v_b));
  SELECT * INTO v_cur FROM sharing_agreements WHERE agency_a = v_a AND agency_b = v_b FOR UPDATE;
  UPDATE agreement_proposals SET state = 'superseded', decided_at = now(), decided_by = v_me
    WHERE agency_a = v_a AND agency_b = v_b AND state = 'pending';
  IF v_cur.id IS NOT NULL
     AND coalesce(p_coarsen_m, 0) >= coalesce(v_cur.coarsen_m, 0)
     AND bw_time_rank(p_coarsen_time) >= bw_time_rank(v_cur.coarsen_time)
     AND (NOT v_pd OR v_cur.personal_data) THEN
    UPDATE sharing_agreements SET coarsen_m = p_coarsen_m, coarsen_time = p_coarsen_time,
      note = coalesce(p_note, note), personal_data = v_pd WHERE id = v_cur.id;
    INSERT INTO agreement_history (agency_a, agency_b, by_agency, action, before, after)
      VALUES (v_a, v_b, v_me, 'narrowed',
              bw_agreement_terms(v_cur.coarsen_m, v_cur.coarsen_time, v_cur.note, v_cur.personal_data),
              bw_agreement_terms(p_coarsen_m, p_coarsen_time, coalesce(p_note, v_cur.note), v_pd));
    RETURN QUERY SELECT NULL::integer, v_cur.id, true;
    RETURN;
  END IF;
  INSERT INTO agreement_proposals (agency_a, agency_b, proposed_by, coarsen_m, coarsen_time, note, personal_data)
    VALUES (v_a, v_b, v_me, p_coarsen_m, p_coarsen_time, p_note, v_pd) RETURNING id INTO v_pid;
  INSERT INTO agreement_history (agency_a, agency_b, by_agency, action, proposal_id, before, after)
    VALUES (v_a, v_b, v_me, 'proposed', v_pid,
            CASE WHEN v_cur.id IS NOT NULL
                 THEN bw_agreement_terms(v_cur.coarsen_m, v_cur.coarsen_time, v_cur.note, v_cur.personal_data) END,
            bw_agreement_terms(p_coarsen_m, p_coarsen_time, p_note, v_pd));
  RETURN QUERY SELECT v_pid, v_cur.id, false;
END $$;

-- bw_agreement_accept of 0009, carrying the personal-data term.
CREATE OR REPLACE FUNCTION bw_agreement_accept(p_as text, p_proposal integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_me text := bw_acting_agency(p_as);
  v_p agreement_proposals%ROWTYPE;
  v_cur sharing_agreements%ROWTYPE;
  v_id integer;
BEGIN
  SELECT * INTO v_p FROM agreement_proposals WHERE id = p_proposal AND v_me IN (agency_a, agency_b);
  IF v_p.id IS NULL THEN
    RAISE EXCEPTION 'no proposal %', p_proposal USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM pg_advisory_xact_lock(727276, hashtext(v_p.agency_a || '/' || v_p.agency_b));
  SELECT * INTO v_p FROM agreement_proposals WHERE id = p_proposal FOR UPDATE;
  IF v_p.state <> 'pending' THEN
    RAISE EXCEPTION 'proposal % is %, not pending', p_proposal, v_p.state USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF v_p.proposed_by = v_me THEN
    RAISE EXCEPTION 'the partner agency must accept a proposal, not its author' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO v_cur FROM sharing_agreements WHERE agency_a = v_p.agency_a AND agency_b = v_p.agency_b FOR UPDATE;
  INSERT INTO sharing_agreements (agency_a, agency_b, coarsen_m, coarsen_time, note, personal_data)
    VALUES (v_p.agency_a, v_p.agency_b, v_p.coarsen_m, v_p.coarsen_time, v_p.note, v_p.personal_data)
    ON CONFLICT (agency_a, agency_b) DO UPDATE SET coarsen_m = excluded.coarsen_m,
      coarsen_time = excluded.coarsen_time, note = excluded.note, personal_data = excluded.personal_data
    RETURNING id INTO v_id;
  UPDATE agreement_proposals SET state = 'accepted', decided_at = now(), decided_by = v_me WHERE id = v_p.id;
  INSERT INTO agreement_history (agency_a, agency_b, by_agency, action, proposal_id, before, after)
    VALUES (v_p.agency_a, v_p.agency_b, v_me, 'accepted', v_p.id,
            CASE WHEN v_cur.id IS NOT NULL
                 THEN bw_agreement_terms(v_cur.coarsen_m, v_cur.coarsen_time, v_cur.note, v_cur.personal_data) END,
            bw_agreement_terms(v_p.coarsen_m, v_p.coarsen_time, v_p.note, v_p.personal_data));
  RETURN v_id;
END $$;

-- bw_agreement_revoke of 0009, keeping the personal-data term in the history.
CREATE OR REPLACE FUNCTION bw_agreement_revoke(p_as text, p_partner text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_me text := bw_acting_agency(p_as);
  v_a text := least(v_me, p_partner);
  v_b text := greatest(v_me, p_partner);
  v_cur sharing_agreements%ROWTYPE;
BEGIN
  PERFORM pg_advisory_xact_lock(727276, hashtext(v_a || '/' || v_b));
  DELETE FROM sharing_agreements WHERE agency_a = v_a AND agency_b = v_b RETURNING * INTO v_cur;
  IF v_cur.id IS NULL THEN
    RAISE EXCEPTION 'no agreement between % and %', v_me, p_partner USING ERRCODE = 'no_data_found';
  END IF;
  UPDATE agreement_proposals SET state = 'superseded', decided_at = now(), decided_by = v_me
    WHERE agency_a = v_a AND agency_b = v_b AND state = 'pending';
  INSERT INTO agreement_history (agency_a, agency_b, by_agency, action, before)
    VALUES (v_a, v_b, v_me, 'revoked',
            bw_agreement_terms(v_cur.coarsen_m, v_cur.coarsen_time, v_cur.note, v_cur.personal_data));
  RETURN v_cur.id;
END $$;

REVOKE ALL ON FUNCTION bw_agreement_propose(text, text, double precision, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_agreement_propose(text, text, double precision, text, text, boolean) TO bw_app;

-- Entities. Columns are grouped by kind; a CHECK keeps each kind's columns
-- to that kind. name is a person's name as written, in its own script
-- (personal), or a group's name (not personal); description belongs to
-- consignments and groups.
CREATE TABLE entity_records (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind              text NOT NULL CHECK (kind IN ('person', 'vehicle', 'consignment', 'group')),
  agency_id         text NOT NULL REFERENCES agencies (id),
  sharing           text NOT NULL DEFAULT 'agency' CHECK (sharing IN ('agency', 'bilateral', 'regional')),
  synthetic         boolean NOT NULL DEFAULT false,
  -- person
  name              text CHECK (length(name) BETWEEN 1 AND 300),
  script            text CHECK (script ~ '^[A-Z][a-z]{3}$'),
  other_names       text[] NOT NULL DEFAULT '{}' CHECK (cardinality(other_names) <= 50),
  birth_year        smallint CHECK (birth_year BETWEEN 1900 AND 2100),
  birth_date        date CHECK (birth_date BETWEEN '1900-01-01' AND '2100-12-31'),
  nationality       char(3) CHECK (nationality ~ '^[A-Z]{3}$'),
  -- [{"kind": "passport", "number": "…", "country": "TJK"}, …]
  documents         jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(documents) = 'array' AND NOT jsonb_path_exists(documents,
                      'lax $[*] ? (@.type() != "object" || !exists(@.number) || @.number.type() != "string")')),
  -- vehicle
  plate             text CHECK (length(plate) BETWEEN 1 AND 40),
  plate_country     char(3) CHECK (plate_country ~ '^[A-Z]{3}$'),
  make              text CHECK (length(make) <= 100),
  model             text CHECK (length(model) <= 100),
  colour            text CHECK (length(colour) <= 100),
  vehicle_kind      text CHECK (vehicle_kind IN ('truck', 'car', 'bus', 'van', 'pickup', 'motorcycle', 'tractor', 'other')),
  -- consignment (description also for groups)
  description       text CHECK (length(description) <= 2000),
  declared_content  text CHECK (length(declared_content) <= 2000),
  suspected_content text CHECK (length(suspected_content) <= 2000),
  weight_kg         double precision CHECK (weight_kg >= 0 AND weight_kg <= 1e7),
  container_no      text CHECK (length(container_no) BETWEEN 1 AND 40),
  notes             text CHECK (length(notes) <= 10000),
  version           bigint NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  change_xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CHECK (kind = 'person' OR (script IS NULL AND other_names = '{}' AND birth_year IS NULL AND birth_date IS NULL
                             AND nationality IS NULL AND documents = '[]')),
  CHECK (kind IN ('person', 'group') OR name IS NULL),
  CHECK (kind <> 'person' OR name IS NOT NULL),
  CHECK (kind <> 'group' OR name IS NOT NULL),
  CHECK (kind = 'vehicle' OR (plate IS NULL AND plate_country IS NULL AND make IS NULL AND model IS NULL
                              AND colour IS NULL AND vehicle_kind IS NULL)),
  CHECK (kind IN ('consignment', 'group') OR description IS NULL),
  CHECK (kind = 'consignment' OR (declared_content IS NULL AND suspected_content IS NULL AND weight_kg IS NULL
                                  AND container_no IS NULL))
);
CREATE INDEX entity_records_agency_kind_idx ON entity_records (agency_id, kind, id);
CREATE INDEX entity_records_change_xid_idx ON entity_records (change_xid);
CREATE TRIGGER entity_records_touch BEFORE UPDATE ON entity_records
  FOR EACH ROW EXECUTE FUNCTION bw_events_touch();

-- Matching keys: one row per spelling of a person's name, plate and
-- identity document number, normalised by the service (record.EntityKeys)
-- and trigram-indexed. Name and document keys are personal data.
CREATE TABLE entity_key_records (
  entity_id  uuid NOT NULL REFERENCES entity_records (id) ON DELETE CASCADE,
  agency_id  text NOT NULL REFERENCES agencies (id),
  kind       text NOT NULL CHECK (kind IN ('name', 'plate', 'document')),
  key        text NOT NULL CHECK (length(key) BETWEEN 1 AND 300),
  PRIMARY KEY (entity_id, kind, key)
);
CREATE INDEX entity_key_records_trgm_idx ON entity_key_records USING gin (key gin_trgm_ops);

-- Links between entities (a person member_of a group, owner_of a vehicle):
-- recorded by an agency that owns at least one end.
CREATE TABLE entity_link_records (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  from_id     uuid NOT NULL REFERENCES entity_records (id) ON DELETE CASCADE,
  to_id       uuid NOT NULL REFERENCES entity_records (id) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('member_of', 'leader_of', 'owner_of', 'driver_of', 'associate_of',
                'relative_of', 'carried_by')),
  agency_id   text NOT NULL REFERENCES agencies (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (from_id <> to_id),
  UNIQUE (from_id, to_id, role, agency_id)
);
CREATE INDEX entity_link_records_to_idx ON entity_link_records (to_id);

-- Links of events to the entities involved, recorded by the event's agency.
CREATE TABLE event_entity_records (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id    uuid NOT NULL REFERENCES event_records (id) ON DELETE CASCADE,
  entity_id   uuid NOT NULL REFERENCES entity_records (id) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('driver', 'passenger', 'owner', 'courier', 'suspect', 'vehicle',
                'consignment', 'group', 'other')),
  agency_id   text NOT NULL REFERENCES agencies (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, entity_id, role)
);
CREATE INDEX event_entity_records_entity_idx ON event_entity_records (entity_id);

-- What the caller sees. personal says whether the personal columns (and
-- notes) are shown; where not they are NULL (empty for arrays). Created
-- and updated times are rounded like a coarsened event's for a partner
-- whose agreement coarsens time.
CREATE VIEW entities AS
  SELECT r.id, r.kind, r.agency_id, r.sharing, r.synthetic,
         CASE WHEN v.personal OR r.kind <> 'person' THEN r.name END AS name,
         CASE WHEN v.personal THEN r.script END AS script,
         CASE WHEN v.personal THEN r.other_names ELSE '{}' END AS other_names,
         CASE WHEN v.personal THEN r.birth_year END AS birth_year,
         CASE WHEN v.personal THEN r.birth_date END AS birth_date,
         r.nationality,
         CASE WHEN v.personal THEN r.documents ELSE '[]' END AS documents,
         r.plate, r.plate_country, r.make, r.model, r.colour, r.vehicle_kind,
         r.description, r.declared_content, r.suspected_content, r.weight_kg, r.container_no,
         CASE WHEN v.personal THEN r.notes END AS notes,
         r.version,
         bw_coarsen_time(r.created_at, v.coarsen_time) AS created_at,
         bw_coarsen_time(r.updated_at, v.coarsen_time) AS updated_at,
         r.change_xid, v.personal
  FROM entity_records r
  CROSS JOIN LATERAL (
    SELECT bw_sees_personal(r.agency_id) AS personal,
           CASE WHEN bw_restricted() AND r.agency_id IS DISTINCT FROM bw_agency() AND r.sharing = 'bilateral'
                THEN (SELECT p.coarsen_time FROM bw_partners p WHERE p.agency_id = r.agency_id) END AS coarsen_time
  ) v
  WHERE bw_sees(r.agency_id, r.sharing);

-- Matching keys of the entities the caller sees: plates always, name and
-- document keys with the entity's personal data only.
CREATE VIEW entity_keys AS
  SELECT k.entity_id, k.kind, k.key
  FROM entity_key_records k
  JOIN entity_records r ON r.id = k.entity_id
  WHERE bw_sees(r.agency_id, r.sharing) AND (k.kind = 'plate' OR bw_sees_personal(r.agency_id));

-- Links whose two ends the caller sees; a hidden entity has no visible
-- link, so no path runs through it.
CREATE VIEW entity_links AS
  SELECT l.id, l.from_id, l.to_id, l.role, l.agency_id, l.created_at
  FROM entity_link_records l
  JOIN entity_records f ON f.id = l.from_id
  JOIN entity_records t ON t.id = l.to_id
  WHERE bw_sees(f.agency_id, f.sharing) AND bw_sees(t.agency_id, t.sharing);

CREATE VIEW event_entities AS
  SELECT l.id, l.event_id, l.entity_id, l.role, l.agency_id, l.created_at
  FROM event_entity_records l
  JOIN event_records e ON e.id = l.event_id
  JOIN entity_records n ON n.id = l.entity_id
  WHERE bw_sees(e.agency_id, e.sharing) AND bw_sees(n.agency_id, n.sharing);

-- Row-level security: an agency reads and changes only its own rows of the
-- tables; analysts and admins write.
ALTER TABLE entity_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY entity_records_own_read ON entity_records FOR SELECT TO bw_app
  USING (agency_id = bw_agency());
CREATE POLICY entity_records_own_insert ON entity_records FOR INSERT TO bw_app
  WITH CHECK (agency_id = bw_agency() AND bw_role() IN ('analyst', 'admin'));
CREATE POLICY entity_records_own_update ON entity_records FOR UPDATE TO bw_app
  USING (agency_id = bw_agency() AND bw_role() IN ('analyst', 'admin'))
  WITH CHECK (agency_id = bw_agency());
CREATE POLICY entity_records_own_delete ON entity_records FOR DELETE TO bw_app
  USING (agency_id = bw_agency() AND bw_role() IN ('analyst', 'admin'));

ALTER TABLE entity_key_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY entity_key_records_own ON entity_key_records TO bw_app
  USING (agency_id = bw_agency())
  WITH CHECK (agency_id = bw_agency() AND bw_role() IN ('analyst', 'admin')
              AND EXISTS (SELECT 1 FROM entity_records r WHERE r.id = entity_id AND r.agency_id = bw_agency()));

-- A link between entities: by an analyst of an agency that owns one end
-- and sees the other.
ALTER TABLE entity_link_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY entity_link_records_own_read ON entity_link_records FOR SELECT TO bw_app
  USING (agency_id = bw_agency());
CREATE POLICY entity_link_records_own_insert ON entity_link_records FOR INSERT TO bw_app
  WITH CHECK (agency_id = bw_agency() AND bw_role() IN ('analyst', 'admin')
              AND EXISTS (SELECT 1 FROM entity_records r WHERE r.id IN (from_id, to_id) AND r.agency_id = bw_agency())
              AND (SELECT count(*) FROM entities e WHERE e.id IN (from_id, to_id)) = 2);
CREATE POLICY entity_link_records_own_delete ON entity_link_records FOR DELETE TO bw_app
  USING (agency_id = bw_agency() AND bw_role() IN ('analyst', 'admin'));

-- A link of an event: by an analyst of the event's agency, to an entity it
-- sees.
ALTER TABLE event_entity_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY event_entity_records_own_read ON event_entity_records FOR SELECT TO bw_app
  USING (agency_id = bw_agency());
CREATE POLICY event_entity_records_own_insert ON event_entity_records FOR INSERT TO bw_app
  WITH CHECK (agency_id = bw_agency() AND bw_role() IN ('analyst', 'admin')
              AND EXISTS (SELECT 1 FROM event_records e WHERE e.id = event_id AND e.agency_id = bw_agency())
              AND EXISTS (SELECT 1 FROM entities n WHERE n.id = entity_id));
CREATE POLICY event_entity_records_own_delete ON event_entity_records FOR DELETE TO bw_app
  USING (agency_id = bw_agency() AND bw_role() IN ('analyst', 'admin'));

-- Idempotency keys of entity creations, as idempotency_keys of events.
CREATE TABLE entity_idempotency_keys (
  agency_id    text NOT NULL REFERENCES agencies (id),
  key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  request_hash bytea NOT NULL,
  entity_id    uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agency_id, key)
);
ALTER TABLE entity_idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY entity_idempotency_keys_own ON entity_idempotency_keys TO bw_app
  USING (agency_id = bw_agency()) WITH CHECK (agency_id = bw_agency());

GRANT SELECT ON entities, entity_keys, entity_links, event_entities TO bw_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON entity_records, entity_key_records TO bw_app;
GRANT SELECT, INSERT, DELETE ON entity_link_records, event_entity_records TO bw_app;
GRANT SELECT, INSERT, UPDATE ON entity_idempotency_keys TO bw_app;
