-- Agencies' users and API tokens, sharing agreements, visibility enforced
-- in PostgreSQL, and a hash-chained append-only audit log.
--
-- The service connects as the owner of the schema and switches every pooled
-- connection to the role bw_app with the caller's agency in the setting
-- bw.agency. For bw_app:
--   * events is a view that shows exactly the records the agency may see,
--     with coarsened values where a sharing agreement asks for them;
--   * event_records (the table behind it) and teams are readable and
--     writable only for the agency's own rows (row-level security);
--   * with bw.agency unset nothing is visible (fail closed).
-- Command-line tools run as the owner and see everything.

-- The role is made here only when it does not exist yet: a deployment's
-- owner role, which may not create roles, finds it made for it (see
-- 0015_least_privilege.sql and the README's roles).
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bw_app') THEN
    CREATE ROLE bw_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$ BEGIN
  EXECUTE format('GRANT bw_app TO %I', current_user);
EXCEPTION WHEN others THEN NULL;
END $$;

CREATE FUNCTION bw_agency() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('bw.agency', true), '')
$$;
CREATE FUNCTION bw_role() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('bw.role', true), '')
$$;
CREATE FUNCTION bw_restricted() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT current_user = 'bw_app'
$$;

CREATE TABLE users (
  id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
  agency_id     text NOT NULL REFERENCES agencies (id),
  role          text NOT NULL CHECK (role IN ('viewer', 'analyst', 'planner', 'admin')),
  password_hash text,
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Tokens are stored only as SHA-256 hashes of the secret.
CREATE TABLE api_tokens (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  agency_id   text NOT NULL REFERENCES agencies (id),
  role        text NOT NULL CHECK (role IN ('viewer', 'analyst', 'planner', 'admin')),
  user_id     integer REFERENCES users (id) ON DELETE CASCADE,
  label       text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz,
  revoked_at  timestamptz
);

-- A sharing agreement lets two agencies see each other's bilateral records,
-- optionally only coarsened (location snapped to the centre of a coarsen_m
-- grid cell in the LAEA projection, time rounded down to the day or month).
CREATE TABLE sharing_agreements (
  id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agency_a      text NOT NULL REFERENCES agencies (id),
  agency_b      text NOT NULL REFERENCES agencies (id),
  coarsen_m     double precision CHECK (coarsen_m BETWEEN 100 AND 100000),
  coarsen_time  text CHECK (coarsen_time IN ('day', 'month')),
  note          text CHECK (length(note) <= 2000),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (agency_a < agency_b),
  UNIQUE (agency_a, agency_b)
);

-- bw_coarsen_point snaps g to the centre of its cell of a grid of size_m
-- metres in the LAEA projection centred on the region.
CREATE FUNCTION bw_coarsen_point(g geometry, size_m double precision) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN size_m IS NULL THEN g ELSE
    ST_Transform(
      ST_SetSRID(ST_MakePoint(
        floor(ST_X(p) / size_m) * size_m + size_m / 2,
        floor(ST_Y(p) / size_m) * size_m + size_m / 2), 0),
      '+proj=laea +lat_0=38 +lon_0=68 +datum=WGS84 +units=m', 4326)
  END
  FROM (SELECT ST_Transform(g, '+proj=laea +lat_0=38 +lon_0=68 +datum=WGS84 +units=m') AS p) s
$$;

CREATE FUNCTION bw_coarsen_time(t timestamptz, unit text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN unit IS NULL THEN t ELSE date_trunc(unit, t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' END
$$;

ALTER TABLE events RENAME TO event_records;
CREATE INDEX event_records_agency_sharing_idx ON event_records (agency_id, sharing);

-- The agreements of the caller's agency, one row per partner.
CREATE VIEW bw_partners AS
  SELECT CASE WHEN a.agency_a = bw_agency() THEN a.agency_b ELSE a.agency_a END AS agency_id,
         a.coarsen_m, a.coarsen_time
  FROM sharing_agreements a
  WHERE bw_agency() IN (a.agency_a, a.agency_b);

CREATE VIEW events AS
  SELECT r.id, r.kind, r.occurred_at, r.time_precision, r.geom, r.accuracy_m, r.place, r.agency_id, r.sharing,
         r.source_ref, r.source_url, r.synthetic, r.joint_operation_id, r.items, r.total_kg, r.category,
         r.severity, r.persons_detained, r.notes, r.version, r.created_at, r.updated_at, r.change_xid,
         false AS coarsened
  FROM event_records r
  WHERE NOT bw_restricted()
     OR r.agency_id = bw_agency()
     OR r.sharing = 'regional'
     OR (r.sharing = 'bilateral' AND r.agency_id IN
          (SELECT p.agency_id FROM bw_partners p WHERE p.coarsen_m IS NULL AND p.coarsen_time IS NULL))
  UNION ALL
  SELECT r.id, r.kind, bw_coarsen_time(r.occurred_at, p.coarsen_time),
         CASE WHEN p.coarsen_time IS NULL OR r.time_precision IN ('month', 'year') THEN r.time_precision
              WHEN p.coarsen_time = 'month' THEN 'month' ELSE 'day' END,
         bw_coarsen_point(r.geom, p.coarsen_m),
         CASE WHEN p.coarsen_m IS NULL THEN r.accuracy_m ELSE greatest(coalesce(r.accuracy_m, 0), p.coarsen_m * 0.7072) END,
         CASE WHEN p.coarsen_m IS NULL THEN r.place END, r.agency_id, r.sharing,
         r.source_ref, NULL, r.synthetic, r.joint_operation_id, r.items, r.total_kg, r.category,
         r.severity, r.persons_detained, NULL, r.version, r.created_at, r.updated_at, r.change_xid,
         true AS coarsened
  FROM event_records r
  JOIN bw_partners p ON p.agency_id = r.agency_id
  WHERE bw_restricted() AND r.sharing = 'bilateral'
    AND (p.coarsen_m IS NOT NULL OR p.coarsen_time IS NOT NULL);

ALTER TABLE event_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY event_records_own_read ON event_records FOR SELECT TO bw_app
  USING (agency_id = bw_agency());
CREATE POLICY event_records_own_insert ON event_records FOR INSERT TO bw_app
  WITH CHECK (agency_id = bw_agency() AND bw_role() IN ('analyst', 'admin'));
CREATE POLICY event_records_own_update ON event_records FOR UPDATE TO bw_app
  USING (agency_id = bw_agency() AND bw_role() IN ('analyst', 'admin'))
  WITH CHECK (agency_id = bw_agency());
CREATE POLICY event_records_own_delete ON event_records FOR DELETE TO bw_app
  USING (agency_id = bw_agency() AND bw_role() IN ('analyst', 'admin'));

ALTER TABLE teams ENABLE ROW LEVEL SECURITY;
CREATE POLICY teams_own ON teams TO bw_app
  USING (agency_id = bw_agency()) WITH CHECK (agency_id = bw_agency() AND bw_role() IN ('planner', 'admin'));

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_own_agency ON users TO bw_app
  USING (agency_id = bw_agency() AND bw_role() = 'admin') WITH CHECK (agency_id = bw_agency() AND bw_role() = 'admin');
ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY api_tokens_own_agency ON api_tokens TO bw_app
  USING (agency_id = bw_agency() AND bw_role() = 'admin') WITH CHECK (agency_id = bw_agency() AND bw_role() = 'admin');
ALTER TABLE sharing_agreements ENABLE ROW LEVEL SECURITY;
CREATE POLICY sharing_agreements_read ON sharing_agreements FOR SELECT TO bw_app
  USING (bw_agency() IN (agency_a, agency_b));
CREATE POLICY sharing_agreements_admin ON sharing_agreements FOR ALL TO bw_app
  USING (bw_agency() IN (agency_a, agency_b) AND bw_role() = 'admin')
  WITH CHECK (bw_agency() IN (agency_a, agency_b) AND bw_role() = 'admin');

-- bw_authenticate resolves a token hash to its agency and role; it is the
-- only way bw_app reads tokens of an agency it does not yet act for.
CREATE FUNCTION bw_authenticate(h bytea) RETURNS TABLE (token_id integer, agency_id text, role text, user_id integer, username text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.id, t.agency_id, t.role, t.user_id, u.username FROM api_tokens t
  LEFT JOIN users u ON u.id = t.user_id
  WHERE t.token_hash = h AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
    AND (u.id IS NULL OR NOT u.disabled)
$$;

-- Audit log: append-only; each entry carries the hash of the previous one,
-- hash = sha256(prev_hash || the entry's canonical text).
CREATE TABLE audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor       text NOT NULL,
  agency_id   text,
  action      text NOT NULL,
  target      text NOT NULL DEFAULT '',
  detail      jsonb NOT NULL DEFAULT '{}',
  remote_addr text NOT NULL DEFAULT '',
  prev_hash   bytea NOT NULL,
  hash        bytea NOT NULL
);

-- bw_audit_text is the canonical text of an entry that its hash covers.
CREATE FUNCTION bw_audit_text(id bigint, at timestamptz, actor text, agency_id text, action text, target text,
  detail jsonb, remote_addr text) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT convert_to(concat_ws(E'\x1f', id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    actor, coalesce(agency_id, ''), action, target, detail::text, remote_addr), 'UTF8')
$$;

CREATE FUNCTION bw_audit(p_actor text, p_agency text, p_action text, p_target text, p_detail jsonb, p_remote text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_prev bytea;
  v_id bigint;
  v_at timestamptz := clock_timestamp();
BEGIN
  -- One writer at a time extends the chain.
  PERFORM pg_advisory_xact_lock(727275);
  SELECT hash INTO v_prev FROM audit_log ORDER BY id DESC LIMIT 1;
  v_prev := coalesce(v_prev, '\x'::bytea);
  v_id := nextval(pg_get_serial_sequence('audit_log', 'id'));
  INSERT INTO audit_log (id, at, actor, agency_id, action, target, detail, remote_addr, prev_hash, hash)
  OVERRIDING SYSTEM VALUE
  VALUES (v_id, v_at, p_actor, p_agency, p_action, coalesce(p_target, ''), coalesce(p_detail, '{}'),
          coalesce(p_remote, ''), v_prev,
          sha256(v_prev || bw_audit_text(v_id, v_at, p_actor, p_agency, p_action, coalesce(p_target, ''),
                                         coalesce(p_detail, '{}'), coalesce(p_remote, ''))));
  RETURN v_id;
END $$;

-- Privileges of the service role.
GRANT USAGE ON SCHEMA public TO bw_app;
GRANT SELECT ON agencies, countries, provinces, borders, crossings, places, rivers, offices,
  joint_operations, joint_operation_agencies, events, bw_partners TO bw_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON event_records, teams TO bw_app;
GRANT SELECT, INSERT, UPDATE ON event_tombstones TO bw_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON users, api_tokens, sharing_agreements TO bw_app;
GRANT INSERT ON joint_operations, joint_operation_agencies TO bw_app;
GRANT EXECUTE ON FUNCTION bw_audit(text, text, text, text, jsonb, text) TO bw_app;
GRANT EXECUTE ON FUNCTION bw_authenticate(bytea) TO bw_app;
REVOKE ALL ON audit_log FROM bw_app;

-- Idempotency keys of event creations: a retried POST with the same key
-- returns the event the first attempt created instead of a duplicate.
CREATE TABLE idempotency_keys (
  agency_id    text NOT NULL REFERENCES agencies (id),
  key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  request_hash bytea NOT NULL,
  event_id     uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agency_id, key)
);
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY idempotency_keys_own ON idempotency_keys TO bw_app
  USING (agency_id = bw_agency()) WITH CHECK (agency_id = bw_agency());
GRANT SELECT, INSERT, UPDATE ON idempotency_keys TO bw_app;

-- Feature reads filter by bbox and time together: one GiST index on both.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE INDEX event_records_geom_time_idx ON event_records USING gist (geom, occurred_at);

-- A faster form of the item check of 0001, which runs for every written
-- row: one JSON path test instead of a subquery per row. Same results
-- (data/items_test.go); bw_items_kg gets its faster form in 0005.
CREATE OR REPLACE FUNCTION bw_valid_items(items jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_typeof(items) = 'array' AND NOT jsonb_path_exists(items, 'lax $[*] ? (
    @.type() != "object" || !exists(@.drug) || @.drug.type() != "string"
    || !(@.drug == "heroin" || @.drug == "opium" || @.drug == "morphine" || @.drug == "hashish" || @.drug == "cannabis"
         || @.drug == "methamphetamine" || @.drug == "precursors" || @.drug == "other")
    || !exists(@.quantity) || @.quantity.type() != "number" || @.quantity < 0
    || !exists(@.unit) || @.unit.type() != "string" || !(@.unit == "kg" || @.unit == "l")
    || (exists(@.qualifier) && @.qualifier.type() != "null"
        && (@.qualifier.type() != "string" || !(@.qualifier == "exact" || @.qualifier == "about" || @.qualifier == "more_than"))))')
$$;

-- The location-and-time index serves location-only searches too.
DROP INDEX events_geom_idx;

-- A changed agreement changes what partners see: replicas re-read the
-- agreements with the events on this notification.
CREATE TRIGGER sharing_agreements_notify AFTER INSERT OR UPDATE OR DELETE ON sharing_agreements
  FOR EACH STATEMENT EXECUTE FUNCTION bw_events_notify();
