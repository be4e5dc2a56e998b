package api

import (
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// positionFeature encodes a position as a GeoJSON point feature; values a
// coarsened position withholds are left out.
func positionFeature(p data.TeamPosition, now time.Time) *geojson.Feature {
	f := geojson.NewFeature(p.Location)
	if p.ID != nil {
		f.ID = *p.ID
	}
	props := f.Properties
	props["team"] = strconv.Itoa(p.TeamID)
	if p.TeamName != "" {
		props["team_name"] = p.TeamName
	}
	props["agency"] = p.AgencyID
	props["sharing"] = p.Sharing
	props["fix_time"] = p.FixTime.UTC().Format(time.RFC3339Nano)
	props["received_at"] = p.ReceivedAt.UTC().Format(time.RFC3339Nano)
	props["age_s"] = math.Max(0, math.Round(now.Sub(p.FixTime).Seconds()))
	props["source"] = p.Source
	props["coarsened"] = p.Coarsened
	props["flags"] = p.Flags
	if p.FlagReason != nil {
		props["flag_reason"] = *p.FlagReason
	}
	if p.DeviceID != nil {
		props["device"] = *p.DeviceID
	}
	for k, v := range map[string]*float64{"speed_mps": p.SpeedMPS, "bearing_deg": p.BearingDeg, "altitude_m": p.AltitudeM,
		"accuracy_m": p.AccuracyM, "battery_pct": p.BatteryPct} {
		if v != nil {
			props[k] = *v
		}
	}
	return f
}

func positionCollection(ps []data.TeamPosition, now time.Time) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, p := range ps {
		fc.Append(positionFeature(p, now))
	}
	return fc
}

// handleTeamPositions answers the positions of team {id} that the caller
// may see, oldest first, as GeoJSON: datetime (an OGC API datetime: an
// instant, a date or an interval) and limit (default 10000) select them.
// A team the caller may see nothing of answers an empty collection.
func handleTeamPositions(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		team, err := strconv.Atoi(chi.URLParam(r, "id"))
		if err != nil || team <= 0 {
			return data.ErrNotFound
		}
		q := r.URL.Query()
		if err := checkParams(q, "datetime", "limit", "bbox", "bbox-crs"); err != nil {
			return err
		}
		bbox, err := parseBBoxParam(r)
		if err != nil {
			return err
		}
		var iv geo.Interval
		if s := q.Get("datetime"); s != "" {
			if iv, err = geo.ParseInterval("datetime", s); err != nil {
				return err
			}
		}
		limit, err := parseLimitIn(q, 10000, data.MaxPositionsRead)
		if err != nil {
			return err
		}
		ps, err := store.TeamPositionsIn(r.Context(), team, iv.Start, iv.End, bbox, limit)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaGeoJSON, positionCollection(ps, time.Now()))
	})
}

// handleLatestPositions answers each visible team's latest plausible
// position with its age in seconds (age_s), as GeoJSON.
func handleLatestPositions(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		ps, err := store.LatestPositions(r.Context())
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaGeoJSON, positionCollection(ps, time.Now()))
	})
}
