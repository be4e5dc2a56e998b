package parse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/borderwatch/borderwatch/record"
)

// Event file formats.
const (
	FormatCSV     = "csv"
	FormatGeoJSON = "geojson"
)

// EventReader streams the records of an event file, CSV (see csvColumns)
// or a GeoJSON FeatureCollection (see geojsonEventReader), one at a time.
type EventReader struct {
	format string
	next   func() (Record, error)
}

// NewEventReader reads the header of an event file in format (FormatCSV,
// FormatGeoJSON, or "" to detect it from the content: a JSON object is
// GeoJSON, anything else CSV). A header that cannot be read is an error.
func NewEventReader(r io.Reader, format string) (*EventReader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if format == "" {
		var err error
		if format, err = detectFormat(br); err != nil {
			return nil, fmt.Errorf("detect format: %w", err)
		}
	}
	switch format {
	case FormatCSV:
		p, err := newCSVEventReader(br)
		if err != nil {
			return nil, err
		}
		return &EventReader{format: format, next: p.next}, nil
	case FormatGeoJSON:
		p, err := newGeoJSONEventReader(br)
		if err != nil {
			return nil, err
		}
		return &EventReader{format: format, next: p.next}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want csv or geojson)", format)
}

// Format returns the file's format, FormatCSV or FormatGeoJSON.
func (r *EventReader) Format() string { return r.format }

// Next returns the next record, or io.EOF after the last one. Any other
// error (malformed CSV or JSON) ends the file.
func (r *EventReader) Next() (Record, error) { return r.next() }

// detectFormat peeks at the first non-blank byte: '{' is GeoJSON.
func detectFormat(br *bufio.Reader) (string, error) {
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if len(b) < i {
			if err == nil || errors.Is(err, io.EOF) || errors.Is(err, bufio.ErrBufferFull) {
				return FormatCSV, nil
			}
			return "", err
		}
		c := b[i-1]
		if i <= 3 && bytes.HasPrefix([]byte("\xef\xbb\xbf"), b) {
			continue
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return FormatGeoJSON, nil
		}
		return FormatCSV, nil
	}
}

// Validate normalises and validates the record's event, adding the
// validation errors of the fields that parsed well to Errs.
func (pe *Record) Validate() {
	pe.Event.Normalize()
	verr := pe.Event.Validate()
	var ve *record.ValidationError
	if !errors.As(verr, &ve) {
		return
	}
	bad := map[string]bool{}
	for _, f := range pe.Errs {
		bad[f.Field] = true
	}
	for _, f := range ve.Fields {
		if !bad[f.Field] && !(f.Field == "geometry" && (bad["lon"] || bad["lat"])) {
			pe.Errs = append(pe.Errs, f)
		}
	}
}
