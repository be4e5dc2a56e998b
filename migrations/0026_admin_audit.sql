-- The agency admin's audit screen. audit_log and audit_signatures stay
-- closed to bw_app (0015); an admin reads through these functions only:
--   * bw_audit_entries: the entries of the admin's own agency, newest
--     first, a page at a time;
--   * bw_audit_chain: for every entry of the whole log its id, the hashes,
--     the hash recomputed from the entry's canonical text and its
--     signature, but none of its content, so that an admin can verify the
--     chain without reading other agencies' entries;
--   * bw_audit_last_id: the identity sequence's last value, so that the
--     loss of the newest entries is found too.
-- Each checks bw_role() and bw_agency() itself (it runs as the owner).

CREATE FUNCTION bw_audit_admin_check() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF bw_role() IS DISTINCT FROM 'admin' OR bw_agency() IS NULL THEN
    RAISE EXCEPTION 'only an agency''s admin reads the audit log' USING ERRCODE = '42501';
  END IF;
END $$;

CREATE FUNCTION bw_audit_entries(p_before bigint, p_limit integer)
RETURNS TABLE (entry_id bigint, entry_at timestamptz, entry_actor text, entry_action text, entry_target text,
  entry_detail jsonb, entry_remote text, entry_signed boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM bw_audit_admin_check();
  RETURN QUERY SELECT l.id, l.at, l.actor, l.action, l.target, l.detail, l.remote_addr, g.entry_id IS NOT NULL
    FROM audit_log l LEFT JOIN audit_signatures g ON g.entry_id = l.id
    WHERE l.agency_id = bw_agency() AND (p_before IS NULL OR l.id < p_before)
    ORDER BY l.id DESC LIMIT least(greatest(coalesce(p_limit, 100), 1), 500);
END $$;

CREATE FUNCTION bw_audit_chain()
RETURNS TABLE (entry_id bigint, entry_prev_hash bytea, entry_hash bytea, recomputed bytea, sig_key_id text, sig bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM bw_audit_admin_check();
  RETURN QUERY SELECT l.id, l.prev_hash, l.hash,
      sha256(l.prev_hash || bw_audit_text(l.id, l.at, l.actor, l.agency_id, l.action, l.target, l.detail, l.remote_addr)),
      coalesce(g.key_id, ''), g.signature
    FROM audit_log l LEFT JOIN audit_signatures g ON g.entry_id = l.id ORDER BY l.id;
END $$;

CREATE FUNCTION bw_audit_last_id() RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v bigint;
BEGIN
  PERFORM bw_audit_admin_check();
  SELECT CASE WHEN is_called THEN last_value END INTO v FROM audit_log_id_seq;
  RETURN v;
END $$;

REVOKE ALL ON FUNCTION bw_audit_admin_check(), bw_audit_entries(bigint, integer), bw_audit_chain(), bw_audit_last_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_audit_admin_check(), bw_audit_entries(bigint, integer), bw_audit_chain(), bw_audit_last_id() TO bw_app;
