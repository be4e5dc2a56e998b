package api

import (
	"fmt"
	"image/color"
	"io"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/twpayne/go-kml/v3"
)

// kmlColors are the team line colours, in the order of the plan's teams.
var kmlColors = []color.RGBA{
	{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, {R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, {R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, {R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, {R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
}

// writeKML writes a stored plan as KML 2.2: per team a folder with the
// route line and a placemark per stop (name, ETA, reason).
func writeKML(w io.Writer, name string, fc *geojson.FeatureCollection) error {
	doc := kml.Document(kml.Name(name), kml.Description("Borderwatch patrol plan"))
	for i, c := range kmlColors {
		doc.Add(kml.SharedStyle(fmt.Sprintf("team%d", i), kml.LineStyle(kml.Color(c), kml.Width(4))))
	}
	for i, tr := range planRoutes(fc) {
		folder := kml.Folder(kml.Name(tr.name))
		if tr.route != nil {
			p := tr.route.Properties
			if ls, ok := tr.route.Geometry.(orb.LineString); ok {
				folder.Add(kml.Placemark(
					kml.Name(tr.name+" route"),
					kml.Description(joinNote(fmt.Sprintf("%.1f km, %.1f h, score %.1f", p.MustFloat64("length_km", 0), p.MustFloat64("duration_h", 0), p.MustFloat64("score", 0)),
						legNote(p, "return_"))),
					kml.StyleURL(fmt.Sprintf("#team%d", i%len(kmlColors))),
					kml.LineString(kml.Tessellate(true), kml.Coordinates(kmlCoords(ls)...)),
				))
			}
		}
		for _, st := range tr.stops {
			pt, ok := st.Geometry.(orb.Point)
			if !ok {
				continue
			}
			p := st.Properties
			children := []kml.Element{
				kml.Name(fmt.Sprintf("%d. %s", int(p.MustFloat64("seq", 0)), p.MustString("name", ""))),
				kml.Description(joinNote(p.MustString("reason", ""), legNote(p, "leg_"))),
			}
			if eta, err := time.Parse(time.RFC3339, p.MustString("eta", "")); err == nil {
				children = append(children, kml.TimeStamp(kml.When(eta)))
			}
			children = append(children,
				kml.ExtendedData(
					kml.Data("eta", kml.Value(p.MustString("eta", ""))),
					kml.Data("dwell_min", kml.Value(p.MustFloat64("dwell_min", 0))),
					kml.Data("score", kml.Value(p.MustFloat64("score", 0))),
				),
				kml.Point(kml.Coordinates(kml.Coordinate{Lon: pt[0], Lat: pt[1]})))
			folder.Add(kml.Placemark(children...))
		}
		doc.Add(folder)
	}
	if err := kml.KML(doc).WriteIndent(w, "", " "); err != nil {
		return fmt.Errorf("write kml: %w", err)
	}
	return nil
}

func kmlCoords(ls orb.LineString) []kml.Coordinate {
	out := make([]kml.Coordinate, len(ls))
	for i, p := range ls {
		out[i] = kml.Coordinate{Lon: p[0], Lat: p[1]}
	}
	return out
}
