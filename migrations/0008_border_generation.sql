-- Border lines count their changes too: the default hotspot corridor is
-- drawn around them, and each replica reloads them when this moves.
INSERT INTO bw_generations (name) VALUES ('borders');

CREATE TRIGGER borders_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON borders
  FOR EACH STATEMENT EXECUTE FUNCTION bw_bump_generation('borders');
