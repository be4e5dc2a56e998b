-- Border sectors: areas along the shared borders that regional offices
-- compare. A generated sector is the part of one country within depth_km of
-- one section (sector_km long) of a shared border line, nearest to that
-- section; the two sides of a section share section_id. Imported sectors are
-- user polygons; their border attributes are optional.
CREATE TABLE sectors (
  id            text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$'),
  sector_set    text NOT NULL CHECK (sector_set ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  border_id     text REFERENCES borders (id) ON DELETE CASCADE,
  section_id    text CHECK (length(section_id) BETWEEN 1 AND 100),
  section_index integer CHECK (section_index >= 1),
  side          char(3) REFERENCES countries (iso3),
  agency_id     text REFERENCES agencies (id) ON DELETE SET NULL,
  sector_km     double precision CHECK (sector_km > 0),
  depth_km      double precision CHECK (depth_km > 0),
  -- border_km is the length of border line the sector watches, measured on
  -- the ellipsoid; events per 100 km of border use it.
  border_km     double precision NOT NULL CHECK (border_km >= 0),
  area_km2      double precision NOT NULL CHECK (area_km2 >= 0),
  source        text NOT NULL CHECK (source IN ('generated', 'imported')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  line          geometry(MultiLineString, 4326) CHECK (line IS NULL OR ST_IsValid(line)),
  geom          geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  CHECK (source <> 'generated' OR (border_id IS NOT NULL AND section_id IS NOT NULL AND section_index IS NOT NULL
                                   AND side IS NOT NULL AND sector_km IS NOT NULL AND depth_km IS NOT NULL))
);
CREATE INDEX sectors_geom_idx ON sectors USING gist (geom);
CREATE INDEX sectors_set_idx ON sectors (sector_set, border_id);
CREATE INDEX sectors_section_idx ON sectors (section_id);

-- The service reads sectors as bw_app; sectors are reference data, visible
-- to every agency. What events they contain is decided by the events view.
GRANT SELECT ON sectors TO bw_app;
