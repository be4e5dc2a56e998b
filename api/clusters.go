package api

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// handleClusters serves GET /api/clusters: DBSCAN clusters (eps_m,
// min_points) of the events the caller may see in the area, as a
// FeatureCollection of convex hulls (a Point or LineString when the
// members are fewer than three distinct points) with, per cluster, the
// member count, the core points among them, kg by drug, the time span and
// the centroid. The collection carries n_points, n_clustered and n_noise.
func handleClusters(logger *slog.Logger, live *data.Live, cache *responseCache) http.Handler {
	return analysisHandler(logger, live, cache, "clusters", geo.ClusterParams(),
		func(ctx context.Context, q geo.ClusterQuery, c geo.CommonParams, vis *geo.Visibility) ([]byte, uint64, error) {
			sc, err := live.Scope(ctx, vis, c)
			if err != nil {
				return nil, 0, err
			}
			sc.Restrict(&q.Filter)
			q.Area = &sc.Area
			res, err := geo.Clusters(ctx, live.Index(), q)
			if err != nil {
				return nil, 0, err
			}
			return appendClusters(make([]byte, 0, 512+len(res.Clusters)*600), res, c), res.Version, nil
		})
}
