package seed

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/borderwatch/borderwatch/data"
)

// demoAgreements are the sharing agreements of the demo: Border Liaison
// Office pairs across the Afghan border see each other's bilateral records
// coarsened to a 5 km cell and the day, without personal data; agencies of
// one country share in full, personal data included.
var demoAgreements = []data.Agreement{
	{AgencyA: "af-border", AgencyB: "tj-border", CoarsenM: ptr(5000.0), CoarsenTime: ptr("day"), Note: "BLO pair Panji Poyon / Sher Khan Bandar (demo)"},
	{AgencyA: "af-border", AgencyB: "uz-border", CoarsenM: ptr(5000.0), CoarsenTime: ptr("day"), Note: "BLO pair Termez / Hairatan (demo)"},
	{AgencyA: "tj-border", AgencyB: "tj-dca", Note: "national exchange (demo)", PersonalData: true},
	{AgencyA: "kg-border", AgencyB: "tj-border", Note: "Fergana valley exchange (demo)"},
}

// demoUsers are the web-client accounts the demo creates, one per agency
// whose records the demo shows, with the role a planner of that agency has.
var demoUsers = []struct{ agency, role string }{
	{"tj-border", "admin"}, {"tj-dca", "analyst"}, {"uz-border", "planner"},
	{"af-border", "analyst"}, {"kg-border", "planner"}, {"tm-border", "planner"},
}

func ptr[T any](v T) *T { return &v }

// DemoLogin is a web-client account DemoAccess created.
type DemoLogin struct {
	Username, Password, Role string
}

// DemoAccess sets the demo's sharing agreements and creates its users with
// fresh random passwords, which it returns: they are shown once and never
// stored in the clear.
func DemoAccess(ctx context.Context, store *data.Store) ([]DemoLogin, error) {
	for _, a := range demoAgreements {
		if _, err := store.EstablishAgreement(ctx, a); err != nil {
			return nil, fmt.Errorf("demo agreement %s-%s: %w", a.AgencyA, a.AgencyB, err)
		}
	}
	var out []DemoLogin
	for _, u := range demoUsers {
		b := make([]byte, 9)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		password := base64.RawURLEncoding.EncodeToString(b)
		name := u.agency
		if _, err := store.CreateUser(ctx, name, u.agency, u.role, password); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", name, err)
		}
		out = append(out, DemoLogin{Username: name, Password: password, Role: u.role})
	}
	return out, nil
}
