-- The routable road graph, and how each road is known.
--
-- roads.kind says where a road's geometry comes from: 'mapped' (an
-- OpenStreetMap way), 'inferred' (a straight connector across a gap of the
-- mapped data, such as where country extracts were cut at a border: the
-- road exists, its course is not mapped) or 'synthetic' (a made-up track of
-- the demo, drawn only where no mapped road reaches a post). The API and
-- the client show the kind, and the client draws each differently.
--
-- Road files give lines that run through junctions: two roads meet where
-- they share a vertex. road_edges is the graph they make: every road is
-- cut at each vertex it shares with another road (or with itself) and at
-- its ends; each piece is one edge between two graph vertices, numbered
-- over the whole network. cost and reverse_cost are travel times in
-- seconds at the road's speed, reverse_cost -1 on one-way roads
-- (pgRouting's convention, so that pgr_* functions read the table as it
-- is). first_point and last_point are the 0-based indices of the piece in
-- the road's geometry. The import rebuilds the table in the transaction
-- that changes the roads, so roads and graph never disagree.
--
-- Roads are shared reference data: every agency reads them, only the owner
-- (the command-line tools) writes them; imports are audited
-- ('roads.import').

ALTER TABLE roads ADD COLUMN kind text NOT NULL DEFAULT 'mapped'
  CHECK (kind IN ('mapped', 'inferred', 'synthetic'));
UPDATE roads SET kind = 'synthetic' WHERE highway LIKE 'synthetic%';
CREATE INDEX roads_kind_idx ON roads (kind) WHERE kind <> 'mapped';

CREATE TABLE road_edges (
  id           bigint PRIMARY KEY,
  road_id      bigint NOT NULL REFERENCES roads (id) ON DELETE CASCADE,
  source       bigint NOT NULL CHECK (source >= 0),
  target       bigint NOT NULL CHECK (target >= 0),
  first_point  integer NOT NULL CHECK (first_point >= 0),
  last_point   integer NOT NULL CHECK (last_point > first_point),
  length_m     double precision NOT NULL CHECK (length_m >= 0),
  cost         double precision NOT NULL CHECK (cost >= 0),
  reverse_cost double precision NOT NULL CHECK (reverse_cost >= 0 OR reverse_cost = -1)
);
CREATE INDEX road_edges_road_idx ON road_edges (road_id);

GRANT SELECT ON road_edges TO bw_app;
