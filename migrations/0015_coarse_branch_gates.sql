-- The coarsened branches of the events view cost a viewer without such
-- partners nothing: each is gated by a one-time test of the viewer's
-- agreements (an uncorrelated EXISTS, evaluated once per query), so that
-- PostgreSQL skips the branch instead of reading event_coarse in the bbox
-- and joining it to no partner. Unrestricted and exact-sharing viewers read
-- as fast as before 0014.
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
