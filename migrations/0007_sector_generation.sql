-- bw_generations counts the changes of reference tables whose derived
-- answers the service caches: a service rereads it with every pull of its
-- live index (at least every second) and drops what it derived from an
-- older generation. Sectors first: their risk index and the analyses of a
-- sector area depend on their outlines.
CREATE TABLE bw_generations (
  name text PRIMARY KEY,
  n    bigint NOT NULL DEFAULT 0
);
INSERT INTO bw_generations (name) VALUES ('sectors');
GRANT SELECT ON bw_generations TO bw_app;

CREATE FUNCTION bw_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE bw_generations SET n = n + 1 WHERE name = TG_ARGV[0];
  PERFORM pg_notify('bw_events', TG_ARGV[0]);
  RETURN NULL;
END $$;

CREATE TRIGGER sectors_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sectors
  FOR EACH STATEMENT EXECUTE FUNCTION bw_bump_generation('sectors');
