-- Signed audit entries. The hash chain alone has no key: whoever can write
-- the database can change an entry and recompute every hash after it. The
-- service now signs each entry's hash with an Ed25519 key that is not in
-- the database (serve -audit-key), and `borderwatch audit verify -pubkey`
-- checks the signatures, so a rewritten history shows even when every hash
-- is consistent. Signatures are appended, never changed: the service role
-- may only add the signature of an entry that has none.
CREATE TABLE audit_signatures (
  entry_id  bigint PRIMARY KEY REFERENCES audit_log (id),
  key_id    text NOT NULL CHECK (key_id ~ '^[0-9a-f]{16}$'),
  signature bytea NOT NULL CHECK (length(signature) = 64)
);
REVOKE ALL ON audit_signatures FROM bw_app;

-- bw_audit_entry appends an entry as bw_audit does and returns its id and
-- hash, which the service signs.
CREATE FUNCTION bw_audit_entry(p_actor text, p_agency text, p_action text, p_target text, p_detail jsonb, p_remote text,
  OUT entry_id bigint, OUT entry_hash bytea)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  entry_id := bw_audit(p_actor, p_agency, p_action, p_target, p_detail, p_remote);
  SELECT hash INTO entry_hash FROM audit_log WHERE id = entry_id;
END $$;

CREATE FUNCTION bw_audit_sign(p_entry bigint, p_key text, p_sig bytea) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO audit_signatures (entry_id, key_id, signature) VALUES (p_entry, p_key, p_sig)
$$;

REVOKE ALL ON FUNCTION bw_audit_entry(text, text, text, text, jsonb, text), bw_audit_sign(bigint, text, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_audit_entry(text, text, text, text, jsonb, text), bw_audit_sign(bigint, text, bytea) TO bw_app;
