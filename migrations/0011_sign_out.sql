-- Signing out revokes the token the client presents, whatever its role: a
-- viewer's session token must end with the session, although only admins
-- may manage the agency's tokens. Presenting the secret proves ownership;
-- the service passes its SHA-256 hash, as bw_authenticate takes it.
CREATE FUNCTION bw_revoke_presented_token(h bytea) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE api_tokens SET revoked_at = now() WHERE token_hash = h AND revoked_at IS NULL RETURNING id
$$;
REVOKE ALL ON FUNCTION bw_revoke_presented_token(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_revoke_presented_token(bytea) TO bw_app;
