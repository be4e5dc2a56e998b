-- Positions of the teams in the field, reported by their devices.
--
-- A device (a phone running Traccar Client or OsmAnd, a GPS tracker) is
-- registered for one team and identifies itself with a long random secret,
-- of which only the SHA-256 hash is kept (like API tokens). Positions belong
-- to the team's agency and follow the sharing rules of events:
--   * position_records holds them; row-level security lets bw_app read and
--     write only its own agency's rows;
--   * positions is the view that shows exactly what the caller's agency may
--     see: its own, every regional one, its partners' bilateral ones, and
--     those of partners whose agreement coarsens, coarsened (the point
--     snapped to the agreement's grid cell, the times rounded to its day or
--     month; device, speed, bearing, altitude, battery, id and change_xid
--     withheld; one row per team, coarse time and coarse point);
--   * a position's sharing level is its team's position_sharing when it is
--     written (default 'agency': a team's whereabouts are shared only when
--     its agency says so); changing the team's level changes what later
--     positions carry, not what was stored.
-- A position is stored once per device and fix time (per team and fix time
-- for tracks uploaded with a token). The change_xid column and the
-- bw_positions notification let a live stream follow new positions the way
-- replicas follow events.

ALTER TABLE teams ADD COLUMN position_sharing text NOT NULL DEFAULT 'agency'
  CHECK (position_sharing IN ('agency', 'bilateral', 'regional'));

CREATE TABLE devices (
  id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id      integer NOT NULL REFERENCES teams (id),
  agency_id    text NOT NULL REFERENCES agencies (id),
  secret_hash  bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
  label        text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);
CREATE INDEX devices_team_idx ON devices (team_id);

ALTER TABLE devices ENABLE ROW LEVEL SECURITY;
CREATE POLICY devices_own_agency ON devices TO bw_app
  USING (agency_id = bw_agency() AND bw_role() IN ('planner', 'admin'))
  WITH CHECK (agency_id = bw_agency() AND bw_role() IN ('planner', 'admin'));
GRANT SELECT, INSERT, UPDATE ON devices TO bw_app;

-- bw_device_authenticate resolves a device secret's hash to the device, its
-- team and agency, revoked ones included (so that the service can tell a
-- revoked device from an unknown one in its log). It is the only way bw_app
-- reads devices of an agency it does not yet act for.
CREATE FUNCTION bw_device_authenticate(h bytea)
RETURNS TABLE (device_id integer, team_id integer, agency_id text, revoked boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT d.id, d.team_id, t.agency_id, d.revoked_at IS NOT NULL
  FROM devices d JOIN teams t ON t.id = d.team_id
  WHERE d.secret_hash = h
$$;
REVOKE ALL ON FUNCTION bw_device_authenticate(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_device_authenticate(bytea) TO bw_app;

CREATE TABLE position_records (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id      integer NOT NULL REFERENCES teams (id),
  device_id    integer REFERENCES devices (id),
  agency_id    text NOT NULL REFERENCES agencies (id),
  sharing      text NOT NULL CHECK (sharing IN ('agency', 'bilateral', 'regional')),
  fix_time     timestamptz NOT NULL CHECK (fix_time >= '2000-01-01'),
  received_at  timestamptz NOT NULL DEFAULT now(),
  geom         geometry(Point, 4326) NOT NULL CHECK (bw_valid_point(geom)),
  speed_mps    double precision CHECK (speed_mps >= 0 AND speed_mps <= 1000),
  bearing_deg  double precision CHECK (bearing_deg >= 0 AND bearing_deg <= 360),
  altitude_m   double precision CHECK (altitude_m BETWEEN -1000 AND 20000),
  accuracy_m   double precision CHECK (accuracy_m >= 0 AND accuracy_m <= 1000000),
  hdop         double precision CHECK (hdop >= 0 AND hdop <= 100),
  battery_pct  double precision CHECK (battery_pct >= 0 AND battery_pct <= 100),
  source       text NOT NULL CHECK (source IN ('osmand', 'traccar_json', 'gpx')),
  flags        text[] NOT NULL DEFAULT '{}'
               CHECK (flags <@ ARRAY['implausible_jump', 'poor_accuracy', 'device_invalid']::text[]),
  flag_reason  text CHECK (length(flag_reason) <= 1000),
  change_xid   xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE UNIQUE INDEX position_records_device_fix ON position_records (device_id, fix_time) WHERE device_id IS NOT NULL;
CREATE UNIQUE INDEX position_records_team_upload_fix ON position_records (team_id, fix_time) WHERE device_id IS NULL;
CREATE INDEX position_records_team_fix_idx ON position_records (team_id, fix_time);
CREATE INDEX position_records_geom_time_idx ON position_records USING gist (geom, fix_time);
CREATE INDEX position_records_change_xid_idx ON position_records (change_xid);

-- bw_positions_fill gives a new position its team's agency and sharing
-- level, and refuses a device that is not an active device of that team.
CREATE FUNCTION bw_positions_fill() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_agency text;
  v_sharing text;
BEGIN
  SELECT t.agency_id, t.position_sharing INTO v_agency, v_sharing FROM teams t WHERE t.id = NEW.team_id;
  IF v_agency IS NULL THEN
    RAISE EXCEPTION 'no team %', NEW.team_id USING ERRCODE = 'foreign_key_violation',
      CONSTRAINT = 'position_records_team_id_fkey';
  END IF;
  IF NEW.device_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM devices d WHERE d.id = NEW.device_id AND d.team_id = NEW.team_id AND d.revoked_at IS NULL) THEN
    RAISE EXCEPTION 'device % is not an active device of team %', NEW.device_id, NEW.team_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  NEW.agency_id := v_agency;
  NEW.sharing := coalesce(NEW.sharing, v_sharing);
  NEW.change_xid := pg_current_xact_id();
  RETURN NEW;
END $$;
CREATE TRIGGER position_records_fill BEFORE INSERT ON position_records
  FOR EACH ROW EXECUTE FUNCTION bw_positions_fill();

CREATE FUNCTION bw_positions_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('bw_positions', pg_current_xact_id()::text);
  RETURN NULL;
END $$;
CREATE TRIGGER position_records_notify AFTER INSERT OR UPDATE OR DELETE ON position_records
  FOR EACH STATEMENT EXECUTE FUNCTION bw_positions_notify();

ALTER TABLE position_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY position_records_own_read ON position_records FOR SELECT TO bw_app
  USING (agency_id = bw_agency());
-- Devices write as the role 'device' of their team's agency; planners and
-- admins upload driven tracks.
CREATE POLICY position_records_own_insert ON position_records FOR INSERT TO bw_app
  WITH CHECK (agency_id = bw_agency() AND bw_role() IN ('device', 'planner', 'admin'));
GRANT SELECT, INSERT ON position_records TO bw_app;

CREATE VIEW positions AS
  SELECT p.id, p.team_id, p.device_id, p.agency_id, p.sharing, p.fix_time, p.received_at, p.geom,
         p.speed_mps, p.bearing_deg, p.altitude_m, p.accuracy_m, p.battery_pct, p.source, p.flags,
         p.flag_reason, p.change_xid, false AS coarsened
  FROM position_records p
  WHERE NOT bw_restricted()
     OR p.agency_id = bw_agency()
     OR p.sharing = 'regional'
     OR (p.sharing = 'bilateral' AND p.agency_id IN
          (SELECT a.agency_id FROM bw_partners a WHERE a.coarsen_m IS NULL AND a.coarsen_time IS NULL))
  UNION ALL
  SELECT DISTINCT NULL::bigint, p.team_id, NULL::integer, p.agency_id, p.sharing,
         bw_coarsen_time(p.fix_time, a.coarsen_time), bw_coarsen_time(p.fix_time, a.coarsen_time),
         bw_coarsen_point(p.geom, a.coarsen_m),
         NULL::double precision, NULL::double precision, NULL::double precision,
         CASE WHEN a.coarsen_m IS NULL THEN NULL ELSE a.coarsen_m * 0.7072 END,
         NULL::double precision, p.source, p.flags, NULL::text, NULL::xid8, true
  FROM position_records p
  JOIN bw_partners a ON a.agency_id = p.agency_id
  WHERE bw_restricted() AND p.sharing = 'bilateral'
    AND (a.coarsen_m IS NOT NULL OR a.coarsen_time IS NOT NULL);
GRANT SELECT ON positions TO bw_app;

-- bw_position_team_ids lists the teams that have positions, so that a
-- caller can ask for each one's latest visible position; team ids are no
-- secret (the positions view shows them), names and bases stay private.
CREATE FUNCTION bw_position_team_ids() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.id FROM teams t WHERE EXISTS (SELECT 1 FROM position_records p WHERE p.team_id = t.id)
$$;
REVOKE ALL ON FUNCTION bw_position_team_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_position_team_ids() TO bw_app;
