package record

import (
	"slices"
	"testing"
)

func TestEntityKeys(t *testing.T) {
	by := 1984
	// Spellings of one name in Cyrillic and Latin share their keys; the
	// document number loses its separators.
	e := Entity{Kind: EntityPerson, Person: &Person{Name: "Абдуллоев  Фарҳод", BirthYear: &by,
		OtherNames: []string{"ABDULLOEV Farhod", "Abdullaev Farhod"},
		Documents:  []Document{{Kind: "passport", Number: "400 123-456"}}}}
	got := EntityKeys(e)
	want := []EntityKey{{KeyName, "abdulaiv farxad"}, {KeySkeleton, "bdlv frxd"}, {KeyDocument, "400123456"}}
	if !slices.Equal(got, want) {
		t.Fatalf("person keys %q, want %q", got, want)
	}
	for _, k := range got {
		if !k.Personal() {
			t.Errorf("key %v of a person is not personal", k)
		}
	}
	// A plate with Cyrillic look-alike letters, or in full-width forms, is
	// the Latin plate.
	for _, plate := range []string{"4521АВ03", "４５２１ ＡＢ-03", "4521 ab 03"} {
		v := Entity{Kind: EntityVehicle, Vehicle: &Vehicle{Plate: plate}}
		if got := EntityKeys(v); len(got) != 1 || got[0] != (EntityKey{KeyPlate, "4521AB03"}) || got[0].Personal() {
			t.Errorf("plate %q keys %q", plate, got)
		}
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
