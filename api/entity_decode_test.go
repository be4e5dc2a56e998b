package api

import (
	"errors"
	"testing"

	"github.com/borderwatch/borderwatch/record"
)

var entitySeeds = []string{
	`{"kind": "person", "person": {"name": "Абдуллоев Фарҳод", "other_names": ["Abdulloev Farhod"], "birth_date": "1984-03-02",
	  "nationality": "TJK", "documents": [{"kind": "passport", "number": "400123456", "country": "TJK"}]}}`,
	`{"kind": "vehicle", "sharing": "bilateral", "vehicle": {"plate": "4521 AB 03", "plate_country": "TJK", "kind": "truck"}}`,
	`{"kind": "consignment", "consignment": {"description": "flour", "weight_kg": 20000, "container_no": "MSKU1234565"}}`,
	`{"kind": "group", "group": {"name": "Kulob network"}}`,
	`{"kind": "person", "person": {"name": "عبدالله", "birth_year": 1850}}`,
	`{"kind": "person", "vehicle": {}}`,
	`{"kind": "person", "person": {"name": "x", "documents": [{"number": 5}]}}`,
	`{"kind": "vehicle", "vehicle": {"weight_kg": -1}}`,
}

// FuzzDecodeEntity feeds arbitrary bodies through the strict decoder and
// the conversion to an entity: no panic, every failure is a client error
// naming a field, and what is accepted validates and has keys that are
// letters and digits only.
func FuzzDecodeEntity(f *testing.F) {
	for _, s := range entitySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if jsonDepth([]byte(body)) > maxJSONDepth {
			return
		}
		var j entityJSON
		if err := decodeBytes([]byte(body), &j); err != nil {
			var br *badRequest
			if !errors.As(err, &br) || len(br.params) == 0 {
				t.Fatalf("decode error without a field: %v", err)
			}
			return
		}
		e, err := jsonToEntity(j, "tj-dca")
		if err != nil {
			if len(record.FieldNames(err)) == 0 {
				var br *badRequest
				if !errors.As(err, &br) || len(br.params) == 0 {
					t.Fatalf("conversion error without a field: %v", err)
				}
			}
			return
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("accepted an entity that does not validate: %v", err)
		}
		for _, k := range record.EntityKeys(e) {
			if k.Key == "" || len([]rune(k.Key)) > 300 {
				t.Fatalf("key %+v out of bounds", k)
			}
		}
	})
}
