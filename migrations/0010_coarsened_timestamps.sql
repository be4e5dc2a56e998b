-- A coarsened record shows nothing finer than its agreement allows. The
-- coarsened half of the events view passed created_at and updated_at (to
-- the microsecond) and source_ref through: for a record entered promptly,
-- created_at gave away the time that coarsening rounded to the day, and a
-- source reference can name the operation. Now both timestamps are rounded
-- like occurred_at, and source_ref, source_url, place and notes are
-- withheld, whatever the agreement coarsens (space, time or both).
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
         CASE WHEN p.coarsen_time IS NULL OR r.time_precision IN ('month', 'year') THEN r.time_precision
              WHEN p.coarsen_time = 'month' THEN 'month' ELSE 'day' END,
         bw_coarsen_point(r.geom, p.coarsen_m),
         CASE WHEN p.coarsen_m IS NULL THEN r.accuracy_m ELSE greatest(coalesce(r.accuracy_m, 0), p.coarsen_m * 0.7072) END,
         NULL, r.agency_id, r.sharing,
         NULL, NULL, r.synthetic, r.joint_operation_id, r.items, r.total_kg, r.category,
         r.severity, r.persons_detained, NULL, r.version,
         bw_coarsen_time(r.created_at, p.coarsen_time), bw_coarsen_time(r.updated_at, p.coarsen_time), r.change_xid,
         true AS coarsened
  FROM event_records r
  JOIN bw_partners p ON p.agency_id = r.agency_id
  WHERE bw_restricted() AND r.sharing = 'bilateral'
    AND (p.coarsen_m IS NOT NULL OR p.coarsen_time IS NOT NULL);
