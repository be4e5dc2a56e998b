-- bw_eval_zones (0023) visited every zone rule of the team's agency for
-- every live fix: one read and one upsert of fence_states and one
-- bw_alert_end per rule, so that an agency with 1,000 zones paid about
-- 3,000 statements per fix, and tested each rule's id against the array
-- of all of them. Only a rule whose side can change needs a
-- visit: a zone that contains the fix (p_inside), one the team was last
-- known to be inside (fence_states.inside), or one with an open episode.
-- Every other rule saw the team outside and sees it outside again, which
-- changes nothing: zone_enter raises only on entering and ends only an
-- episode that the rule's state has as inside; zone_leave raises only
-- when the state was inside and ends only an open episode. Its state row,
-- if any, keeps the fix time of the last fix that changed the side; the
-- fixes bw_alerts_evaluate passes are newer than every stored fix of the
-- team, so that older time never lets an older fix through. The
-- candidates are collected first (none, the common case, ends the call),
-- and only they are read and tested against p_rules.

CREATE OR REPLACE FUNCTION bw_eval_zones(p_team integer, p_pos bigint, p_fix timestamptz, p_geom geometry,
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
  v_cand bigint[];
  v_agency text;
BEGIN
  v_cand := ARRAY(SELECT unnest(p_inside)
                  UNION SELECT s.rule_id FROM fence_states s WHERE s.team_id = p_team AND s.inside
                  UNION SELECT a.episode_key FROM alerts a
                        WHERE a.team_id = p_team AND a.kind IN ('zone_enter', 'zone_leave') AND a.cleared_at IS NULL);
  IF cardinality(v_cand) = 0 THEN
    RETURN;
  END IF;
  SELECT t.agency_id INTO v_agency FROM teams t WHERE t.id = p_team;
  FOR z IN
    SELECT r.* FROM unnest(v_cand) c (id) JOIN alert_rules r ON r.id = c.id
    WHERE r.agency_id = v_agency AND r.id = ANY (p_rules) AND r.enabled AND r.kind IN ('zone_enter', 'zone_leave')
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
REVOKE ALL ON FUNCTION bw_eval_zones(integer, bigint, timestamptz, geometry, bigint[], bigint[]) FROM PUBLIC;

-- Synthetic patrol tracks: the demo's history of driven tracks is marked
-- synthetic like the rest of the synthetic history (events, teams,
-- offices), so that it is told apart and replaced as a whole. It is
-- history, not live information: it makes no stream entries.
ALTER TABLE position_records ADD COLUMN synthetic boolean NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION bw_position_stream() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO stream_entries (type, owner_agency, sharing, payload)
  SELECT 'position', n.agency_id, n.sharing,
         jsonb_build_object('id', n.id, 'team', n.team_id, 'agency', n.agency_id, 'fix_time', n.fix_time,
           'lon', ST_X(n.geom), 'lat', ST_Y(n.geom), 'speed_mps', n.speed_mps, 'bearing_deg', n.bearing_deg,
           'accuracy_m', n.accuracy_m, 'battery_pct', n.battery_pct, 'source', n.source, 'flags', n.flags)
  FROM new_positions n
  WHERE NOT n.synthetic
  ORDER BY n.team_id, n.fix_time;
  RETURN NULL;
END $$;
