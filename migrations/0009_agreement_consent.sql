-- Sharing agreements by the consent of both agencies.
--
-- Until now either party's admin could create an agreement, remove its
-- coarsening or delete it on its own, so one agency could widen what it saw
-- of the other. From here on the service role cannot write
-- sharing_agreements at all; four security-definer functions are the only
-- way to change them, and they enforce:
--   * an agreement, and any change that lets a party see more (a new
--     agreement, finer or no coarsening), is a proposal that takes effect
--     only when the other agency's admin accepts it;
--   * a change that lets nobody see more (coarser values) and a revocation
--     take effect at once, at the word of either party;
--   * every step is kept in agreement_history, which both parties read.

-- bw_acting_agency is the agency a caller of the functions below acts for:
-- the service's agency setting for the service role (or any role that is
-- not a superuser), or p_as for an operator's command-line tool connected
-- as the database owner. It raises insufficient_privilege unless the
-- caller is that agency's admin.
CREATE FUNCTION bw_acting_agency(p_as text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
  v_restricted boolean := current_setting('role') = 'bw_app'
    OR NOT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false);
  v_me text;
BEGIN
  IF v_restricted THEN
    v_me := bw_agency();
    IF v_me IS NULL OR bw_role() IS DISTINCT FROM 'admin' OR (p_as IS NOT NULL AND p_as <> v_me) THEN
      RAISE EXCEPTION 'only an admin of % may act for it', coalesce(p_as, v_me, 'an agency')
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN v_me;
  END IF;
  IF p_as IS NULL OR NOT EXISTS (SELECT 1 FROM agencies WHERE id = p_as) THEN
    RAISE EXCEPTION 'act for an existing agency' USING ERRCODE = 'foreign_key_violation',
      CONSTRAINT = 'agreement_proposals_proposed_by_fkey';
  END IF;
  RETURN p_as;
END $$;

-- bw_time_rank orders time coarsening: a larger rank shows less
-- (none 0 < day 1 < month 2).
CREATE FUNCTION bw_time_rank(t text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE t WHEN 'day' THEN 1 WHEN 'month' THEN 2 ELSE 0 END
$$;

CREATE TABLE agreement_proposals (
  id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agency_a      text NOT NULL REFERENCES agencies (id),
  agency_b      text NOT NULL REFERENCES agencies (id),
  proposed_by   text NOT NULL REFERENCES agencies (id),
  coarsen_m     double precision CHECK (coarsen_m BETWEEN 100 AND 100000),
  coarsen_time  text CHECK (coarsen_time IN ('day', 'month')),
  note          text CHECK (length(note) <= 2000),
  state         text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'accepted', 'declined', 'withdrawn', 'superseded')),
  proposed_at   timestamptz NOT NULL DEFAULT now(),
  decided_at    timestamptz,
  decided_by    text REFERENCES agencies (id),
  CHECK (agency_a < agency_b),
  CHECK (proposed_by IN (agency_a, agency_b)),
  CHECK ((state = 'pending') = (decided_at IS NULL))
);
-- One open proposal per pair: a new one supersedes the older.
CREATE UNIQUE INDEX agreement_proposals_pending ON agreement_proposals (agency_a, agency_b) WHERE state = 'pending';

CREATE TABLE agreement_history (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  agency_a      text NOT NULL REFERENCES agencies (id),
  agency_b      text NOT NULL REFERENCES agencies (id),
  by_agency     text NOT NULL REFERENCES agencies (id),
  action        text NOT NULL CHECK (action IN ('proposed', 'accepted', 'declined', 'withdrawn', 'narrowed', 'revoked')),
  proposal_id   integer REFERENCES agreement_proposals (id),
  -- The terms before and after; NULL where there was or is no agreement.
  before        jsonb,
  after         jsonb,
  CHECK (agency_a < agency_b)
);
CREATE INDEX agreement_history_pair ON agreement_history (agency_a, agency_b, id);

ALTER TABLE agreement_proposals ENABLE ROW LEVEL SECURITY;
CREATE POLICY agreement_proposals_parties ON agreement_proposals FOR SELECT TO bw_app
  USING (bw_agency() IN (agency_a, agency_b));
ALTER TABLE agreement_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY agreement_history_parties ON agreement_history FOR SELECT TO bw_app
  USING (bw_agency() IN (agency_a, agency_b));
GRANT SELECT ON agreement_proposals, agreement_history TO bw_app;

-- The service role reads its agreements and changes them only through the
-- functions.
DROP POLICY sharing_agreements_admin ON sharing_agreements;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON sharing_agreements FROM bw_app;

CREATE FUNCTION bw_agreement_terms(m double precision, t text, note text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('coarsen_m', m, 'coarsen_time', t, 'note', note)
$$;

-- bw_agreement_propose proposes terms for the pair (acting agency, partner).
-- Terms that let neither party see more than the agreement in force does
-- are applied at once (applied = true); anything else waits for the
-- partner's acceptance as the pair's one pending proposal.
CREATE FUNCTION bw_agreement_propose(p_as text, p_partner text, p_coarsen_m double precision,
  p_coarsen_time text, p_note text)
RETURNS TABLE (proposal_id integer, agreement_id integer, applied boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_me text := bw_acting_agency(p_as);
  v_a text := least(v_me, p_partner);
  v_b text := greatest(v_me, p_partner);
  v_cur sharing_agreements%ROWTYPE;
  v_pid integer;
BEGIN
  IF p_partner IS NULL OR p_partner = v_me THEN
    RAISE EXCEPTION 'an agreement needs two different agencies' USING ERRCODE = 'check_violation',
      CONSTRAINT = 'agreement_partner';
  END IF;
  -- One change of a pair at a time.
  PERFORM pg_advisory_xact_lock(727276, hashtext(v_a || '/' || v_b));
  SELECT * INTO v_cur FROM sharing_agreements WHERE agency_a = v_a AND agency_b = v_b FOR UPDATE;
  UPDATE agreement_proposals SET state = 'superseded', decided_at = now(), decided_by = v_me
    WHERE agency_a = v_a AND agency_b = v_b AND state = 'pending';
  IF v_cur.id IS NOT NULL
     AND coalesce(p_coarsen_m, 0) >= coalesce(v_cur.coarsen_m, 0)
     AND bw_time_rank(p_coarsen_time) >= bw_time_rank(v_cur.coarsen_time) THEN
    UPDATE sharing_agreements SET coarsen_m = p_coarsen_m, coarsen_time = p_coarsen_time,
      note = coalesce(p_note, note) WHERE id = v_cur.id;
    INSERT INTO agreement_history (agency_a, agency_b, by_agency, action, before, after)
      VALUES (v_a, v_b, v_me, 'narrowed', bw_agreement_terms(v_cur.coarsen_m, v_cur.coarsen_time, v_cur.note),
              bw_agreement_terms(p_coarsen_m, p_coarsen_time, coalesce(p_note, v_cur.note)));
    RETURN QUERY SELECT NULL::integer, v_cur.id, true;
    RETURN;
  END IF;
  INSERT INTO agreement_proposals (agency_a, agency_b, proposed_by, coarsen_m, coarsen_time, note)
    VALUES (v_a, v_b, v_me, p_coarsen_m, p_coarsen_time, p_note) RETURNING id INTO v_pid;
  INSERT INTO agreement_history (agency_a, agency_b, by_agency, action, proposal_id, before, after)
    VALUES (v_a, v_b, v_me, 'proposed', v_pid,
            CASE WHEN v_cur.id IS NOT NULL THEN bw_agreement_terms(v_cur.coarsen_m, v_cur.coarsen_time, v_cur.note) END,
            bw_agreement_terms(p_coarsen_m, p_coarsen_time, p_note));
  RETURN QUERY SELECT v_pid, v_cur.id, false;
END $$;

-- bw_agreement_accept puts a pending proposal into force; only the other
-- party's admin may.
CREATE FUNCTION bw_agreement_accept(p_as text, p_proposal integer) RETURNS integer
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
  INSERT INTO sharing_agreements (agency_a, agency_b, coarsen_m, coarsen_time, note)
    VALUES (v_p.agency_a, v_p.agency_b, v_p.coarsen_m, v_p.coarsen_time, v_p.note)
    ON CONFLICT (agency_a, agency_b) DO UPDATE SET coarsen_m = excluded.coarsen_m,
      coarsen_time = excluded.coarsen_time, note = excluded.note
    RETURNING id INTO v_id;
  UPDATE agreement_proposals SET state = 'accepted', decided_at = now(), decided_by = v_me WHERE id = v_p.id;
  INSERT INTO agreement_history (agency_a, agency_b, by_agency, action, proposal_id, before, after)
    VALUES (v_p.agency_a, v_p.agency_b, v_me, 'accepted', v_p.id,
            CASE WHEN v_cur.id IS NOT NULL THEN bw_agreement_terms(v_cur.coarsen_m, v_cur.coarsen_time, v_cur.note) END,
            bw_agreement_terms(v_p.coarsen_m, v_p.coarsen_time, v_p.note));
  RETURN v_id;
END $$;

-- bw_agreement_decline closes a pending proposal: declined by the partner,
-- withdrawn by its author. Nothing changes in force.
CREATE FUNCTION bw_agreement_decline(p_as text, p_proposal integer) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_me text := bw_acting_agency(p_as);
  v_p agreement_proposals%ROWTYPE;
  v_state text;
BEGIN
  SELECT * INTO v_p FROM agreement_proposals WHERE id = p_proposal AND v_me IN (agency_a, agency_b) FOR UPDATE;
  IF v_p.id IS NULL THEN
    RAISE EXCEPTION 'no proposal %', p_proposal USING ERRCODE = 'no_data_found';
  END IF;
  IF v_p.state <> 'pending' THEN
    RAISE EXCEPTION 'proposal % is %, not pending', p_proposal, v_p.state USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  v_state := CASE WHEN v_p.proposed_by = v_me THEN 'withdrawn' ELSE 'declined' END;
  UPDATE agreement_proposals SET state = v_state, decided_at = now(), decided_by = v_me WHERE id = v_p.id;
  INSERT INTO agreement_history (agency_a, agency_b, by_agency, action, proposal_id)
    VALUES (v_p.agency_a, v_p.agency_b, v_me, v_state, v_p.id);
  RETURN v_state;
END $$;

-- bw_agreement_revoke ends the agreement with the partner at once, and
-- closes any pending proposal of the pair.
CREATE FUNCTION bw_agreement_revoke(p_as text, p_partner text) RETURNS integer
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
    VALUES (v_a, v_b, v_me, 'revoked', bw_agreement_terms(v_cur.coarsen_m, v_cur.coarsen_time, v_cur.note));
  RETURN v_cur.id;
END $$;

REVOKE ALL ON FUNCTION bw_agreement_propose(text, text, double precision, text, text),
  bw_agreement_accept(text, integer), bw_agreement_decline(text, integer), bw_agreement_revoke(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_agreement_propose(text, text, double precision, text, text),
  bw_agreement_accept(text, integer), bw_agreement_decline(text, integer), bw_agreement_revoke(text, text) TO bw_app;

-- Agreements that exist already were set up by the deployment's operator;
-- they stay in force, and their history starts here.
INSERT INTO agreement_history (agency_a, agency_b, by_agency, action, after)
  SELECT agency_a, agency_b, agency_a, 'accepted', bw_agreement_terms(coarsen_m, coarsen_time, note)
  FROM sharing_agreements;
