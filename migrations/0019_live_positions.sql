-- Positions on the live stream, and alerts about teams in the field.
--
-- Positions. Every stored position becomes a stream entry of type
-- 'position' in the statement that stores it (a trigger on
-- position_records), so the entry commits or rolls back with the position.
-- The entry carries the position's agency and sharing level, and the
-- stream's row-level security (0017) shows it exactly where the positions
-- view shows the full position: the team's agency; every agency for a
-- 'regional' team; for a 'bilateral' team, the partners whose agreement
-- asks no coarsening. A partner whose agreement coarsens gets nothing live:
-- a coarsened position is a grid cell and a day or month, and an entry per
-- fix would tell the fix's time by when it arrives; it still reads the
-- coarsened positions through the positions view.
--
-- Alerts. alerts holds one row per episode of a condition of a team:
--   * border_near: a fix within the team's border_alert_m (default 2000 m)
--     of a border line (the borders table, the lines the service loads);
--     the episode ends at the first fix farther than 1.2 times that
--     distance (hysteresis: a team driving along the border road raises
--     one alert, not one per fix);
--   * silent: the team is on shift (a route of its agency's latest plan
--     for it departs before now and returns after now) and has sent no fix
--     for more than its silence_alert_min (default 30 minutes) since the
--     later of its last fix and the shift's start; the episode ends with
--     the next fix or the end of the shift.
-- A partial unique index allows one open episode per team and kind, so
-- concurrent evaluations (two ingests, two replicas) raise it once. Only
-- live fixes are evaluated: those newer than the team's latest fix stored
-- before them and not uploaded as GPX tracks (history, not live), and not
-- flagged as implausible jumps. Each alert raised or acknowledged is a
-- stream entry of type 'alert' for the team's agency only; the service
-- audits both in the transaction that makes them.

ALTER TABLE teams
  ADD COLUMN border_alert_m double precision CHECK (border_alert_m > 0 AND border_alert_m <= 50000),
  ADD COLUMN silence_alert_min double precision CHECK (silence_alert_min >= 1 AND silence_alert_min <= 1440);

-- bw_position_stream: one 'position' entry per stored position.
CREATE FUNCTION bw_position_stream() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO stream_entries (type, owner_agency, sharing, payload)
  SELECT 'position', n.agency_id, n.sharing,
         jsonb_build_object('id', n.id, 'team', n.team_id, 'agency', n.agency_id, 'fix_time', n.fix_time,
           'lon', ST_X(n.geom), 'lat', ST_Y(n.geom), 'speed_mps', n.speed_mps, 'bearing_deg', n.bearing_deg,
           'accuracy_m', n.accuracy_m, 'battery_pct', n.battery_pct, 'source', n.source, 'flags', n.flags)
  FROM new_positions n
  ORDER BY n.team_id, n.fix_time;
  RETURN NULL;
END $$;
CREATE TRIGGER position_records_stream AFTER INSERT ON position_records
  REFERENCING NEW TABLE AS new_positions
  FOR EACH STATEMENT EXECUTE FUNCTION bw_position_stream();

CREATE TABLE alerts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id     integer NOT NULL REFERENCES teams (id),
  agency_id   text NOT NULL REFERENCES agencies (id),
  kind        text NOT NULL CHECK (kind IN ('border_near', 'silent')),
  raised_at   timestamptz NOT NULL DEFAULT now(),
  -- fix_time and geom: the fix that raised it (silent: the last fix, if any).
  fix_time    timestamptz,
  geom        geometry(Point, 4326) CHECK (geom IS NULL OR bw_valid_point(geom)),
  detail      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object'),
  cleared_at  timestamptz,
  acked_at    timestamptz,
  acked_by    text CHECK (length(acked_by) <= 200),
  CHECK ((acked_at IS NULL) = (acked_by IS NULL))
);
CREATE UNIQUE INDEX alerts_open_episode ON alerts (team_id, kind) WHERE cleared_at IS NULL;
CREATE INDEX alerts_agency_idx ON alerts (agency_id, raised_at DESC);

ALTER TABLE alerts ENABLE ROW LEVEL SECURITY;
CREATE POLICY alerts_own_read ON alerts FOR SELECT TO bw_app
  USING (agency_id = bw_agency() AND bw_role() IS DISTINCT FROM 'device');
GRANT SELECT ON alerts TO bw_app;

-- bw_alert_json is an alert as stream entries and callers see it.
CREATE FUNCTION bw_alert_json(a alerts, p_state text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT jsonb_build_object('id', a.id, 'team', a.team_id, 'agency', a.agency_id, 'kind', a.kind,
    'state', p_state, 'raised_at', a.raised_at, 'fix_time', a.fix_time,
    'lon', ST_X(a.geom), 'lat', ST_Y(a.geom), 'detail', a.detail, 'cleared_at', a.cleared_at,
    'acked_at', a.acked_at, 'acked_by', a.acked_by)
$$;

-- bw_alert_raise opens an episode unless one is open, and streams it.
-- It returns the new alert's id, or NULL when an episode was open.
CREATE FUNCTION bw_alert_raise(p_team integer, p_kind text, p_fix timestamptz, p_geom geometry, p_detail jsonb)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  a alerts%ROWTYPE;
BEGIN
  INSERT INTO alerts (team_id, agency_id, kind, fix_time, geom, detail)
  SELECT t.id, t.agency_id, p_kind, p_fix, p_geom, p_detail FROM teams t WHERE t.id = p_team
  ON CONFLICT (team_id, kind) WHERE cleared_at IS NULL DO NOTHING
  RETURNING * INTO a;
  IF a.id IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO stream_entries (type, owner_agency, sharing, payload)
  VALUES ('alert', a.agency_id, 'agency', bw_alert_json(a, 'raised'));
  RETURN a.id;
END $$;
REVOKE ALL ON FUNCTION bw_alert_raise(integer, text, timestamptz, geometry, jsonb) FROM PUBLIC;

-- bw_alert_clear ends a team's open episode of a kind.
CREATE FUNCTION bw_alert_clear(p_team integer, p_kind text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE alerts SET cleared_at = now() WHERE team_id = p_team AND kind = p_kind AND cleared_at IS NULL
$$;
REVOKE ALL ON FUNCTION bw_alert_clear(integer, text) FROM PUBLIC;

-- bw_alerts_evaluate evaluates the live fixes among the given positions
-- (see the header) in fix order, per team, and returns the alerts it
-- raised. A caller acting for an agency evaluates only its positions.
CREATE FUNCTION bw_alerts_evaluate(p_ids bigint[])
RETURNS TABLE (alert_id bigint, team_id integer, kind text, fix_time timestamptz, detail jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_team integer;
  v_prev timestamptz;
  v_m double precision;
  r record;
  v_dist double precision;
  v_id bigint;
  v_detail jsonb;
BEGIN
  FOR v_team, v_m IN
    SELECT DISTINCT p.team_id, coalesce(t.border_alert_m, 2000)
    FROM position_records p JOIN teams t ON t.id = p.team_id
    WHERE p.id = ANY (p_ids) AND (bw_agency() IS NULL OR p.agency_id = bw_agency())
    ORDER BY 1
  LOOP
    SELECT max(q.fix_time) INTO v_prev FROM position_records q
    WHERE q.team_id = v_team AND NOT (q.id = ANY (p_ids)) AND NOT ('implausible_jump' = ANY (q.flags));
    FOR r IN
      SELECT p.id, p.fix_time, p.geom FROM position_records p
      WHERE p.id = ANY (p_ids) AND p.team_id = v_team AND p.source <> 'gpx'
        AND NOT ('implausible_jump' = ANY (p.flags)) AND (v_prev IS NULL OR p.fix_time > v_prev)
      ORDER BY p.fix_time
    LOOP
      -- A live fix ends a silence.
      PERFORM bw_alert_clear(v_team, 'silent');
      -- Border lines within 1.2 v_m; one degree is more than 50 km here
      -- (below 60° of latitude), so the planar test keeps every candidate.
      SELECT min(ST_Distance(b.geom::geography, r.geom::geography)) INTO v_dist
      FROM borders b WHERE ST_DWithin(b.geom, r.geom, v_m * 1.2 / 50000.0);
      IF v_dist IS NOT NULL AND v_dist <= v_m THEN
        v_detail := jsonb_build_object('distance_m', round(v_dist::numeric, 1), 'threshold_m', v_m, 'position', r.id);
        v_id := bw_alert_raise(v_team, 'border_near', r.fix_time, r.geom, v_detail);
        IF v_id IS NOT NULL THEN
          alert_id := v_id; team_id := v_team; kind := 'border_near'; fix_time := r.fix_time; detail := v_detail;
          RETURN NEXT;
        END IF;
      ELSIF v_dist IS NULL OR v_dist > v_m * 1.2 THEN
        PERFORM bw_alert_clear(v_team, 'border_near');
      END IF;
    END LOOP;
  END LOOP;
END $$;
REVOKE ALL ON FUNCTION bw_alerts_evaluate(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_alerts_evaluate(bigint[]) TO bw_app;

-- bw_team_shifts: every team's shift of its agency's latest plan that
-- has a route for it, from the route's depart to its return.
CREATE VIEW bw_team_shifts AS
  SELECT DISTINCT ON (team_id) team_id, plan_id, depart, return_at
  FROM (SELECT (f -> 'properties' ->> 'team')::integer AS team_id, p.id AS plan_id, p.created_at, p.agency_id,
               (f -> 'properties' ->> 'depart')::timestamptz AS depart,
               (f -> 'properties' ->> 'return')::timestamptz AS return_at
        FROM plans p, jsonb_array_elements(p.result -> 'features') f
        WHERE f -> 'properties' ->> 'kind' = 'route') s
  JOIN teams t ON t.id = s.team_id AND t.agency_id = s.agency_id
  ORDER BY team_id, s.created_at DESC;
REVOKE ALL ON bw_team_shifts FROM PUBLIC;

-- bw_alerts_silence raises 'silent' for every team on shift that has been
-- silent too long, clears the silences of teams off shift, and returns the
-- alerts it raised. serve calls it periodically, on one replica at a time.
CREATE FUNCTION bw_alerts_silence(p_now timestamptz)
RETURNS TABLE (alert_id bigint, team_id integer, kind text, fix_time timestamptz, detail jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  r record;
  v_id bigint;
  v_detail jsonb;
BEGIN
  IF bw_agency() IS NOT NULL THEN
    RAISE EXCEPTION 'only the service checks silences, for every agency' USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE alerts a SET cleared_at = p_now
  WHERE a.kind = 'silent' AND a.cleared_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM bw_team_shifts s WHERE s.team_id = a.team_id AND p_now BETWEEN s.depart AND s.return_at);
  FOR r IN
    SELECT s.team_id, s.plan_id, s.depart, s.return_at, coalesce(t.silence_alert_min, 30) AS limit_min,
           l.fix_time AS last_fix, l.geom
    FROM bw_team_shifts s JOIN teams t ON t.id = s.team_id
    LEFT JOIN LATERAL (SELECT q.fix_time, q.geom FROM position_records q
                       WHERE q.team_id = s.team_id AND NOT ('implausible_jump' = ANY (q.flags)) AND q.fix_time <= p_now
                       ORDER BY q.fix_time DESC LIMIT 1) l ON true
    WHERE p_now BETWEEN s.depart AND s.return_at
      AND p_now - greatest(l.fix_time, s.depart) > coalesce(t.silence_alert_min, 30) * interval '1 minute'
  LOOP
    v_detail := jsonb_build_object('limit_min', r.limit_min, 'plan', r.plan_id, 'shift_start', r.depart,
      'shift_end', r.return_at, 'last_fix', r.last_fix,
      'silent_min', round((extract(epoch FROM p_now - greatest(r.last_fix, r.depart)) / 60)::numeric, 1));
    v_id := bw_alert_raise(r.team_id, 'silent', r.last_fix, r.geom, v_detail);
    IF v_id IS NOT NULL THEN
      alert_id := v_id; team_id := r.team_id; kind := 'silent'; fix_time := r.last_fix; detail := v_detail;
      RETURN NEXT;
    END IF;
  END LOOP;
END $$;
REVOKE ALL ON FUNCTION bw_alerts_silence(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_alerts_silence(timestamptz) TO bw_app;

-- bw_alert_ack acknowledges an alert of the caller's agency (not as a
-- viewer or a device), once, and streams the acknowledgement. It returns
-- false when the alert was acknowledged before, and raises no_data_found
-- for an alert the caller cannot see.
CREATE FUNCTION bw_alert_ack(p_id bigint, p_by text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  a alerts%ROWTYPE;
BEGIN
  -- Inside this function current_user is the owner: the caller's agency
  -- and role decide (none: the owner's tools).
  SELECT * INTO a FROM alerts WHERE id = p_id AND (bw_agency() IS NULL OR agency_id = bw_agency()) FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'alert % not found', p_id USING ERRCODE = 'P0002';
  END IF;
  IF bw_agency() IS NOT NULL AND bw_role() NOT IN ('analyst', 'planner', 'admin') THEN
    RAISE EXCEPTION 'a % may not acknowledge alerts', bw_role() USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF a.acked_at IS NOT NULL THEN
    RETURN false;
  END IF;
  UPDATE alerts SET acked_at = now(), acked_by = p_by WHERE id = p_id RETURNING * INTO a;
  INSERT INTO stream_entries (type, owner_agency, sharing, payload)
  VALUES ('alert', a.agency_id, 'agency', bw_alert_json(a, 'acknowledged'));
  RETURN true;
END $$;
REVOKE ALL ON FUNCTION bw_alert_ack(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_alert_ack(bigint, text) TO bw_app;
