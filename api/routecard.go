package api

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// cardPosition is a point written in the forms field officers use:
// decimal degrees, degrees-minutes-seconds and MGRS.
type cardPosition struct {
	Lon  float64 `json:"lon"`
	Lat  float64 `json:"lat"`
	DD   string  `json:"dd"`
	DMS  string  `json:"dms"`
	MGRS string  `json:"mgrs"`
}

// cardStop is a numbered stop of a team's route card.
type cardStop struct {
	Seq      int          `json:"seq"`
	Name     string       `json:"name"`
	ETA      string       `json:"eta,omitempty"`
	DwellMin float64      `json:"dwell_min"`
	Reason   string       `json:"reason,omitempty"`
	Position cardPosition `json:"position"`
	// Way says what part of the way to the stop runs on synthetic
	// tracks or inferred connectors (legNote); empty on mapped roads.
	Way string `json:"way,omitempty"`
	// WaySyntheticKM and WayInferredKM are the km of the way on each.
	WaySyntheticKM float64 `json:"way_synthetic_km,omitempty"`
	WayInferredKM  float64 `json:"way_inferred_km,omitempty"`
}

// cardTeam is one team's route card: its shift, base, route and stops.
type cardTeam struct {
	// Team is the team's id as a string, also for plans stored when
	// their features held it as a number.
	Team      string         `json:"team"`
	Name      string         `json:"name"`
	Depart    string         `json:"depart,omitempty"`
	Return    string         `json:"return,omitempty"`
	LengthKM  float64        `json:"length_km"`
	DurationH float64        `json:"duration_h"`
	Base      *cardPosition  `json:"base,omitempty"`
	Route     orb.LineString `json:"route"`
	Stops     []cardStop     `json:"stops"`
	// ReturnWay is the Way of the way back to the base.
	ReturnWay string `json:"return_way,omitempty"`
}

// routeCards is the answer of GET /api/plans/{id}/cards.
type routeCards struct {
	Plan      string     `json:"plan"`
	CreatedAt string     `json:"created_at"`
	Teams     []cardTeam `json:"teams"`
}

// handleRouteCards answers the route cards of a stored plan: per team the
// numbered stops with their times and each position (stops and base) in
// decimal degrees, degrees-minutes-seconds and MGRS, and the route's line
// for the card's map. The web client prints them (A4, one team a page).
// Reading them is an export of the plan and audited as one.
func handleRouteCards(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		if err := checkParams(r.URL.Query()); err != nil {
			return err
		}
		id, sp, fc, err := exportPlan(r, store, "cards")
		if err != nil {
			return err
		}
		cards := routeCards{Plan: id.String(), CreatedAt: sp.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), Teams: []cardTeam{}}
		for _, tr := range planRoutes(fc) {
			cards.Teams = append(cards.Teams, routeCard(tr))
		}
		return encode(w, http.StatusOK, mediaJSON, cards)
	})
}

// exportPlan reads the stored plan the path's id names, as GeoJSON, and
// audits the read as an export in format. A malformed id is not found,
// like another agency's plan.
func exportPlan(r *http.Request, store *data.Store, format string) (uuid.UUID, data.StoredPlan, *geojson.FeatureCollection, error) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		return id, data.StoredPlan{}, nil, data.ErrNotFound
	}
	sp, err := store.Plan(r.Context(), id)
	if err != nil {
		return id, sp, nil, err
	}
	fc, err := geojson.UnmarshalFeatureCollection(sp.Result)
	if err != nil {
		return id, sp, nil, fmt.Errorf("stored plan %s: %w", id, err)
	}
	if err := store.Audit(r.Context(), "plan.export", id.String(), map[string]any{"format": format}); err != nil {
		return id, sp, nil, err
	}
	return id, sp, fc, nil
}

// routeCard is the card of one team's route.
func routeCard(tr *planTeamRoute) cardTeam {
	c := cardTeam{Team: tr.team, Name: tr.name, Route: orb.LineString{}, Stops: []cardStop{}}
	if tr.route != nil {
		p := tr.route.Properties
		c.Depart, c.Return = p.MustString("depart", ""), p.MustString("return", "")
		c.LengthKM, c.DurationH = p.MustFloat64("length_km", 0), p.MustFloat64("duration_h", 0)
		c.ReturnWay = legNote(p, "return_")
		if ls, ok := tr.route.Geometry.(orb.LineString); ok {
			c.Route = ls
		}
		if b, ok := baseOf(tr.route); ok {
			pos := position(b)
			c.Base = &pos
		}
	}
	for _, st := range tr.stops {
		pt, ok := st.Geometry.(orb.Point)
		if !ok {
			continue
		}
		p := st.Properties
		c.Stops = append(c.Stops, cardStop{Seq: int(p.MustFloat64("seq", 0)), Name: p.MustString("name", ""),
			ETA: p.MustString("eta", ""), DwellMin: p.MustFloat64("dwell_min", 0), Reason: p.MustString("reason", ""),
			Position: position(pt), Way: legNote(p, "leg_"),
			WaySyntheticKM: p.MustFloat64("leg_synthetic_km", 0), WayInferredKM: p.MustFloat64("leg_inferred_km", 0)})
	}
	return c
}

// position writes p in every form of a route card. A point outside the
// UTM zones (never one of this region's) has no MGRS reference.
func position(p orb.Point) cardPosition {
	m, err := geo.MGRS(p)
	if err != nil {
		m = ""
	}
	return cardPosition{Lon: p[0], Lat: p[1], DD: geo.DecimalDegrees(p), DMS: geo.DMS(p), MGRS: m}
}
