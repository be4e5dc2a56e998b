package data

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/borderwatch/borderwatch/record"
)

// The import writes its COPY stream itself, in PostgreSQL's binary format,
// straight from the parser's goroutine: no per-value boxing and no driver
// encoding on the path to the server. The fields follow importCopyColumns.

// copyBinaryHeader starts a binary COPY stream: signature, flags, no
// header extension.
var copyBinaryHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// copyBinaryTrailer ends a binary COPY stream.
var copyBinaryTrailer = []byte{0xff, 0xff}

// pgEpochUnixMicros is 2000-01-01 UTC, PostgreSQL's timestamp epoch, in
// microseconds since the Unix epoch.
const pgEpochUnixMicros = 946684800 * 1000000

// appendImportCopyRow appends e as a binary COPY tuple of the staging table:
// its file row, the values of eventCopyRow and the new record's id.
func appendImportCopyRow(b []byte, row int64, e *record.Event, id uuid.UUID) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, uint16(len(importCopyColumns)))
	b = copyInt8(b, row)
	b = copyText(b, e.Kind)
	us := e.OccurredAt.Unix()*1000000 + int64(e.OccurredAt.Nanosecond())/1000 - pgEpochUnixMicros
	b = copyInt8(b, us)
	b = copyText(b, e.TimePrecision)
	b = binary.BigEndian.AppendUint32(b, 25)
	b = append(b, 1) // little-endian EWKB point, SRID 4326
	b = binary.LittleEndian.AppendUint32(b, 0x20000001)
	b = binary.LittleEndian.AppendUint32(b, SRIDWGS84)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(e.Location[0]))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(e.Location[1]))
	if e.AccuracyM == nil {
		b = copyNull(b)
	} else {
		b = copyInt8(b, int64(math.Float64bits(*e.AccuracyM)))
	}
	b = copyTextOrNull(b, e.Place)
	b = copyText(b, e.AgencyID)
	b = copyText(b, e.Sharing)
	b = copyTextOrNull(b, e.SourceRef)
	b = copyTextOrNull(b, e.SourceURL)
	b = binary.BigEndian.AppendUint32(b, 1)
	if e.Synthetic {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	if e.JointOperationID == nil {
		b = copyNull(b)
	} else {
		b = copyUUID(b, *e.JointOperationID)
	}
	// jsonb: a length placeholder, the format version, then the text.
	at := len(b)
	b = append(b, 0, 0, 0, 0, 1)
	var err error
	if b, err = appendItemsJSON(b, e.Items); err != nil {
		return nil, err
	}
	binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	b = copyTextOrNull(b, e.Category)
	if e.Severity == 0 {
		b = copyNull(b)
	} else {
		b = binary.BigEndian.AppendUint32(b, 2)
		b = binary.BigEndian.AppendUint16(b, uint16(int16(e.Severity)))
	}
	if e.PersonsDetained == nil {
		b = copyNull(b)
	} else {
		b = binary.BigEndian.AppendUint32(b, 4)
		b = binary.BigEndian.AppendUint32(b, uint32(int32(*e.PersonsDetained)))
	}
	b = copyTextOrNull(b, e.Notes)
	b = copyUUID(b, id)
	return b, nil
}

func copyNull(b []byte) []byte { return binary.BigEndian.AppendUint32(b, math.MaxUint32) }

func copyInt8(b []byte, v int64) []byte {
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

func copyText(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// copyTextOrNull writes "" as NULL, like nullIfEmpty.
func copyTextOrNull(b []byte, s string) []byte {
	if s == "" {
		return copyNull(b)
	}
	return copyText(b, s)
}

func copyUUID(b []byte, id uuid.UUID) []byte {
	b = binary.BigEndian.AppendUint32(b, 16)
	return append(b, id[:]...)
}

// appendItemsJSON appends items as json.Marshal would write them ([] for
// none).
func appendItemsJSON(b []byte, items []record.Item) ([]byte, error) {
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"drug":`...)
		b = appendJSONString(b, it.Drug)
		b = append(b, `,"quantity":`...)
		q := it.Quantity
		if math.IsNaN(q) || math.IsInf(q, 0) {
			return nil, errors.New("items: quantity is not a finite number")
		}
		if a := math.Abs(q); a != 0 && (a < 1e-6 || a >= 1e21) {
			b = strconv.AppendFloat(b, q, 'e', -1, 64)
			// encoding/json writes 1e-07 as 1e-7.
			if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
				b[n-2] = b[n-1]
				b = b[:n-1]
			}
		} else {
			b = strconv.AppendFloat(b, q, 'f', -1, 64)
		}
		b = append(b, `,"unit":`...)
		b = appendJSONString(b, it.Unit)
		if it.Qualifier != "" {
			b = append(b, `,"qualifier":`...)
			b = appendJSONString(b, it.Qualifier)
		}
		if it.ConfirmedImplausible {
			b = append(b, `,"confirmed_implausible":true`...)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendJSONString appends s as a JSON string; plain ASCII is copied as is.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// copyChunkReader is the COPY stream of one chunk: the header, the encoded
// batches from the parser up to importChunkRows records, and the trailer.
// done is set once the parser has sent everything; err holds the parser's
// fatal error or invalid record.
type copyChunkReader struct {
	ch   <-chan importBatch
	left int
	buf  []byte
	tail bool
	done bool
	err  error
}

// reset starts the next chunk.
func (c *copyChunkReader) reset() {
	c.left, c.buf, c.tail = importChunkRows, copyBinaryHeader, false
}

func (c *copyChunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.tail {
			return 0, io.EOF
		}
		if c.left <= 0 || c.done {
			c.buf, c.tail = copyBinaryTrailer, true
			break
		}
		bt, ok := <-c.ch
		if !ok {
			c.done = true
			continue
		}
		if bt.err != nil {
			c.err = bt.err
			return 0, bt.err
		}
		c.buf = bt.copy
		c.left -= bt.n
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}
