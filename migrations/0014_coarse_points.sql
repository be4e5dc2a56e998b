-- Coarsened points kept on the record side, indexed.
--
-- The coarsened half of the events view ran bw_coarsen_point (two
-- ST_Transform calls with a PROJ string, about a millisecond each) on every
-- bilateral record of the caller's coarsening partners before a bbox could
-- filter anything, and no index could serve the coarsened point: a partner
-- of a coarsening agreement waited seconds for a feature read that took
-- others milliseconds. Now event_coarse holds, for every bilateral record
-- of an agency that has an agreement with coarsen_m set, the record's point
-- coarsened to each such coarsen_m, GiST-indexed. Triggers on event_records
-- and sharing_agreements keep it exact within the writing transaction, so a
-- changed agreement shows the new cells at once. The view joins it, so a
-- bbox on the view's geom reaches an index in every branch. The values are
-- those of bw_coarsen_point, bit for bit: bw_coarsen_points transforms many
-- points in one ST_Transform call (one PROJ set-up for all of them), and
-- PROJ transforms each coordinate on its own.

-- bw_coarsen_points coarsens every point of p_geoms like bw_coarsen_point
-- and returns them with their 1-based position in the array.
CREATE FUNCTION bw_coarsen_points(p_geoms geometry[], size_m double precision)
RETURNS TABLE (i integer, geom geometry)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH fwd AS (
    SELECT (d).path[1] AS i, (d).geom AS p
    FROM (SELECT ST_Dump(ST_Transform(ST_Collect(p_geoms), '+proj=laea +lat_0=38 +lon_0=68 +datum=WGS84 +units=m')) AS d) s
  ), cells AS (
    SELECT array_agg(ST_SetSRID(ST_MakePoint(
        floor(ST_X(p) / size_m) * size_m + size_m / 2,
        floor(ST_Y(p) / size_m) * size_m + size_m / 2), 0) ORDER BY i) AS a
    FROM fwd
  )
  SELECT (d).path[1], (d).geom
  FROM (SELECT ST_Dump(ST_Transform(ST_Collect(a), '+proj=laea +lat_0=38 +lon_0=68 +datum=WGS84 +units=m', 4326)) AS d
        FROM cells WHERE a IS NOT NULL) s
$$;

-- The coarsening sizes each agency's bilateral records are seen at.
CREATE VIEW bw_coarse_sizes AS
  SELECT DISTINCT x.agency_id, a.coarsen_m AS size_m
  FROM sharing_agreements a, LATERAL (VALUES (a.agency_a), (a.agency_b)) x (agency_id)
  WHERE a.coarsen_m IS NOT NULL;

-- One row per bilateral record and coarsening size of its agency. agency_id
-- and occurred_at repeat the record's, so that the view filters on them
-- before it reads the record. geom is untyped like the view's column.
-- (Arrays handed to bw_coarsen_points hold fixed-width values only, and
-- the agency is a group key: a subscript of an array of text walks it.)
CREATE TABLE event_coarse (
  event_id     uuid NOT NULL,
  size_m       double precision NOT NULL,
  agency_id    text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  geom         geometry NOT NULL,
  PRIMARY KEY (event_id, size_m)
);
CREATE INDEX event_coarse_geom_idx ON event_coarse USING gist (geom);
REVOKE ALL ON event_coarse FROM PUBLIC;

-- Writes of bilateral records and agreement changes serialise on one
-- advisory lock (shared for the writes, exclusive for agreement changes),
-- so that a record written while an agreement changes is coarsened to the
-- sizes in force once both have committed: the service writes in READ
-- COMMITTED, where each statement after the lock sees what the other
-- transaction committed.

-- bw_event_coarse_add adds the rows of the given records (those that are
-- bilateral) at every size their agency's agreements ask for, unless there.
-- Its callers hold the shared lock.
CREATE FUNCTION bw_event_coarse_add(p_ids uuid[], p_agencies text[], p_sharing text[], p_times timestamptz[],
  p_geoms geometry[]) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO event_coarse (event_id, size_m, agency_id, occurred_at, geom)
  SELECT g.ids[c.i], g.size_m, g.agency_id, g.times[c.i], c.geom
  FROM (SELECT s.agency_id, s.size_m, array_agg(n.id) AS ids, array_agg(n.occurred_at) AS times,
               array_agg(n.geom) AS geoms
        FROM unnest(p_ids, p_agencies, p_sharing, p_times, p_geoms) AS n (id, agency_id, sharing, occurred_at, geom)
        JOIN bw_coarse_sizes s ON s.agency_id = n.agency_id
        WHERE n.sharing = 'bilateral'
          AND NOT EXISTS (SELECT 1 FROM event_coarse e WHERE e.event_id = n.id AND e.size_m = s.size_m)
        GROUP BY s.agency_id, s.size_m) g,
       LATERAL bw_coarsen_points(g.geoms, g.size_m) c;
END $$;

CREATE FUNCTION bw_event_coarse_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  -- The lock is taken for any bilateral record, whether its agency
  -- coarsens yet or not: an agreement committed meanwhile may make it so.
  IF NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.sharing = 'bilateral') THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(727277);
  -- Most records are not bilateral records of a coarsening agency: skip
  -- the arrays for them.
  PERFORM bw_event_coarse_add(array_agg(n.id), array_agg(n.agency_id), array_agg(n.sharing),
                              array_agg(n.occurred_at), array_agg(n.geom))
  FROM new_rows n
  WHERE n.sharing = 'bilateral' AND n.agency_id IN (SELECT agency_id FROM bw_coarse_sizes)
  HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE FUNCTION bw_event_coarse_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  -- A record whose sharing, agency, time or point changed loses its rows
  -- and gets new ones; the others keep theirs.
  DELETE FROM event_coarse c USING old_rows o, new_rows n
  WHERE c.event_id = o.id AND n.id = o.id
    AND (n.sharing <> o.sharing OR n.agency_id <> o.agency_id OR n.occurred_at <> o.occurred_at
         OR ST_AsEWKB(n.geom) <> ST_AsEWKB(o.geom));
  IF NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.sharing = 'bilateral') THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(727277);
  PERFORM bw_event_coarse_add(array_agg(n.id), array_agg(n.agency_id), array_agg(n.sharing),
                              array_agg(n.occurred_at), array_agg(n.geom))
  FROM new_rows n
  WHERE n.sharing = 'bilateral' AND n.agency_id IN (SELECT agency_id FROM bw_coarse_sizes)
  HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE FUNCTION bw_event_coarse_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  DELETE FROM event_coarse c USING old_rows o WHERE c.event_id = o.id AND o.sharing = 'bilateral';
  RETURN NULL;
END $$;

CREATE TRIGGER event_records_coarse_insert AFTER INSERT ON event_records
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bw_event_coarse_insert();
CREATE TRIGGER event_records_coarse_update AFTER UPDATE ON event_records
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bw_event_coarse_update();
CREATE TRIGGER event_records_coarse_delete AFTER DELETE ON event_records
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bw_event_coarse_delete();

-- bw_event_coarse_sync brings event_coarse to the agreements in force:
-- drops the sizes no agreement asks for any more and adds every bilateral
-- record of an agency at a size it lacks.
CREATE FUNCTION bw_event_coarse_sync() RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(727277);
  DELETE FROM event_coarse c
  WHERE NOT EXISTS (SELECT 1 FROM bw_coarse_sizes s WHERE s.agency_id = c.agency_id AND s.size_m = c.size_m);
  INSERT INTO event_coarse (event_id, size_m, agency_id, occurred_at, geom)
  SELECT g.ids[c.i], g.size_m, g.agency_id, g.times[c.i], c.geom
  FROM (SELECT s.agency_id, s.size_m, array_agg(r.id) AS ids, array_agg(r.occurred_at) AS times,
               array_agg(r.geom) AS geoms
        FROM bw_coarse_sizes s JOIN event_records r ON r.agency_id = s.agency_id AND r.sharing = 'bilateral'
        WHERE NOT EXISTS (SELECT 1 FROM event_coarse e WHERE e.agency_id = s.agency_id AND e.size_m = s.size_m)
        GROUP BY s.agency_id, s.size_m) g,
       LATERAL bw_coarsen_points(g.geoms, g.size_m) c;
END $$;

CREATE FUNCTION bw_event_coarse_agreements() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM bw_event_coarse_sync();
  RETURN NULL;
END $$;
CREATE TRIGGER sharing_agreements_coarse AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sharing_agreements
  FOR EACH STATEMENT EXECUTE FUNCTION bw_event_coarse_agreements();

CREATE FUNCTION bw_event_coarse_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  TRUNCATE event_coarse;
  RETURN NULL;
END $$;
CREATE TRIGGER event_records_coarse_truncate AFTER TRUNCATE ON event_records
  FOR EACH STATEMENT EXECUTE FUNCTION bw_event_coarse_truncate();
REVOKE ALL ON FUNCTION bw_event_coarse_add(uuid[], text[], text[], timestamptz[], geometry[]), bw_event_coarse_sync()
  FROM PUBLIC;

-- The records of today's agreements.
SELECT bw_event_coarse_sync();

-- The events view of 0010, with the same columns and values. The coarsened
-- half is split in two: agreements that coarsen time only show the
-- record's point; agreements that coarsen space show the point kept in
-- event_coarse, whose index a bbox on the view's geom reaches.
-- Each coarsened branch is gated by a one-time test of the viewer's
-- agreements (an uncorrelated EXISTS, evaluated once per query), so that a
-- viewer without such partners skips the branch instead of reading
-- event_coarse in the bbox and joining it to no partner: without the gate
-- an unrestricted agency's feature reads were 30 % slower.
CREATE OR REPLACE VIEW events AS
  SELECT r.id, r.kind, r.occurred_at, r.time_precision, r.geom, r.accuracy_m, r.place, r.agency_id, r.sharing,
         r.source_ref, r.source_url, r.synthetic, r.joint_operation_id, r.items, r.total_kg, r.category,
         r.severity, r.persons_detained, r.notes, r.version, r.created_at, r.updated_at, r.change_xid,
         false AS coarsened
  FROM event_records r
  WHERE NOT bw_restricted()
     OR r.agency_id = bw_agency()
     OR r.sharing = 'regional'
     OR (r.sharing = 'bilateral' AND r.agency_id IN
          (SELECT p.agency_id FROM bw_partners p WHERE p.coarsen_m IS NULL AND p.coarsen_time IS NULL))
  UNION ALL
  SELECT r.id, r.kind, bw_coarsen_time(r.occurred_at, p.coarsen_time),
         CASE WHEN r.time_precision IN ('month', 'year') THEN r.time_precision
              WHEN p.coarsen_time = 'month' THEN 'month' ELSE 'day' END,
         r.geom, r.accuracy_m,
         NULL, r.agency_id, r.sharing,
         NULL, NULL, r.synthetic, r.joint_operation_id, r.items, r.total_kg, r.category,
         r.severity, r.persons_detained, NULL, r.version,
         bw_coarsen_time(r.created_at, p.coarsen_time), bw_coarsen_time(r.updated_at, p.coarsen_time), r.change_xid,
         true AS coarsened
  FROM event_records r
  JOIN bw_partners p ON p.agency_id = r.agency_id
  WHERE bw_restricted() AND r.sharing = 'bilateral'
    AND p.coarsen_m IS NULL AND p.coarsen_time IS NOT NULL
    AND EXISTS (SELECT 1 FROM bw_partners q WHERE q.coarsen_m IS NULL AND q.coarsen_time IS NOT NULL)
  UNION ALL
  SELECT r.id, r.kind, bw_coarsen_time(c.occurred_at, p.coarsen_time),
         CASE WHEN p.coarsen_time IS NULL OR r.time_precision IN ('month', 'year') THEN r.time_precision
              WHEN p.coarsen_time = 'month' THEN 'month' ELSE 'day' END,
         c.geom,
         greatest(coalesce(r.accuracy_m, 0), p.coarsen_m * 0.7072),
         NULL, r.agency_id, r.sharing,
         NULL, NULL, r.synthetic, r.joint_operation_id, r.items, r.total_kg, r.category,
         r.severity, r.persons_detained, NULL, r.version,
         bw_coarsen_time(r.created_at, p.coarsen_time), bw_coarsen_time(r.updated_at, p.coarsen_time), r.change_xid,
         true AS coarsened
  FROM bw_partners p
  JOIN event_coarse c ON c.agency_id = p.agency_id AND c.size_m = p.coarsen_m
  JOIN event_records r ON r.id = c.event_id
  WHERE bw_restricted() AND r.sharing = 'bilateral' AND p.coarsen_m IS NOT NULL
    AND EXISTS (SELECT 1 FROM bw_partners q WHERE q.coarsen_m IS NOT NULL);
