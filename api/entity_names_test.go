package api

import (
	"testing"

	"github.com/borderwatch/borderwatch/record"
)

// TestEntityNamesInBothScripts: the served entity carries its name (a
// person's or group's name, a plate) in Latin and Cyrillic letters, and
// nothing of a person's name when personal data is withheld.
func TestEntityNamesInBothScripts(t *testing.T) {
	tests := []struct {
		name          string
		e             record.Entity
		latin, cyrill string
	}{
		{"tajik person", record.Entity{Kind: record.EntityPerson, Personal: true, Person: &record.Person{Name: "Қодиров Ҷамшед"}},
			"Qodirov Jamshed", "Кодиров Джамшед"},
		{"uzbek latin person", record.Entity{Kind: record.EntityPerson, Personal: true, Person: &record.Person{Name: "Xoʻjayev Sardor"}},
			"Xoʻjayev Sardor", "Худжаев Сардор"},
		{"withheld person", record.Entity{Kind: record.EntityPerson, Personal: false, Person: &record.Person{Name: "Қодиров Ҷамшед", Nationality: "TJK"}},
			"", ""},
		{"group", record.Entity{Kind: record.EntityGroup, Personal: false, Group: &record.Group{Name: "Kulob network"}},
			"Kulob network", "Кулоб нетворк"},
		{"plate", record.Entity{Kind: record.EntityVehicle, Personal: false, Vehicle: &record.Vehicle{Plate: "4521 AB 03"}},
			"4521 AB 03", "4521 АБ 03"},
		{"consignment", record.Entity{Kind: record.EntityConsignment, Personal: true, Consignment: &record.Consignment{Description: "flour"}},
			"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := entityToJSON(tc.e)
			if j.NameLatin != tc.latin || j.NameCyrillic != tc.cyrill {
				t.Errorf("name_latin %q, name_cyrillic %q; want %q, %q", j.NameLatin, j.NameCyrillic, tc.latin, tc.cyrill)
			}
		})
	}
}
