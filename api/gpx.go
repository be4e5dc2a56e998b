package api

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// gpxNamespace is the GPX 1.1 namespace.
const gpxNamespace = "http://www.topografix.com/GPX/1/1"

// gpxMaxName is the longest waypoint name written; handheld units cut
// longer names anyway.
const gpxMaxName = 40

// gpxDoc is a GPX 1.1 document with routes and tracks only; the element
// order follows the GPX 1.1 schema (metadata, rte*, trk*).
type gpxDoc struct {
	XMLName  xml.Name    `xml:"gpx"`
	Xmlns    string      `xml:"xmlns,attr"`
	Version  string      `xml:"version,attr"`
	Creator  string      `xml:"creator,attr"`
	Metadata gpxMetadata `xml:"metadata"`
	Routes   []gpxRoute  `xml:"rte"`
	Tracks   []gpxTrack  `xml:"trk"`
}

type gpxMetadata struct {
	Name string `xml:"name"`
	Desc string `xml:"desc,omitempty"`
	Time string `xml:"time,omitempty"`
}

type gpxPoint struct {
	Lat  float64 `xml:"lat,attr"`
	Lon  float64 `xml:"lon,attr"`
	Time string  `xml:"time,omitempty"`
	Name string  `xml:"name,omitempty"`
	Cmt  string  `xml:"cmt,omitempty"`
	Desc string  `xml:"desc,omitempty"`
	Type string  `xml:"type,omitempty"`
}

type gpxRoute struct {
	Name   string     `xml:"name"`
	Desc   string     `xml:"desc,omitempty"`
	Number int        `xml:"number,omitempty"`
	Points []gpxPoint `xml:"rtept"`
}

type gpxTrack struct {
	Name     string       `xml:"name"`
	Desc     string       `xml:"desc,omitempty"`
	Number   int          `xml:"number,omitempty"`
	Segments []gpxSegment `xml:"trkseg"`
}

type gpxSegment struct {
	Points []gpxPoint `xml:"trkpt"`
}

// writeGPX writes a stored plan as GPX 1.1: per team one rte with the base,
// the numbered stops (name, ETA, reason) and the base again, and one trk
// with the road geometry.
func writeGPX(w io.Writer, name string, fc *geojson.FeatureCollection) error {
	doc := gpxDoc{Xmlns: gpxNamespace, Version: "1.1", Creator: "Borderwatch",
		Metadata: gpxMetadata{Name: name, Desc: "Borderwatch patrol plan"}}
	if s, ok := fc.ExtraMembers["created_at"].(string); ok {
		doc.Metadata.Time = s
	}
	for i, tr := range planRoutes(fc) {
		rte := gpxRoute{Name: tr.name, Number: i + 1}
		trk := gpxTrack{Name: tr.name, Number: i + 1}
		if tr.route != nil {
			p := tr.route.Properties
			rte.Desc = fmt.Sprintf("%.1f km, %.1f h, score %.1f", p.MustFloat64("length_km", 0), p.MustFloat64("duration_h", 0), p.MustFloat64("score", 0))
			trk.Desc = rte.Desc
		}
		base, hasBase := baseOf(tr.route)
		if hasBase {
			rte.Points = append(rte.Points, gpxPoint{Lon: base[0], Lat: base[1], Name: "Base", Type: "base",
				Time: tr.route.Properties.MustString("depart", "")})
		}
		for _, st := range tr.stops {
			pt, ok := st.Geometry.(orb.Point)
			if !ok {
				continue
			}
			p := st.Properties
			n := fmt.Sprintf("%02d %s", int(p.MustFloat64("seq", 0)), p.MustString("name", ""))
			if r := []rune(n); len(r) > gpxMaxName {
				n = string(r[:gpxMaxName])
			}
			cmt := ""
			if eta, err := time.Parse(time.RFC3339, p.MustString("eta", "")); err == nil {
				cmt = fmt.Sprintf("ETA %s, stay %.0f min", eta.UTC().Format("15:04Z"), p.MustFloat64("dwell_min", 0))
			}
			rte.Points = append(rte.Points, gpxPoint{Lon: pt[0], Lat: pt[1], Time: p.MustString("eta", ""), Name: n,
				Cmt: cmt, Desc: joinNote(p.MustString("reason", ""), legNote(p, "leg_")), Type: p.MustString("target_kind", "")})
		}
		if hasBase {
			rte.Points = append(rte.Points, gpxPoint{Lon: base[0], Lat: base[1], Name: "Base (return)", Type: "base",
				Time: tr.route.Properties.MustString("return", ""), Desc: legNote(tr.route.Properties, "return_")})
		}
		if tr.route != nil {
			if ls, ok := tr.route.Geometry.(orb.LineString); ok {
				seg := gpxSegment{Points: make([]gpxPoint, len(ls))}
				for k, q := range ls {
					seg.Points[k] = gpxPoint{Lon: q[0], Lat: q[1]}
				}
				trk.Segments = append(trk.Segments, seg)
			}
		}
		doc.Routes = append(doc.Routes, rte)
		doc.Tracks = append(doc.Tracks, trk)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write gpx: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
