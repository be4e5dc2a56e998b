package api_test

import (
	"context"
	"encoding/json"
	"testing"
)

// TestHotspotsSmallSample: Gi* on 5 events answers 200 with a warning
// naming the reason and no significant cell; on 100 events in many cells,
// no warning.
func TestHotspotsSmallSample(t *testing.T) {
	e := newEnv(t)
	seedEvents(t, e, 5)
	if err := e.live.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	type warning struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Events    int    `json:"events"`
		MinEvents int    `json:"min_events"`
	}
	var fc struct {
		Warning  *warning `json:"warning"`
		Features []struct {
			Properties struct {
				GiBin int `json:"gi_bin"`
			} `json:"properties"`
		} `json:"features"`
	}
	const path = "/api/hotspots?method=gistar&cell_m=5000&radius_m=12000&min_bin=0&bbox=67,36.5,73,38.5"
	getJSON(t, e, e.token, path, &fc)
	if fc.Warning == nil || fc.Warning.Code != "too_few_events" || fc.Warning.Events != 5 || fc.Warning.MinEvents != 30 || fc.Warning.Message == "" {
		t.Fatalf("warning %+v, want too_few_events on 5 events", fc.Warning)
	}
	for _, f := range fc.Features {
		if f.Properties.GiBin != 0 {
			t.Fatalf("a cell in bin %d on 5 events", f.Properties.GiBin)
		}
	}
	if len(fc.Features) == 0 {
		t.Error("min_bin=0 returned no cells")
	}
	seedEventsFrom(t, e, 5, 95)
	if err := e.live.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	fc.Warning = nil
	resp, b := e.do(t, "GET", path, "", "Cache-Control", "no-cache")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Warning != nil {
		t.Errorf("warning %+v on 100 events", fc.Warning)
	}
}
