package record

import (
	"slices"
	"testing"
)

func TestEntityKeys(t *testing.T) {
	by := 1984
	e := Entity{Kind: EntityPerson, Person: &Person{Name: "Абдуллоев  Фарҳод", BirthYear: &by,
		OtherNames: []string{"ABDULLOEV Farhod", "abdulloev-farhod", "Abdulloev Farhod"},
		Documents:  []Document{{Kind: "passport", Number: "400 123-456"}}}}
	got := EntityKeys(e)
	want := []EntityKey{{KeyName, "абдуллоевфарҳод"}, {KeyName, "abdulloevfarhod"}, {KeyDocument, "400123456"}}
	if !slices.Equal(got, want) {
		t.Fatalf("person keys %v, want %v", got, want)
	}
	// NFKC: full-width digits and letters fold to their plain forms.
	v := Entity{Kind: EntityVehicle, Vehicle: &Vehicle{Plate: "４５２１ ＡＢ-03"}}
	if got := EntityKeys(v); len(got) != 1 || got[0] != (EntityKey{KeyPlate, "4521ab03"}) || got[0].Personal() {
		t.Fatalf("plate keys %v", got)
	}
	if got := EntityKeys(Entity{Kind: EntityGroup, Group: &Group{Name: "Kulob"}}); len(got) != 0 {
		t.Fatalf("a group has keys %v", got)
	}
}

func TestDetectScript(t *testing.T) {
	for name, want := range map[string]string{
		"Абдуллоев Фарҳод": "Cyrl", "Abdulloev Farhod": "Latn", "عبدالله رحیمی": "Arab", "Qodirov Oʻktam": "Latn",
		"1984": "",
	} {
		if got := DetectScript(name); got != want {
			t.Errorf("DetectScript(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestEntityRoles(t *testing.T) {
	if err := CheckEventRole("driver", EntityVehicle); !slices.Equal(FieldNames(err), []string{"role"}) {
		t.Errorf("a vehicle as driver: %v", err)
	}
	if err := CheckEventRole("vehicle", EntityVehicle); err != nil {
		t.Errorf("a vehicle as vehicle: %v", err)
	}
	if err := CheckLinkRole("member_of", EntityPerson, EntityGroup); err != nil {
		t.Errorf("person member_of group: %v", err)
	}
	if err := CheckLinkRole("member_of", EntityGroup, EntityPerson); !slices.Equal(FieldNames(err), []string{"role"}) {
		t.Errorf("group member_of person: %v", err)
	}
}
