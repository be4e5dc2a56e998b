package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/parse"
)

// alertRuleJSON is an alert rule as the API writes it; zone is a GeoJSON
// MultiPolygon (null for the kinds without one).
type alertRuleJSON struct {
	ID         int64           `json:"id"`
	Agency     string          `json:"agency"`
	Team       *int            `json:"team,string"`
	Name       string          `json:"name"`
	Kind       string          `json:"kind"`
	ZoneSource *string         `json:"zone_source"`
	Sector     *string         `json:"sector"`
	Zone       json.RawMessage `json:"zone"`
	DistanceM  *float64        `json:"distance_m"`
	Minutes    *float64        `json:"minutes"`
	BatteryPct *float64        `json:"battery_pct"`
	BaseM      *float64        `json:"base_m"`
	Enabled    bool            `json:"enabled"`
	CreatedBy  string          `json:"created_by"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

func alertRuleOut(r data.AlertRule) (alertRuleJSON, error) {
	out := alertRuleJSON{ID: r.ID, Agency: r.AgencyID, Name: r.Name, Kind: r.Kind, DistanceM: r.DistanceM,
		Minutes: r.Minutes, BatteryPct: r.BatteryPct, BaseM: r.BaseM, Enabled: r.Enabled, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Zone: json.RawMessage("null")}
	if r.TeamID > 0 {
		out.Team = &r.TeamID
	}
	if r.ZoneSource != "" {
		out.ZoneSource = &r.ZoneSource
	}
	if r.SectorID != "" {
		out.Sector = &r.SectorID
	}
	if r.Zone != nil {
		z, err := geojson.NewGeometry(r.Zone).MarshalJSON()
		if err != nil {
			return out, err
		}
		out.Zone = z
	}
	return out, nil
}

func ruleID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, data.ErrNotFound
	}
	return id, nil
}

// handleListAlertRules lists the caller's agency's alert rules.
func handleListAlertRules(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		rules, err := store.AlertRules(r.Context())
		if err != nil {
			return err
		}
		out := make([]alertRuleJSON, 0, len(rules))
		for _, x := range rules {
			j, err := alertRuleOut(x)
			if err != nil {
				return err
			}
			out = append(out, j)
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"rules": out})
	})
}

// handleGetAlertRule answers one rule of the caller's agency.
func handleGetAlertRule(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := ruleID(r)
		if err != nil {
			return err
		}
		rule, err := store.GetAlertRule(r.Context(), id)
		if err != nil {
			return err
		}
		out, err := alertRuleOut(rule)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, out)
	})
}

// handleWriteAlertRule creates (POST, id absent) or replaces (PUT) a rule
// of the caller's agency, as its admin.
func handleWriteAlertRule(logger *slog.Logger, cfg Config, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		body, err := readBody(w, r, cfg.MaxBodyBytes)
		if err != nil {
			return err
		}
		rule, err := parse.AlertRule(body)
		if err != nil {
			return err
		}
		var (
			stored data.AlertRule
			status = http.StatusOK
		)
		if chi.URLParam(r, "id") == "" {
			p, _ := data.PrincipalFrom(r.Context())
			stored, err = store.CreateAlertRule(r.Context(), p.AgencyID, rule)
			status = http.StatusCreated
		} else {
			var id int64
			if id, err = ruleID(r); err != nil {
				return err
			}
			stored, err = store.UpdateAlertRule(r.Context(), id, rule)
		}
		if err != nil {
			return err
		}
		out, err := alertRuleOut(stored)
		if err != nil {
			return err
		}
		if status == http.StatusCreated {
			w.Header().Set("Location", "/api/alert-rules/"+strconv.FormatInt(out.ID, 10))
		}
		return encode(w, status, mediaJSON, out)
	})
}

// handleDeleteAlertRule deletes a rule of the caller's agency; its open
// episodes end.
func handleDeleteAlertRule(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := ruleID(r)
		if err != nil {
			return err
		}
		if err := store.DeleteAlertRule(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
