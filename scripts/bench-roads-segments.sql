-- bench_road_segments: the stored road graph (road_edges) with a vertex at
-- every point of the roads' geometry, as a router that does not cut lines
-- at junctions only would see it: junction vertices keep their road_edges
-- ids, the points between them get ids above 10^12. Each segment carries
-- its share of the edge's cost by length, so paths cost the same on both
-- tables. scripts/bench-roads.sh makes it for pgRouting's baseline.
DROP TABLE IF EXISTS bench_road_segments;
CREATE UNLOGGED TABLE bench_road_segments AS
WITH pts AS (
  SELECT e.id AS eid, e.source, e.target, e.first_point AS f, e.last_point AS l, e.cost, e.reverse_cost,
         e.road_id AS rid, d.path[1] - 1 AS k, d.geom AS p
    FROM road_edges e
    JOIN roads r ON r.id = e.road_id
    CROSS JOIN LATERAL ST_DumpPoints(r.geom) d
   WHERE d.path[1] - 1 BETWEEN e.first_point AND e.last_point
), segs AS (
  SELECT eid, source, target, f, l, cost, reverse_cost, rid, k,
         ST_Distance(lag(p) OVER w, p) AS len
    FROM pts WINDOW w AS (PARTITION BY eid ORDER BY k)
), shares AS (
  SELECT *, len / nullif(sum(len) OVER (PARTITION BY eid), 0) AS share FROM segs WHERE len IS NOT NULL
)
SELECT row_number() OVER (ORDER BY eid, k) AS id,
       CASE WHEN k - 1 = f THEN source ELSE 1000000000000 + rid * 1000000 + k - 1 END AS source,
       CASE WHEN k = l THEN target ELSE 1000000000000 + rid * 1000000 + k END AS target,
       cost * coalesce(share, 1) AS cost,
       CASE WHEN reverse_cost < 0 THEN -1 ELSE reverse_cost * coalesce(share, 1) END AS reverse_cost
  FROM shares;
ANALYZE bench_road_segments;
