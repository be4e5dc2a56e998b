-- Alert rules per agency, and the rules' kinds beyond 0019's two.
--
-- alert_rules holds an agency's rules; its admins write them, its other
-- users (not devices) read them; row-level security like events. A rule
-- applies to one team of the agency (team_id) or to every team (NULL).
-- Kinds and their parameters:
--   * zone_enter / zone_leave: a zone (geom), drawn in the client
--     (zone_source 'drawn'), a sector's outline copied when the rule is
--     written (zone_source 'sector', sector_id), or a hot-spot area, the
--     union of the hot cells the client sends (zone_source 'hotspot').
--     The service evaluates a live fix against the zones through its
--     in-memory fence index and passes what contains it to
--     bw_alerts_evaluate; fence_states keeps each team's last known side
--     of each zone (and the fix time that told it, so that an older fix
--     never changes it). zone_enter is raised when a team is found inside
--     (first seen inside, or outside before) and cleared when it leaves;
--     zone_leave is raised when a team known to be inside is found
--     outside, and cleared when it comes back. One episode per rule.
--   * border_near: distance_m (the teams' border_alert_m, or 2000 m,
--     without a rule); cleared beyond 1.2 × distance_m (0019).
--   * border_cross: a live fix outside the team's own country (its
--     countries outline) by more than distance_m (default 50 m: the
--     tolerance of the outline); cleared by a fix inside by more than that.
--   * immobile: every live fix for minutes within distance_m (default
--     100 m) of the latest, while farther than base_m (default 1000 m)
--     from the team's base; cleared by a fix farther than distance_m from
--     where it was raised, or back within base_m of the base.
--   * silent: minutes (the team's silence_alert_min, or 30, without a
--     rule); checked by bw_alerts_silence as in 0019.
--   * battery_low: a live fix reporting battery below battery_pct;
--     cleared at battery_pct + 5 or more.
-- For the kinds other than the zones, the team's own enabled rule of the
-- kind wins over the agency's rule for every team (the newest of each).
-- Every change of the rules bumps the 'alert_rules' generation and
-- notifies bw_fences, so that every replica rebuilds its fence index.

CREATE TABLE alert_rules (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agency_id    text NOT NULL REFERENCES agencies (id),
  team_id      integer REFERENCES teams (id) ON DELETE CASCADE,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind         text NOT NULL CHECK (kind IN ('zone_enter', 'zone_leave', 'border_near', 'border_cross',
                                             'immobile', 'silent', 'battery_low')),
  zone_source  text CHECK (zone_source IN ('drawn', 'sector', 'hotspot')),
  sector_id    text REFERENCES sectors (id) ON DELETE CASCADE,
  geom         geometry(MultiPolygon, 4326) CHECK (geom IS NULL OR (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))),
  distance_m   double precision CHECK (distance_m > 0 AND distance_m <= 50000),
  minutes      double precision CHECK (minutes >= 1 AND minutes <= 1440),
  battery_pct  double precision CHECK (battery_pct > 0 AND battery_pct < 100),
  base_m       double precision CHECK (base_m > 0 AND base_m <= 100000),
  enabled      boolean NOT NULL DEFAULT true,
  created_by   text NOT NULL DEFAULT '' CHECK (length(created_by) <= 200),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT alert_rule_zone CHECK ((kind IN ('zone_enter', 'zone_leave')) =
                                    (geom IS NOT NULL AND zone_source IS NOT NULL)),
  CONSTRAINT alert_rule_sector CHECK ((zone_source = 'sector') = (sector_id IS NOT NULL)),
  CONSTRAINT alert_rule_minutes CHECK (kind NOT IN ('immobile', 'silent') OR minutes IS NOT NULL),
  CONSTRAINT alert_rule_battery CHECK ((kind = 'battery_low') = (battery_pct IS NOT NULL)),
  CONSTRAINT alert_rule_distance CHECK (kind <> 'border_near' OR distance_m IS NOT NULL)
);
CREATE INDEX alert_rules_agency_idx ON alert_rules (agency_id, kind);
CREATE INDEX alert_rules_geom_idx ON alert_rules USING gist (geom);

ALTER TABLE alert_rules ENABLE ROW LEVEL SECURITY;
CREATE POLICY alert_rules_read ON alert_rules FOR SELECT TO bw_app
  USING (agency_id = bw_agency() AND bw_role() IS DISTINCT FROM 'device');
CREATE POLICY alert_rules_insert ON alert_rules FOR INSERT TO bw_app
  WITH CHECK (agency_id = bw_agency() AND bw_role() = 'admin');
CREATE POLICY alert_rules_update ON alert_rules FOR UPDATE TO bw_app
  USING (agency_id = bw_agency() AND bw_role() = 'admin')
  WITH CHECK (agency_id = bw_agency() AND bw_role() = 'admin');
CREATE POLICY alert_rules_delete ON alert_rules FOR DELETE TO bw_app
  USING (agency_id = bw_agency() AND bw_role() = 'admin');
GRANT SELECT, INSERT, UPDATE, DELETE ON alert_rules TO bw_app;

-- bw_alert_rule_fill: a rule's team must be a team of its agency; a
-- sector zone takes the sector's outline.
CREATE FUNCTION bw_alert_rule_fill() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.team_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM teams t WHERE t.id = NEW.team_id AND t.agency_id = NEW.agency_id) THEN
    RAISE EXCEPTION 'team % is not a team of agency %', NEW.team_id, NEW.agency_id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'alert_rules_team_id_fkey';
  END IF;
  IF NEW.zone_source = 'sector' THEN
    SELECT s.geom INTO NEW.geom FROM sectors s WHERE s.id = NEW.sector_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no sector %', NEW.sector_id
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'alert_rules_sector_id_fkey';
    END IF;
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION bw_alert_rule_fill() FROM PUBLIC;
CREATE TRIGGER alert_rules_fill BEFORE INSERT OR UPDATE ON alert_rules
  FOR EACH ROW EXECUTE FUNCTION bw_alert_rule_fill();

INSERT INTO bw_generations (name) VALUES ('alert_rules');

-- bw_alert_rules_changed bumps the generation, ends the episodes of rules
-- that were deleted or disabled, forgets their zone states, and tells every
-- replica to rebuild its fence index.
CREATE FUNCTION bw_alert_rules_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_n bigint;
BEGIN
  UPDATE alerts a SET cleared_at = now()
  WHERE a.cleared_at IS NULL AND a.rule_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM alert_rules r WHERE r.id = a.rule_id AND r.enabled);
  DELETE FROM fence_states s
  WHERE NOT EXISTS (SELECT 1 FROM alert_rules r WHERE r.id = s.rule_id AND r.enabled);
  UPDATE bw_generations SET n = n + 1 WHERE name = 'alert_rules' RETURNING n INTO v_n;
  PERFORM pg_notify('bw_fences', v_n::text);
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION bw_alert_rules_changed() FROM PUBLIC;

-- fence_states: a team's side of a zone as its latest live fix told it.
CREATE TABLE fence_states (
  team_id   integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  rule_id   bigint NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
  inside    boolean NOT NULL,
  fix_time  timestamptz NOT NULL,
  PRIMARY KEY (team_id, rule_id)
);
REVOKE ALL ON fence_states FROM PUBLIC;

CREATE TRIGGER alert_rules_changed AFTER INSERT OR UPDATE OR DELETE ON alert_rules
  FOR EACH STATEMENT EXECUTE FUNCTION bw_alert_rules_changed();

-- bw_alert_rule_gone ends a deleted rule's open episodes (before the
-- foreign key forgets which rule raised them).
CREATE FUNCTION bw_alert_rule_gone() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE alerts SET cleared_at = now() WHERE rule_id = OLD.id AND cleared_at IS NULL;
  RETURN OLD;
END $$;
REVOKE ALL ON FUNCTION bw_alert_rule_gone() FROM PUBLIC;
CREATE TRIGGER alert_rules_gone BEFORE DELETE ON alert_rules
  FOR EACH ROW EXECUTE FUNCTION bw_alert_rule_gone();

-- bw_live_fences: every enabled zone rule of every agency, for the
-- services' fence indexes (the zones only; names and parameters stay
-- with the agency).
CREATE FUNCTION bw_live_fences()
RETURNS TABLE (generation bigint, rule_id bigint, agency_id text, team_id integer, geom bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT (SELECT n FROM bw_generations WHERE name = 'alert_rules'), NULL::bigint, NULL::text, NULL::integer, NULL::bytea
  UNION ALL
  SELECT NULL, r.id, r.agency_id, r.team_id, ST_AsEWKB(r.geom)
  FROM alert_rules r WHERE r.enabled AND r.kind IN ('zone_enter', 'zone_leave')
$$;
REVOKE ALL ON FUNCTION bw_live_fences() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_live_fences() TO bw_app;

-- Alerts of the new kinds; an alert names the rule that raised it (NULL:
-- the team's defaults of 0019). episode_key separates the episodes of a
-- team's zone rules (the rule's id; 0 for every other kind).
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('border_near', 'silent', 'zone_enter', 'zone_leave',
  'border_cross', 'immobile', 'battery_low'));
ALTER TABLE alerts
  ADD COLUMN rule_id bigint REFERENCES alert_rules (id) ON DELETE SET NULL,
  ADD COLUMN episode_key bigint NOT NULL DEFAULT 0;
DROP INDEX alerts_open_episode;
CREATE UNIQUE INDEX alerts_open_episode ON alerts (team_id, kind, episode_key) WHERE cleared_at IS NULL;
CREATE INDEX alerts_rule_idx ON alerts (rule_id) WHERE rule_id IS NOT NULL;

CREATE OR REPLACE FUNCTION bw_alert_json(a alerts, p_state text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT jsonb_build_object('id', a.id, 'team', a.team_id, 'agency', a.agency_id, 'kind', a.kind,
    'state', p_state, 'raised_at', a.raised_at, 'fix_time', a.fix_time,
    'lon', ST_X(a.geom), 'lat', ST_Y(a.geom), 'detail', a.detail, 'cleared_at', a.cleared_at,
    'acked_at', a.acked_at, 'acked_by', a.acked_by, 'rule', a.rule_id)
$$;

-- bw_alert_open opens an episode of a rule unless one is open, and streams
-- it; the new alert's id, or NULL when an episode was open.
CREATE FUNCTION bw_alert_open(p_team integer, p_kind text, p_rule bigint, p_fix timestamptz, p_geom geometry,
  p_detail jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  a alerts%ROWTYPE;
BEGIN
  INSERT INTO alerts (team_id, agency_id, kind, fix_time, geom, detail, rule_id, episode_key)
  SELECT t.id, t.agency_id, p_kind, p_fix, p_geom, p_detail, p_rule,
         CASE WHEN p_kind IN ('zone_enter', 'zone_leave') THEN p_rule ELSE 0 END
  FROM teams t WHERE t.id = p_team
  ON CONFLICT (team_id, kind, episode_key) WHERE cleared_at IS NULL DO NOTHING
  RETURNING * INTO a;
  IF a.id IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO stream_entries (type, owner_agency, sharing, payload)
  VALUES ('alert', a.agency_id, 'agency', bw_alert_json(a, 'raised'));
  RETURN a.id;
END $$;
REVOKE ALL ON FUNCTION bw_alert_open(integer, text, bigint, timestamptz, geometry, jsonb) FROM PUBLIC;

CREATE OR REPLACE FUNCTION bw_alert_raise(p_team integer, p_kind text, p_fix timestamptz, p_geom geometry, p_detail jsonb)
RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT bw_alert_open(p_team, p_kind, NULL, p_fix, p_geom, p_detail)
$$;

-- bw_alert_end ends a team's open episode of a kind (and rule, for zones).
CREATE FUNCTION bw_alert_end(p_team integer, p_kind text, p_key bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE alerts SET cleared_at = now()
  WHERE team_id = p_team AND kind = p_kind AND episode_key = p_key AND cleared_at IS NULL
$$;
REVOKE ALL ON FUNCTION bw_alert_end(integer, text, bigint) FROM PUBLIC;

-- bw_team_rule: the rule of a kind that applies to a team (see header).
CREATE FUNCTION bw_team_rule(p_team integer, p_kind text) RETURNS SETOF alert_rules
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT r.* FROM alert_rules r JOIN teams t ON t.id = p_team AND t.agency_id = r.agency_id
  WHERE r.kind = p_kind AND r.enabled AND (r.team_id IS NULL OR r.team_id = p_team)
  ORDER BY r.team_id NULLS LAST, r.id DESC LIMIT 1
$$;
REVOKE ALL ON FUNCTION bw_team_rule(integer, text) FROM PUBLIC;

-- The evaluation of one live fix p_pos (time p_fix, point p_geom) of team
-- p_team against one rule kind; each returns the alerts it raised.

CREATE FUNCTION bw_eval_border_near(p_team integer, p_rule alert_rules, p_m double precision, p_pos bigint,
  p_fix timestamptz, p_geom geometry)
RETURNS TABLE (alert_id bigint, team_id integer, kind text, fix_time timestamptz, detail jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_dist double precision;
  v_detail jsonb;
BEGIN
  -- Border lines within 1.2 p_m; one degree is more than 50 km here
  -- (below 60° of latitude), so the planar test keeps every candidate.
  SELECT min(ST_Distance(b.geom::geography, p_geom::geography)) INTO v_dist
  FROM borders b WHERE ST_DWithin(b.geom, p_geom, p_m * 1.2 / 50000.0);
  IF v_dist IS NOT NULL AND v_dist <= p_m THEN
    v_detail := jsonb_build_object('distance_m', round(v_dist::numeric, 1), 'threshold_m', p_m, 'position', p_pos,
      'rule_name', p_rule.name);
    alert_id := bw_alert_open(p_team, 'border_near', p_rule.id, p_fix, p_geom, v_detail);
    IF alert_id IS NOT NULL THEN
      team_id := p_team; kind := 'border_near'; fix_time := p_fix; detail := v_detail;
      RETURN NEXT;
    END IF;
  ELSIF v_dist IS NULL OR v_dist > p_m * 1.2 THEN
    PERFORM bw_alert_end(p_team, 'border_near', 0);
  END IF;
END $$;

CREATE FUNCTION bw_eval_border_cross(p_team integer, p_rule alert_rules, p_pos bigint, p_fix timestamptz,
  p_geom geometry)
RETURNS TABLE (alert_id bigint, team_id integer, kind text, fix_time timestamptz, detail jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tol double precision := coalesce(p_rule.distance_m, 50);
  v_home char(3);
  v_area geometry;
  v_out double precision;
  v_detail jsonb;
BEGIN
  SELECT t.country, c.geom INTO v_home, v_area FROM teams t JOIN countries c ON c.iso3 = t.country WHERE t.id = p_team;
  IF v_area IS NULL THEN
    RETURN;
  END IF;
  IF NOT ST_Intersects(v_area, p_geom) THEN
    v_out := ST_Distance(v_area::geography, p_geom::geography);
    IF v_out > v_tol THEN
      v_detail := jsonb_build_object('home', v_home, 'outside_m', round(v_out::numeric, 1), 'tolerance_m', v_tol,
        'country', (SELECT c.iso3 FROM countries c WHERE ST_Intersects(c.geom, p_geom) ORDER BY c.iso3 LIMIT 1),
        'position', p_pos, 'rule_name', p_rule.name);
      alert_id := bw_alert_open(p_team, 'border_cross', p_rule.id, p_fix, p_geom, v_detail);
      IF alert_id IS NOT NULL THEN
        team_id := p_team; kind := 'border_cross'; fix_time := p_fix; detail := v_detail;
        RETURN NEXT;
      END IF;
    END IF;
  ELSIF EXISTS (SELECT 1 FROM alerts a WHERE a.team_id = p_team AND a.kind = 'border_cross' AND a.cleared_at IS NULL)
    AND ST_Distance(ST_Boundary(v_area)::geography, p_geom::geography) > v_tol THEN
    PERFORM bw_alert_end(p_team, 'border_cross', 0);
  END IF;
END $$;

CREATE FUNCTION bw_eval_immobile(p_team integer, p_rule alert_rules, p_pos bigint, p_fix timestamptz,
  p_geom geometry)
RETURNS TABLE (alert_id bigint, team_id integer, kind text, fix_time timestamptz, detail jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_r double precision := coalesce(p_rule.distance_m, 100);
  v_base_m double precision := coalesce(p_rule.base_m, 1000);
  v_from_base double precision;
  v_t0 timestamptz;
  v_open alerts%ROWTYPE;
  v_detail jsonb;
BEGIN
  SELECT ST_Distance(t.geom::geography, p_geom::geography) INTO v_from_base FROM teams t WHERE t.id = p_team;
  SELECT q.fix_time INTO v_t0 FROM position_records q
  WHERE q.team_id = p_team AND NOT ('implausible_jump' = ANY (q.flags))
    AND q.fix_time <= p_fix - p_rule.minutes * interval '1 minute'
  ORDER BY q.fix_time DESC LIMIT 1;
  IF v_from_base > v_base_m AND v_t0 IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM position_records q
       WHERE q.team_id = p_team AND NOT ('implausible_jump' = ANY (q.flags)) AND q.fix_time BETWEEN v_t0 AND p_fix
         AND NOT ST_DWithin(q.geom::geography, p_geom::geography, v_r)) THEN
    v_detail := jsonb_build_object('still_since', v_t0, 'still_min', round((extract(epoch FROM p_fix - v_t0) / 60)::numeric, 1),
      'limit_min', p_rule.minutes, 'radius_m', v_r, 'from_base_m', round(v_from_base::numeric, 1), 'base_m', v_base_m,
      'position', p_pos, 'rule_name', p_rule.name);
    alert_id := bw_alert_open(p_team, 'immobile', p_rule.id, p_fix, p_geom, v_detail);
    IF alert_id IS NOT NULL THEN
      team_id := p_team; kind := 'immobile'; fix_time := p_fix; detail := v_detail;
      RETURN NEXT;
    END IF;
    RETURN;
  END IF;
  SELECT * INTO v_open FROM alerts a WHERE a.team_id = p_team AND a.kind = 'immobile' AND a.cleared_at IS NULL;
  IF FOUND AND (v_from_base <= v_base_m OR NOT ST_DWithin(v_open.geom::geography, p_geom::geography, v_r)) THEN
    PERFORM bw_alert_end(p_team, 'immobile', 0);
  END IF;
END $$;

CREATE FUNCTION bw_eval_battery(p_team integer, p_rule alert_rules, p_pos bigint, p_fix timestamptz,
  p_geom geometry, p_batt double precision)
RETURNS TABLE (alert_id bigint, team_id integer, kind text, fix_time timestamptz, detail jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_detail jsonb;
BEGIN
  IF p_batt IS NULL THEN
    RETURN;
  END IF;
  IF p_batt < p_rule.battery_pct THEN
    v_detail := jsonb_build_object('battery_pct', p_batt, 'threshold_pct', p_rule.battery_pct, 'position', p_pos,
      'rule_name', p_rule.name);
    alert_id := bw_alert_open(p_team, 'battery_low', p_rule.id, p_fix, p_geom, v_detail);
    IF alert_id IS NOT NULL THEN
      team_id := p_team; kind := 'battery_low'; fix_time := p_fix; detail := v_detail;
      RETURN NEXT;
    END IF;
  ELSIF p_batt >= p_rule.battery_pct + 5 THEN
    PERFORM bw_alert_end(p_team, 'battery_low', 0);
  END IF;
END $$;

-- bw_eval_zones: p_inside holds the zone rules that contain the fix, as
-- the service's fence index found them among p_rules (the zone rules of
-- the agency the index knew of); zone rules the index did not know of yet
-- are left for the next fix.
CREATE FUNCTION bw_eval_zones(p_team integer, p_pos bigint, p_fix timestamptz, p_geom geometry,
  p_rules bigint[], p_inside bigint[])
RETURNS TABLE (alert_id bigint, team_id integer, kind text, fix_time timestamptz, detail jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  z alert_rules%ROWTYPE;
  v_in boolean;
  v_was boolean;
  v_was_t timestamptz;
  v_raise boolean;
  v_detail jsonb;
BEGIN
  FOR z IN
    SELECT r.* FROM alert_rules r JOIN teams t ON t.id = p_team AND t.agency_id = r.agency_id
    WHERE r.id = ANY (p_rules) AND r.enabled AND r.kind IN ('zone_enter', 'zone_leave')
      AND (r.team_id IS NULL OR r.team_id = p_team)
    ORDER BY r.id
  LOOP
    v_in := z.id = ANY (p_inside);
    SELECT s.inside, s.fix_time INTO v_was, v_was_t FROM fence_states s WHERE s.team_id = p_team AND s.rule_id = z.id;
    IF v_was_t IS NOT NULL AND v_was_t >= p_fix THEN
      CONTINUE; -- an older fix never changes the side
    END IF;
    INSERT INTO fence_states AS s (team_id, rule_id, inside, fix_time) VALUES (p_team, z.id, v_in, p_fix)
    ON CONFLICT ON CONSTRAINT fence_states_pkey DO UPDATE SET inside = EXCLUDED.inside, fix_time = EXCLUDED.fix_time;
    IF z.kind = 'zone_enter' THEN
      v_raise := v_in AND v_was IS DISTINCT FROM true;
      IF NOT v_in THEN
        PERFORM bw_alert_end(p_team, 'zone_enter', z.id);
      END IF;
    ELSE
      v_raise := NOT v_in AND v_was IS true;
      IF v_in THEN
        PERFORM bw_alert_end(p_team, 'zone_leave', z.id);
      END IF;
    END IF;
    IF v_raise THEN
      v_detail := jsonb_build_object('rule_name', z.name, 'zone_source', z.zone_source, 'sector', z.sector_id,
        'position', p_pos, 'inside', v_in);
      alert_id := bw_alert_open(p_team, z.kind, z.id, p_fix, p_geom, v_detail);
      IF alert_id IS NOT NULL THEN
        team_id := p_team; kind := z.kind; fix_time := p_fix; detail := v_detail;
        RETURN NEXT;
      END IF;
    END IF;
  END LOOP;
END $$;

REVOKE ALL ON FUNCTION bw_eval_border_near(integer, alert_rules, double precision, bigint, timestamptz, geometry) FROM PUBLIC;
REVOKE ALL ON FUNCTION bw_eval_border_cross(integer, alert_rules, bigint, timestamptz, geometry) FROM PUBLIC;
REVOKE ALL ON FUNCTION bw_eval_immobile(integer, alert_rules, bigint, timestamptz, geometry) FROM PUBLIC;
REVOKE ALL ON FUNCTION bw_eval_battery(integer, alert_rules, bigint, timestamptz, geometry, double precision) FROM PUBLIC;
REVOKE ALL ON FUNCTION bw_eval_zones(integer, bigint, timestamptz, geometry, bigint[], bigint[]) FROM PUBLIC;

-- bw_alerts_evaluate evaluates the live fixes among the given positions
-- (0019: newer than the team's latest fix stored before them, not GPX,
-- not implausible jumps) in fix order, per team, against every rule kind,
-- and returns the alerts it raised. p_hit_pos[i] lies in the zone of rule
-- p_hit_rule[i]; p_rules are the zone rules the fence index evaluated. A
-- caller acting for an agency evaluates only its positions.
DROP FUNCTION bw_alerts_evaluate(bigint[]);
CREATE FUNCTION bw_alerts_evaluate(p_ids bigint[], p_rules bigint[], p_hit_pos bigint[], p_hit_rule bigint[])
RETURNS TABLE (alert_id bigint, team_id integer, kind text, fix_time timestamptz, detail jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_team integer;
  v_prev timestamptz;
  v_m double precision;
  v_near alert_rules%ROWTYPE;
  v_cross alert_rules%ROWTYPE;
  v_still alert_rules%ROWTYPE;
  v_batt alert_rules%ROWTYPE;
  r record;
BEGIN
  FOR v_team IN
    SELECT DISTINCT p.team_id FROM position_records p
    WHERE p.id = ANY (p_ids) AND (bw_agency() IS NULL OR p.agency_id = bw_agency())
    ORDER BY 1
  LOOP
    v_near := NULL; v_cross := NULL; v_still := NULL; v_batt := NULL;
    SELECT * INTO v_near FROM bw_team_rule(v_team, 'border_near');
    SELECT * INTO v_cross FROM bw_team_rule(v_team, 'border_cross');
    SELECT * INTO v_still FROM bw_team_rule(v_team, 'immobile');
    SELECT * INTO v_batt FROM bw_team_rule(v_team, 'battery_low');
    SELECT coalesce(v_near.distance_m, t.border_alert_m, 2000) INTO v_m FROM teams t WHERE t.id = v_team;
    SELECT max(q.fix_time) INTO v_prev FROM position_records q
    WHERE q.team_id = v_team AND NOT (q.id = ANY (p_ids)) AND NOT ('implausible_jump' = ANY (q.flags));
    FOR r IN
      SELECT p.id, p.fix_time, p.geom, p.battery_pct FROM position_records p
      WHERE p.id = ANY (p_ids) AND p.team_id = v_team AND p.source <> 'gpx'
        AND NOT ('implausible_jump' = ANY (p.flags)) AND (v_prev IS NULL OR p.fix_time > v_prev)
      ORDER BY p.fix_time
    LOOP
      -- A live fix ends a silence.
      PERFORM bw_alert_end(v_team, 'silent', 0);
      RETURN QUERY SELECT * FROM bw_eval_border_near(v_team, v_near, v_m, r.id, r.fix_time, r.geom);
      IF v_cross.id IS NOT NULL THEN
        RETURN QUERY SELECT * FROM bw_eval_border_cross(v_team, v_cross, r.id, r.fix_time, r.geom);
      END IF;
      IF v_still.id IS NOT NULL THEN
        RETURN QUERY SELECT * FROM bw_eval_immobile(v_team, v_still, r.id, r.fix_time, r.geom);
      END IF;
      IF v_batt.id IS NOT NULL THEN
        RETURN QUERY SELECT * FROM bw_eval_battery(v_team, v_batt, r.id, r.fix_time, r.geom, r.battery_pct);
      END IF;
      IF p_rules IS NOT NULL AND cardinality(p_rules) > 0 THEN
        RETURN QUERY SELECT * FROM bw_eval_zones(v_team, r.id, r.fix_time, r.geom, p_rules,
          ARRAY(SELECT h.rule FROM unnest(p_hit_pos, p_hit_rule) h (pos, rule) WHERE h.pos = r.id));
      END IF;
    END LOOP;
  END LOOP;
END $$;
REVOKE ALL ON FUNCTION bw_alerts_evaluate(bigint[], bigint[], bigint[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_alerts_evaluate(bigint[], bigint[], bigint[], bigint[]) TO bw_app;

-- bw_alerts_silence (0019) with the silent rules folded in.
CREATE OR REPLACE FUNCTION bw_alerts_silence(p_now timestamptz)
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
    SELECT s.team_id, s.plan_id, s.depart, s.return_at, coalesce(sr.minutes, t.silence_alert_min, 30) AS limit_min,
           l.fix_time AS last_fix, l.geom, sr.id AS rule_id, sr.name AS rule_name
    FROM bw_team_shifts s JOIN teams t ON t.id = s.team_id
    LEFT JOIN LATERAL bw_team_rule(s.team_id, 'silent') sr ON true
    LEFT JOIN LATERAL (SELECT q.fix_time, q.geom FROM position_records q
                       WHERE q.team_id = s.team_id AND NOT ('implausible_jump' = ANY (q.flags)) AND q.fix_time <= p_now
                       ORDER BY q.fix_time DESC LIMIT 1) l ON true
    WHERE p_now BETWEEN s.depart AND s.return_at
      AND p_now - greatest(l.fix_time, s.depart) > coalesce(sr.minutes, t.silence_alert_min, 30) * interval '1 minute'
  LOOP
    v_detail := jsonb_build_object('limit_min', r.limit_min, 'plan', r.plan_id, 'shift_start', r.depart,
      'shift_end', r.return_at, 'last_fix', r.last_fix, 'rule_name', r.rule_name,
      'silent_min', round((extract(epoch FROM p_now - greatest(r.last_fix, r.depart)) / 60)::numeric, 1));
    v_id := bw_alert_open(r.team_id, 'silent', r.rule_id, r.last_fix, r.geom, v_detail);
    IF v_id IS NOT NULL THEN
      alert_id := v_id; team_id := r.team_id; kind := 'silent'; fix_time := r.last_fix; detail := v_detail;
      RETURN NEXT;
    END IF;
  END LOOP;
END $$;
