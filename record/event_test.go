package record

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// seizure returns a valid seizure of qty kg of drug at Termiz.
func seizure(drug string, qty float64) Event {
	e := Event{Kind: KindSeizure, OccurredAt: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC),
		Location: orb.Point{67.28, 37.22}, AgencyID: "uz-border", Items: []Item{{Drug: drug, Quantity: qty}}}
	e.Normalize()
	return e
}

// fields returns the offending fields of err.
func fields(err error) []string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestValidateQuantities(t *testing.T) {
	for _, tc := range []struct {
		name      string
		drug      string
		qty       float64
		confirmed bool
		want      []string
	}{
		{"ordinary heroin", "heroin", 47.37, false, nil},
		{"zero kg refused", "heroin", 0, false, []string{"items[0].quantity"}},
		{"zero kg refused even confirmed", "opium", 0, true, []string{"items[0].quantity"}},
		{"negative", "opium", -1, false, []string{"items[0].quantity"}},
		{"at the heroin bound", "heroin", 3000, false, nil},
		{"9,999,999 kg of heroin unconfirmed", "heroin", 9999999, false, []string{"items[0].quantity"}},
		{"9,999,999 kg of heroin confirmed", "heroin", 9999999, true, nil},
		{"a record hashish seizure is plausible", "hashish", 236000, false, nil},
		{"beyond any number", "heroin", 2e7, true, []string{"items[0].quantity"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := seizure(tc.drug, tc.qty)
			e.Items[0].ConfirmedImplausible = tc.confirmed
			e.Normalize()
			if got := fields(e.Validate()); !slices.Equal(got, tc.want) {
				t.Errorf("fields %v, want %v (%v)", got, tc.want, e.Validate())
			}
		})
	}
}

func TestNormalizeKeepsConfirmationOnlyWhereImplausible(t *testing.T) {
	e := seizure("heroin", 12)
	e.Items = append(e.Items, Item{Drug: "opium", Quantity: 40000, ConfirmedImplausible: true})
	e.Items[0].ConfirmedImplausible = true
	e.Normalize()
	if e.Items[0].ConfirmedImplausible || !e.Items[1].ConfirmedImplausible {
		t.Errorf("confirmations %v %v, want false true", e.Items[0].ConfirmedImplausible, e.Items[1].ConfirmedImplausible)
	}
}

func TestEveryDrugHasAPlausibleMaximum(t *testing.T) {
	for _, d := range Drugs() {
		if PlausibleMax(d) <= 0 {
			t.Errorf("%s has no plausible maximum", d)
		}
	}
	if len(plausibleMax) != len(Drugs()) {
		t.Errorf("%d bounds for %d drugs", len(plausibleMax), len(Drugs()))
	}
}

func TestAdmit(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	// A square around Termiz stands for a covered country's outline.
	square := orb.MultiPolygon{{{{66, 36}, {69, 36}, {69, 39}, {66, 39}, {66, 36}}}}
	shaped := Area{Bound: ServiceArea, Shape: square, Name: "the square"}
	for _, tc := range []struct {
		name string
		at   time.Time
		p    orb.Point
		area Area
		want []string
	}{
		{"now", now, orb.Point{67.28, 37.22}, shaped, nil},
		{"within the clock skew", now.Add(MaxClockSkew - time.Second), orb.Point{67.28, 37.22}, shaped, nil},
		{"beyond the clock skew", now.Add(MaxClockSkew + time.Second), orb.Point{67.28, 37.22}, shaped, []string{"occurred_at"}},
		{"in 2031", time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), orb.Point{67.28, 37.22}, shaped, []string{"occurred_at"}},
		{"Moscow", now, orb.Point{37.62, 55.75}, DefaultArea(), []string{"geometry"}},
		{"in the box, outside the shape", now, orb.Point{54.4, 31.9}, shaped, []string{"geometry"}},
		{"in the box without a shape", now, orb.Point{54.4, 31.9}, DefaultArea(), nil},
		{"both", now.AddDate(1, 0, 0), orb.Point{37.62, 55.75}, shaped, []string{"occurred_at", "geometry"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := seizure("heroin", 1)
			e.OccurredAt, e.Location = tc.at, tc.p
			if got := fields(e.Admit(now, tc.area)); !slices.Equal(got, tc.want) {
				t.Errorf("fields %v, want %v", got, tc.want)
			}
		})
	}
}
