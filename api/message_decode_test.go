package api

import (
	"errors"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

var messageSeeds = []string{
	`{"kind": "lookout", "urgency": "flash", "text": "grey Kamaz 4521 AB 03", "recipients": ["af-border"],
	  "subjects": ["00000000-0000-4000-8000-000000000007"], "where": {"crossing": 3},
	  "valid_from": "2024-05-01T00:00:00Z", "valid_until": "2024-05-03T00:00:00Z"}`,
	`{"kind": "rfi", "urgency": "urgent", "text": "did your side see him?", "recipients": ["af-border", "uz-border"],
	  "where": {"point": [69.1, 37.2]}}`,
	`{"kind": "reply", "text": "seen at 14:20", "in_reply_to": 12}`,
	`{"kind": "notice", "text": "closed", "recipients": [], "where": {"section": "tj-af-3"}}`,
	`{"kind": "lookout", "subjects": ["not-a-uuid"]}`,
	`{"kind": "lookout", "where": {"point": [1e400, 0]}}`,
	`{"kind": "lookout", "valid_until": "tomorrow"}`,
	`{"kind": 5}`,
}

// FuzzDecodeMessage feeds arbitrary bodies of POST /api/messages through
// the strict decoder and the draft's validation, as the handler does: no
// panic, and every refusal names a field.
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range messageSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if jsonDepth([]byte(body)) > maxJSONDepth {
			return
		}
		var req messageRequest
		if err := decodeBytes([]byte(body), &req); err != nil {
			var br *badRequest
			if !errors.As(err, &br) || len(br.params) == 0 {
				t.Fatalf("decode error without a field: %v", err)
			}
			return
		}
		d := req.draft()
		if err := d.Validate(); err != nil && len(record.FieldNames(err)) == 0 {
			t.Fatalf("validation error without a field: %v", err)
		}
	})
}

// FuzzStreamParameters feeds arbitrary types and Last-Event-ID values to
// the stream's parsers: no panic, refusals name their parameter, accepted
// types are known kinds without repeats, and an accepted id is not
// negative.
func FuzzStreamParameters(f *testing.F) {
	for _, s := range [][2]string{{"message,hit", "42"}, {"", ""}, {"message,message", "0"}, {"ship", "-1"},
		{"position,", "9223372036854775808"}, {",", " 7"}} {
		f.Add(s[0], s[1])
	}
	known := data.StreamTypes()
	f.Fuzz(func(t *testing.T, types, lastID string) {
		got, err := data.ParseStreamTypes(types)
		if err != nil {
			if names := slices.Compact(record.FieldNames(err)); !slices.Equal(names, []string{"types"}) {
				t.Fatalf("types %q refused without naming types: %v", types, err)
			}
		} else {
			for i, ty := range got {
				if !slices.Contains(known, ty) || (i > 0 && got[i-1] == ty) {
					t.Fatalf("types %q accepted as %v", types, got)
				}
			}
		}
		r := httptest.NewRequest("GET", "/api/stream", nil)
		r.Header.Set("Last-Event-ID", lastID)
		id, resume, err := lastEventID(r)
		if err != nil {
			var br *badRequest
			if !errors.As(err, &br) || len(br.params) != 1 || br.params[0].Name != "Last-Event-ID" {
				t.Fatalf("Last-Event-ID %q refused without naming it: %v", lastID, err)
			}
			return
		}
		if id < 0 || resume != (lastID != "") {
			t.Fatalf("Last-Event-ID %q read as %d, resume %v", lastID, id, resume)
		}
	})
}
