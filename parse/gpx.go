package parse

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

// gpxFile is the part of a GPX 1.1 document a driven track is read from:
// its tracks' segments' points (waypoints and routes are plans, not
// drives, and are ignored). GPX 1.0 files read alike (same element names).
type gpxFile struct {
	XMLName xml.Name `xml:"gpx"`
	Tracks  []struct {
		Segments []struct {
			Points []gpxTrackPoint `xml:"trkpt"`
		} `xml:"trkseg"`
	} `xml:"trk"`
}

type gpxTrackPoint struct {
	Lat  string `xml:"lat,attr"`
	Lon  string `xml:"lon,attr"`
	Ele  string `xml:"ele"`
	Time string `xml:"time"`
	HDOP string `xml:"hdop"`
	// Speed and Course are GPX 1.0 elements; in GPX 1.1 units write them
	// in extensions (Garmin's TrackPointExtension: speed in m/s, course in
	// degrees), read by local name whatever the namespace.
	Speed      string      `xml:"speed"`
	Course     string      `xml:"course"`
	Extensions *gpxAnyElem `xml:"extensions"`
}

// gpxAnyElem is an element of any name with its children.
type gpxAnyElem struct {
	XMLName  xml.Name
	Text     string       `xml:",chardata"`
	Children []gpxAnyElem `xml:",any"`
}

// find returns the text of the first descendant with the local name.
func (e *gpxAnyElem) find(local string) string {
	if e == nil {
		return ""
	}
	for i := range e.Children {
		c := &e.Children[i]
		if c.XMLName.Local == local {
			return strings.TrimSpace(c.Text)
		}
		if s := c.find(local); s != "" {
			return s
		}
	}
	return ""
}

// GPX reads the track points of a GPX file as positions (source "gpx"),
// in document order. Each point needs lat, lon and time (a fix without a
// time cannot be placed in the track); a point that cannot be read is an
// item with Err naming its field. It fails only when r is not a GPX
// document or holds more than MaxPositions points.
func GPX(r io.Reader) ([]PositionItem, error) {
	dec := xml.NewDecoder(r)
	var f gpxFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a GPX document: %w", err)
	}
	var out []PositionItem
	for _, t := range f.Tracks {
		for _, s := range t.Segments {
			for _, pt := range s.Points {
				if len(out) >= MaxPositions {
					return nil, fmt.Errorf("more than %d track points", MaxPositions)
				}
				out = append(out, gpxPosition(pt))
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("the GPX document has no track points (trk/trkseg/trkpt)")
	}
	return out, nil
}

func gpxPosition(pt gpxTrackPoint) PositionItem {
	var it PositionItem
	p := &it.Position
	p.Source = record.SourceGPX
	var fe record.Fields
	lat := requiredFloat(&fe, "lat", strings.TrimSpace(pt.Lat))
	lon := requiredFloat(&fe, "lon", strings.TrimSpace(pt.Lon))
	p.Location = orb.Point{lon, lat}
	if ts := strings.TrimSpace(pt.Time); ts == "" {
		fe.Add("time", "required: a track point without a time cannot be placed in the track")
	} else if t, err := ParseFixTime(ts); err != nil {
		fe.Add("time", "%v", err)
	} else {
		p.FixTime = t
	}
	p.AltitudeM = optionalFloat(&fe, "ele", strings.TrimSpace(pt.Ele))
	p.HDOP = optionalFloat(&fe, "hdop", strings.TrimSpace(pt.HDOP))
	speed := strings.TrimSpace(pt.Speed)
	if speed == "" {
		speed = pt.Extensions.find("speed")
	}
	p.SpeedMPS = optionalFloat(&fe, "speed", speed)
	course := strings.TrimSpace(pt.Course)
	if course == "" {
		course = pt.Extensions.find("course")
	}
	p.BearingDeg = optionalFloat(&fe, "course", course)
	if err := fe.Err(); err != nil {
		it.Err = err
		return it
	}
	if err := p.Validate(); err != nil {
		it.Err = renameFields(err, map[string]string{"altitude": "ele", "bearing": "course", "timestamp": "time"})
	}
	return it
}

// renameFields renames the fields of a *record.ValidationError.
func renameFields(err error, names map[string]string) error {
	var ve *record.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &record.ValidationError{Fields: make([]record.FieldError, len(ve.Fields))}
	for i, f := range ve.Fields {
		if n, ok := names[f.Field]; ok {
			f.Field = n
		}
		out.Fields[i] = f
	}
	return out
}
