package api

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/borderwatch/borderwatch/cql2"
	"github.com/borderwatch/borderwatch/data"
)

// queryableSchema is the JSON Schema of one queryable.
func queryableSchema(name string, t cql2.Type) map[string]any {
	s := map[string]any{"title": name}
	switch t {
	case cql2.TypeString:
		s["type"] = "string"
	case cql2.TypeNumber:
		s["type"] = "number"
	case cql2.TypeInteger:
		s["type"] = "integer"
	case cql2.TypeBool:
		s["type"] = "boolean"
	case cql2.TypeTime:
		s["type"], s["format"], s["x-ogc-role"] = "string", "date-time", "primary-instant"
	case cql2.TypeGeometry:
		s["format"], s["x-ogc-role"] = "geometry-point", "primary-geometry"
	}
	return s
}

// queryableNotes describe the queryables that need more than a type.
var queryableNotes = map[string]string{
	"drug":        "drug of one item; a filter naming drug and quantity_kg holds when one item satisfies it",
	"quantity_kg": "mass in kg of one item (null for items measured in other units)",
	"agency":      "id of the recording agency",
	"occurred_at": "time of the event as the caller sees it (coarsened under some agreements)",
	"geometry":    "location as the caller sees it (coarsened under some agreements)",
	"severity":    "severity of an incident (1-5; null for seizures)",
	"category":    "category of an incident (null for seizures)",
}

// handleQueryables answers /collections/{id}/queryables as a JSON Schema
// (draft 2019-09, as OGC API – Features Part 3 asks). Only events can be
// filtered; the reference collections have no queryables.
func handleQueryables(logger *slog.Logger) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id := chi.URLParam(r, "collectionId")
		props := map[string]any{}
		if id == "events" {
			for n, t := range data.EventQueryables {
				s := queryableSchema(n, t)
				if d, ok := queryableNotes[n]; ok {
					s["description"] = d
				}
				props[n] = s
			}
		} else if _, ok := data.CollectionByID(id); !ok && id != data.RoutesCollectionID {
			return data.ErrNotFound
		}
		return encode(w, http.StatusOK, "application/schema+json", map[string]any{
			"$schema": "https://json-schema.org/draft/2019-09/schema",
			"$id":     baseURL(r) + "/collections/" + id + "/queryables",
			"type":    "object", "title": id, "properties": props, "additionalProperties": false,
		})
	})
}
