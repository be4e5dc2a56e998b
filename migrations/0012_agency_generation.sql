-- The agencies table counts its changes too: each replica's live index
-- rereads the set of agencies when it moves, and an analysis filter naming
-- an agency outside it is refused instead of registered.
INSERT INTO bw_generations (name) VALUES ('agencies');

CREATE TRIGGER agencies_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agencies
  FOR EACH STATEMENT EXECUTE FUNCTION bw_bump_generation('agencies');
