-- Least privilege for the service.
--
-- Until now the service logged in as the owner of the schema (in practice a
-- superuser) and only a session-level SET ROLE bw_app stood between a
-- request and full power. From here on three roles take part:
--   * the owner: owns the database and every object in it, runs the
--     migrations and the operator's command-line tools, sees everything;
--   * bw_app (NOLOGIN): what a request may do, under the views, policies
--     and functions of the migrations;
--   * the service's login (bw_service in the quick start): a member of
--     bw_app and of nothing else, no superuser, no BYPASSRLS, no
--     CREATEROLE, not the owner nor a member of it. `serve` refuses any
--     other login.
-- Whatever the service must do beyond what one agency may (load every
-- event into its live index, read every agreement, resolve a token or a
-- sign-in before the agency is known, append to the audit log) goes
-- through views and SECURITY DEFINER functions owned by the owner, granted
-- to bw_app. The audit log takes entries only through bw_audit,
-- bw_audit_entry and bw_audit_sign: the service can neither update, delete
-- nor truncate audit_log or audit_signatures.
--
-- "Owner" means the owner of the database: the role that PostgreSQL counts
-- as a member of pg_database_owner (superusers count too). bw_restricted()
-- held every role but bw_app to be unrestricted, so a service connection
-- that ran RESET ROLE, being its login again, saw every agency's records
-- through the events view; now every role that is not the owner is
-- restricted, whichever it is.
--
-- For later migrations: create objects as the owner (the migrating role),
-- GRANT to bw_app what requests need, and make SECURITY DEFINER functions
-- with SET search_path = public, pg_temp, REVOKE ALL ... FROM PUBLIC and
-- GRANT EXECUTE ... TO bw_app. Never grant to the login role itself, never
-- test current_user = 'bw_app' (use bw_restricted()), and remember that
-- inside a SECURITY DEFINER function current_user is the owner, so the
-- function must check bw_agency() and bw_role() itself.

DO $$ BEGIN
  IF NOT pg_has_role('pg_database_owner', 'USAGE') THEN
    RAISE EXCEPTION 'migrations must run as the owner of database % (or a superuser), not as %',
      current_database(), current_user
      USING HINT = format('ALTER DATABASE %I OWNER TO %I, or migrate with OWNER_DATABASE_URL', current_database(), current_user);
  END IF;
END $$;

-- bw_restricted: true for every role but the database's owner (and
-- superusers). bw_app is tested first, by name, so that the service's
-- queries, which run as bw_app, pay nothing more than before for it.
CREATE OR REPLACE FUNCTION bw_restricted() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT current_user = 'bw_app' OR NOT pg_has_role('pg_database_owner', 'USAGE')
$$;

-- bw_acting_agency (0009) with the same rule: the caller acts for p_as only
-- when the role it runs as outside the function is the owner; any other
-- role, the service's login included, acts for its bw.agency setting.
CREATE OR REPLACE FUNCTION bw_acting_agency(p_as text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
  v_outer name := CASE WHEN current_setting('role') = 'none' THEN session_user
                       ELSE current_setting('role')::name END;
  v_restricted boolean := v_outer = 'bw_app' OR NOT pg_has_role(v_outer, 'pg_database_owner', 'USAGE');
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

-- The live index's feed: every record's indexed values (no place, notes or
-- sources) and every agreement, whichever agency they belong to. The index
-- applies each caller's visibility itself (data.Live.Scope).
CREATE VIEW bw_live_events AS
  SELECT id, occurred_at, geom, agency_id, kind, sharing, category, severity, items, updated_at, change_xid
  FROM event_records;
CREATE VIEW bw_live_agreements AS
  SELECT id, agency_a, agency_b, coarsen_m, coarsen_time FROM sharing_agreements;
REVOKE ALL ON bw_live_events, bw_live_agreements FROM PUBLIC;
GRANT SELECT ON bw_live_events, bw_live_agreements TO bw_app;

-- Sign-in: the user of a username, before any agency is known, and a
-- session token for a user whose password the service has checked.
CREATE FUNCTION bw_login_user(p_username text)
RETURNS TABLE (id integer, username text, agency_id text, role text, disabled boolean, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT u.id, u.username, u.agency_id, u.role, u.disabled, u.password_hash FROM users u WHERE u.username = p_username
$$;
CREATE FUNCTION bw_login_session(p_user integer, p_hash bytea, p_ttl_s integer) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO api_tokens (token_hash, agency_id, role, user_id, label, expires_at)
  SELECT p_hash, u.agency_id, u.role, u.id, 'web session', now() + make_interval(secs => p_ttl_s)
  FROM users u WHERE u.id = p_user AND NOT u.disabled
  RETURNING id
$$;
REVOKE ALL ON FUNCTION bw_login_user(text), bw_login_session(integer, bytea, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_login_user(text), bw_login_session(integer, bytea, integer) TO bw_app;

-- Functions of 0002 that every role could run.
REVOKE ALL ON FUNCTION bw_audit(text, text, text, text, jsonb, text), bw_authenticate(bytea) FROM PUBLIC;

-- The audit log: nothing but the append functions, for everyone but the
-- owner.
REVOKE ALL ON audit_log, audit_signatures, audit_log_id_seq FROM PUBLIC, bw_app;

-- Readiness probes read the applied migration.
DO $$ BEGIN
  IF to_regclass('schema_version') IS NOT NULL THEN
    GRANT SELECT ON schema_version TO bw_app;
  END IF;
END $$;

-- Only the owner creates objects in the schema (PostgreSQL 15's default;
-- older clusters' databases granted it to everyone).
DO $$ BEGIN
  REVOKE CREATE ON SCHEMA public FROM PUBLIC;
EXCEPTION WHEN insufficient_privilege THEN NULL;
END $$;
