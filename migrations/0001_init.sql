-- Borderwatch core data model. All geometries are WGS84 lon/lat (SRID 4326).

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE FUNCTION bw_valid_point(g geometry) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT g IS NULL OR (GeometryType(g) = 'POINT' AND NOT ST_IsEmpty(g)
    AND ST_X(g) BETWEEN -180 AND 180 AND ST_Y(g) BETWEEN -90 AND 90
    AND ST_X(g) = ST_X(g) AND ST_Y(g) = ST_Y(g))
$$;

-- Agencies: drug-control agencies, border guards, customs, police.
CREATE TABLE agencies (
  id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{1,62}$'),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  country    char(3) NOT NULL CHECK (country ~ '^[A-Z]{3}$'),
  kind       text NOT NULL CHECK (kind IN ('drug_control', 'border_guard', 'customs', 'police', 'international', 'other')),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Reference geodata.
CREATE TABLE countries (
  iso3        char(3) PRIMARY KEY CHECK (iso3 ~ '^[A-Z]{3}$'),
  name        text NOT NULL,
  source      text NOT NULL,
  license     text NOT NULL,
  geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom))
);
CREATE INDEX countries_geom_idx ON countries USING gist (geom);

CREATE TABLE provinces (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text NOT NULL,
  name        text NOT NULL,
  name_en     text,
  country     char(3) NOT NULL REFERENCES countries (iso3),
  type_en     text,
  note        text,
  source      text NOT NULL,
  geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom))
);
CREATE INDEX provinces_geom_idx ON provinces USING gist (geom);

CREATE TABLE borders (
  id          text PRIMARY KEY CHECK (id ~ '^[A-Z]{3}-[A-Z]{3}$'),
  country_a   char(3) NOT NULL REFERENCES countries (iso3),
  country_b   char(3) NOT NULL REFERENCES countries (iso3),
  length_km   double precision NOT NULL CHECK (length_km >= 0),
  source      text NOT NULL,
  license     text NOT NULL,
  geom        geometry(MultiLineString, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  CHECK (country_a < country_b)
);
CREATE INDEX borders_geom_idx ON borders USING gist (geom);

CREATE TABLE crossings (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  country_a   char(3) NOT NULL REFERENCES countries (iso3),
  country_b   char(3) NOT NULL REFERENCES countries (iso3),
  kind        text NOT NULL,
  confidence  text NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
  source_url  text NOT NULL,
  note        text,
  geom        geometry(Point, 4326) NOT NULL CHECK (bw_valid_point(geom))
);
CREATE INDEX crossings_geom_idx ON crossings USING gist (geom);

CREATE TABLE places (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL,
  country     char(3) NOT NULL,
  admin1      text,
  population  integer CHECK (population >= 0),
  rank        integer NOT NULL DEFAULT 10,
  source      text NOT NULL,
  license     text NOT NULL,
  geom        geometry(Point, 4326) NOT NULL CHECK (bw_valid_point(geom))
);
CREATE INDEX places_geom_idx ON places USING gist (geom);

CREATE TABLE rivers (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL,
  source      text NOT NULL,
  license     text NOT NULL,
  geom        geometry(MultiLineString, 4326) NOT NULL CHECK (ST_IsValid(geom))
);
CREATE INDEX rivers_geom_idx ON rivers USING gist (geom);

-- Offices: Border Liaison Offices, MOBIT bases, posts, analytical centres.
-- Real offices whose location was never published have no geometry.
CREATE TABLE offices (
  id                 integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name               text NOT NULL UNIQUE,
  agency_id          text NOT NULL REFERENCES agencies (id),
  country            char(3) NOT NULL CHECK (country ~ '^[A-Z]{3}$'),
  kind               text NOT NULL CHECK (kind IN ('blo', 'blo_railway', 'blo_coordination', 'border_outpost',
                       'crossing_point', 'representation_office', 'mobit_base', 'post', 'analytical_centre')),
  border             text,
  opened             text,
  supported_by       text,
  location_precision text NOT NULL CHECK (location_precision IN ('exact', 'village', 'district', 'province', 'unmapped')),
  source_url         text,
  note               text,
  synthetic          boolean NOT NULL DEFAULT false,
  geom               geometry(Point, 4326) CHECK (bw_valid_point(geom)),
  CHECK ((geom IS NULL) = (location_precision = 'unmapped'))
);
CREATE INDEX offices_geom_idx ON offices USING gist (geom);

-- Mobile Interdiction Teams.
CREATE TABLE teams (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  agency_id   text NOT NULL REFERENCES agencies (id),
  country     char(3) NOT NULL REFERENCES countries (iso3),
  base_office integer REFERENCES offices (id),
  speed_kph   double precision NOT NULL CHECK (speed_kph > 0 AND speed_kph <= 200),
  offroad_kph double precision NOT NULL DEFAULT 8 CHECK (offroad_kph > 0 AND offroad_kph <= 100),
  shift_h     double precision NOT NULL CHECK (shift_h > 0 AND shift_h <= 24),
  crew        integer NOT NULL CHECK (crew BETWEEN 1 AND 100),
  synthetic   boolean NOT NULL DEFAULT false,
  geom        geometry(Point, 4326) NOT NULL CHECK (bw_valid_point(geom))
);
CREATE INDEX teams_geom_idx ON teams USING gist (geom);

-- Joint operations: several agencies acting together; events link to one.
CREATE TABLE joint_operations (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  lead_agency_id text NOT NULL REFERENCES agencies (id),
  started_on     date,
  ended_on       date,
  synthetic      boolean NOT NULL DEFAULT false,
  CHECK (ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on)
);
CREATE TABLE joint_operation_agencies (
  operation_id uuid NOT NULL REFERENCES joint_operations (id) ON DELETE CASCADE,
  agency_id    text NOT NULL REFERENCES agencies (id),
  PRIMARY KEY (operation_id, agency_id)
);

-- bw_valid_items checks a seizure's items: a non-empty array of
-- {"drug": ..., "quantity": >= 0, "unit": "kg"|"l", "qualifier": ...}.
CREATE FUNCTION bw_valid_items(items jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_typeof(items) = 'array' AND NOT EXISTS (
    SELECT 1 FROM jsonb_array_elements(items) AS it
    WHERE jsonb_typeof(it) <> 'object'
       OR NOT (it ->> 'drug' = ANY (ARRAY['heroin', 'opium', 'morphine', 'hashish', 'cannabis',
                                          'methamphetamine', 'precursors', 'other']))
       OR jsonb_typeof(it -> 'quantity') <> 'number'
       OR (it ->> 'quantity')::numeric < 0
       OR NOT (it ->> 'unit' = ANY (ARRAY['kg', 'l']))
       OR NOT (coalesce(it ->> 'qualifier', 'exact') = ANY (ARRAY['exact', 'about', 'more_than']))
  )
$$;

-- bw_items_kg sums the items measured in kilograms.
CREATE FUNCTION bw_items_kg(items jsonb) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(sum((it ->> 'quantity')::double precision), 0)
  FROM jsonb_array_elements(items) AS it WHERE it ->> 'unit' = 'kg'
$$;

-- Events: everything that happened at a place and time.
CREATE TABLE events (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind               text NOT NULL CHECK (kind IN ('seizure', 'incident')),
  occurred_at        timestamptz NOT NULL CHECK (occurred_at >= '1900-01-01' AND occurred_at < '2200-01-01'),
  time_precision     text NOT NULL DEFAULT 'exact' CHECK (time_precision IN ('exact', 'day', 'month', 'year')),
  geom               geometry(Point, 4326) NOT NULL CHECK (bw_valid_point(geom)),
  accuracy_m         double precision CHECK (accuracy_m >= 0 AND accuracy_m <= 1000000),
  place              text CHECK (length(place) <= 500),
  agency_id          text NOT NULL REFERENCES agencies (id),
  sharing            text NOT NULL DEFAULT 'agency' CHECK (sharing IN ('agency', 'bilateral', 'regional')),
  source_ref         text CHECK (length(source_ref) BETWEEN 1 AND 200),
  source_url         text CHECK (length(source_url) <= 2000),
  synthetic          boolean NOT NULL DEFAULT false,
  joint_operation_id uuid REFERENCES joint_operations (id) ON DELETE SET NULL,
  items              jsonb NOT NULL DEFAULT '[]' CHECK (bw_valid_items(items)),
  total_kg           double precision GENERATED ALWAYS AS (bw_items_kg(items)) STORED,
  category           text CHECK (category IN ('trafficking_attempt', 'armed_clash', 'border_violation',
                       'arrest', 'intelligence_report', 'other')),
  severity           smallint CHECK (severity BETWEEN 1 AND 5),
  persons_detained   integer CHECK (persons_detained BETWEEN 0 AND 100000),
  notes              text CHECK (length(notes) <= 10000),
  version            bigint NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  change_xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
  UNIQUE (agency_id, source_ref),
  CHECK (kind <> 'seizure' OR (jsonb_array_length(items) >= 1 AND category IS NULL AND severity IS NULL)),
  CHECK (kind <> 'incident' OR (jsonb_array_length(items) = 0 AND category IS NOT NULL AND severity IS NOT NULL))
);
CREATE INDEX events_geom_idx ON events USING gist (geom);
CREATE INDEX events_occurred_at_idx ON events (occurred_at);
CREATE INDEX events_items_idx ON events USING gin (items jsonb_path_ops);
CREATE INDEX events_change_xid_idx ON events (change_xid);

-- Deleted events, kept so that replicas resynchronising their index learn of
-- deletions they missed.
CREATE TABLE event_tombstones (
  id          uuid PRIMARY KEY,
  deleted_at  timestamptz NOT NULL DEFAULT now(),
  change_xid  xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX event_tombstones_change_xid_idx ON event_tombstones (change_xid);

CREATE FUNCTION bw_events_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_xid := pg_current_xact_id();
  NEW.updated_at := now();
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER events_touch BEFORE UPDATE ON events
  FOR EACH ROW EXECUTE FUNCTION bw_events_touch();

CREATE FUNCTION bw_events_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO event_tombstones (id) SELECT o.id FROM old_rows o
    ON CONFLICT (id) DO UPDATE SET deleted_at = now(), change_xid = pg_current_xact_id();
  RETURN NULL;
END $$;
CREATE TRIGGER events_tombstone AFTER DELETE ON events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bw_events_tombstone();

-- One notification per writing statement; replicas then pull the changes
-- (events and tombstones with change_xid at or above their watermark).
CREATE FUNCTION bw_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('bw_events', pg_current_xact_id()::text);
  RETURN NULL;
END $$;
CREATE TRIGGER events_notify AFTER INSERT OR UPDATE OR DELETE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION bw_events_notify();
