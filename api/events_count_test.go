package api_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
)

// TestNumberMatchedFromTheIndexEqualsThePages: a first page that does not
// hold every match takes numberMatched from the live index; it must equal
// the number of events the pages hold, for an unrestricted viewer and for
// a partner who sees records coarsened, with and without a datetime.
func TestNumberMatchedFromTheIndexEqualsThePages(t *testing.T) {
	e := newEnv(t)
	seedAnalysisEvents(t, e, 480)
	if err := e.live.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(3))
	for _, viewer := range []string{"tj-dca", "uz-border", "af-border"} {
		tok := e.tokenFor(t, viewer, "viewer")
		t.Run(viewer, func(t *testing.T) {
			multi := 0
			for i := 0; i < 40; i++ {
				w := 0.05 + rng.Float64()*0.6
				lon, lat := 68.3+rng.Float64()*1.2, 36.8+rng.Float64()*1.2
				q := fmt.Sprintf("/collections/events/items?limit=7&bbox=%.4f,%.4f,%.4f,%.4f", lon, lat, lon+w, lat+w*0.6)
				if i%3 == 0 {
					q += "&datetime=2020-01-01/2020-09-30"
				}
				ids, matched := collectAs(t, e, tok, q)
				if int(matched) != len(ids) {
					t.Errorf("%s: numberMatched %v, pages hold %d", q, matched, len(ids))
				}
				if len(ids) > 7 {
					multi++
				}
			}
			if multi < 5 {
				t.Fatalf("only %d queries had more than one page", multi)
			}
		})
	}
}
