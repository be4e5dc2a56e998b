-- A stored plan keeps the name of the user who made it (empty for plain API
-- tokens), so the agency's plan list can say who planned a patrol without
-- reading the users table, which only administrators may.
ALTER TABLE plans ADD COLUMN created_by_name text NOT NULL DEFAULT ''
  CHECK (length(created_by_name) <= 200);
