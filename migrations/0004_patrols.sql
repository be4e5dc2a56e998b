-- Patrol planning: the road network and the stored patrol plans.
--
-- Roads are shared reference data: every agency reads all of them, and only
-- the command-line tools (the schema owner) write them. road_network holds
-- one version number that every change of roads increases, so that the
-- service knows when to rebuild its in-memory road graph.
--
-- Plans belong to the agency whose planner made them; row-level security
-- shows them to that agency only.

CREATE TABLE roads (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source      text NOT NULL CHECK (source ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$'),
  osm_id      bigint,
  name        text CHECK (length(name) <= 500),
  highway     text NOT NULL CHECK (length(highway) BETWEEN 1 AND 100),
  speed_kph   double precision NOT NULL CHECK (speed_kph > 0 AND speed_kph <= 300),
  oneway      boolean NOT NULL DEFAULT false,
  country     char(3) CHECK (country ~ '^[A-Z]{3}$'),
  imported_at timestamptz NOT NULL DEFAULT now(),
  geom        geometry(LineString, 4326) NOT NULL CHECK (ST_NPoints(geom) >= 2 AND ST_IsValid(geom))
);
CREATE INDEX roads_geom_idx ON roads USING gist (geom);
CREATE INDEX roads_source_idx ON roads (source);

CREATE TABLE road_network (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version   bigint NOT NULL DEFAULT 0
);
INSERT INTO road_network DEFAULT VALUES;

CREATE FUNCTION bw_roads_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE road_network SET version = version + 1;
  RETURN NULL;
END $$;
CREATE TRIGGER roads_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON roads
  FOR EACH STATEMENT EXECUTE FUNCTION bw_roads_bump();

CREATE TABLE plans (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id   text NOT NULL REFERENCES agencies (id),
  created_by  text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  request     jsonb NOT NULL CHECK (jsonb_typeof(request) = 'object'),
  result      jsonb NOT NULL CHECK (jsonb_typeof(result) = 'object' AND result ->> 'type' = 'FeatureCollection')
);
CREATE INDEX plans_agency_created_idx ON plans (agency_id, created_at DESC);

ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
CREATE POLICY plans_own_read ON plans FOR SELECT TO bw_app
  USING (agency_id = bw_agency());
CREATE POLICY plans_own_insert ON plans FOR INSERT TO bw_app
  WITH CHECK (agency_id = bw_agency() AND bw_role() IN ('planner', 'admin'));

GRANT SELECT ON roads, road_network TO bw_app;
GRANT SELECT, INSERT ON plans TO bw_app;
