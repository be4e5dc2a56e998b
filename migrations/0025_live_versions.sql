-- The live index holds each record's version.
--
-- Feature reads (GET /collections/events/items) choose their page from the
-- service's live index and serve each feature's JSON from a cache keyed by
-- the record's id, its version and the form the caller sees it in (exact,
-- or coarsened by an agreement's terms); the cache is filled through the
-- caller's events view, which checks the version. The index therefore
-- needs every record's version: bw_live_events (0015) shows it now, as its
-- last column. A version says only how often a record was changed; the
-- view already shows the service every record's point, time and agency.
CREATE OR REPLACE VIEW bw_live_events AS
  SELECT id, occurred_at, geom, agency_id, kind, sharing, category, severity, items, updated_at, change_xid, version
  FROM event_records;
