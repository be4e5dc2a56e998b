package geo_test

import (
	"math"
	"slices"
	"testing"

	"github.com/borderwatch/borderwatch/geo"
)

func TestPoissonRateTestWorkedExamples(t *testing.T) {
	// Exact values computed by hand from the binomial probabilities
	// C(n,i) π^i (1−π)^(n−i); the minimum-likelihood two-sided p-value sums
	// every outcome at most as likely as the observed one.
	for _, tc := range []struct {
		name   string
		k1     int
		t1     float64
		k0     int
		t0     float64
		want   float64
		reason string
	}{
		{"10 vs 2, equal periods", 10, 1, 2, 1, 158.0 / 4096, "n=12, π=1/2: 2·(66+12+1)/4096"},
		{"5 vs 1, equal periods", 5, 1, 1, 1, 14.0 / 64, "n=6, π=1/2: (1+6+6+1)/64"},
		{"3 vs 0, now a third of the time", 3, 1, 0, 2, 1.0 / 27, "n=3, π=1/3: only i=3 is as unlikely"},
		{"1 vs 9, now a third of the time", 1, 1, 9, 2, 10665.0 / 59049,
			"n=10, π=1/3, f(i)·3^10 = C(10,i)·2^(10−i): i∈{0,1,6,…,10} → 1024+5120+3360+960+180+20+1"},
		{"equal counts", 4, 1, 4, 1, 1, "k1 = nπ"},
		{"no events", 0, 1, 0, 1, 1, "n = 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := geo.PoissonRateTest(tc.k1, tc.t1, tc.k0, tc.t0)
			if math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("p = %.15f, want %.15f (%s)", got, tc.want, tc.reason)
			}
		})
	}
}

func TestNewRateChange(t *testing.T) {
	c := geo.NewRateChange(10, 365, 2, 365)
	if c.Direction != "increase" || math.Abs(c.RateRatio-5) > 1e-12 {
		t.Errorf("10 vs 2: %+v", c)
	}
	c = geo.NewRateChange(2, 365, 10, 365)
	if c.Direction != "decrease" {
		t.Errorf("2 vs 10: %+v", c)
	}
	c = geo.NewRateChange(5, 365, 1, 365)
	if c.Direction != "none" {
		t.Errorf("5 vs 1 is not significant at 0.05: %+v", c)
	}
	c = geo.NewRateChange(3, 365, 0, 365)
	if !math.IsNaN(c.RateRatio) || c.Before != 0 {
		t.Errorf("rate ratio against 0 events must be NaN: %+v", c)
	}
}

func TestParseRiskWeights(t *testing.T) {
	w, err := geo.ParseRiskWeights("weights", "seizures:1, kg:0")
	if err != nil {
		t.Fatal(err)
	}
	def := geo.DefaultRiskWeights()
	if w.Seizures != 1 || w.KG != 0 || w.Incidents != def.Incidents || w.Trend != def.Trend {
		t.Errorf("got %+v", w)
	}
	for _, bad := range []string{"seizures", "seizures:-1", "speed:1", "seizures:NaN",
		"seizures:0,kg:0,incidents:0,hotspots:0,trend:0", "kg:1e400"} {
		if _, err := geo.ParseRiskWeights("weights", bad); err == nil {
			t.Errorf("%q accepted", bad)
		} else if pe, ok := err.(*geo.ParamError); !ok || pe.Param != "weights" {
			t.Errorf("%q: error %v, want a *geo.ParamError naming weights", bad, err)
		}
	}
}

func TestRiskScoresAndRanks(t *testing.T) {
	// Worked example of docs/statistics.md, "Sector risk score": three
	// zones, weights seizures 1 and kg 1 (the others 0).
	cs := []geo.RiskComponents{{Seizures: 2, KG: 15}, {Seizures: 1, KG: 1}, {}, {Seizures: 1, KG: 1}}
	w := geo.RiskWeights{Seizures: 1, KG: 1}
	scores, mx := geo.RiskScores(cs, w)
	if mx.Seizures != 2 || mx.KG != 15 || mx.Incidents != 0 {
		t.Errorf("maxima %+v", mx)
	}
	want := []float64{100, 100 * (1.0/2 + 1.0/15) / 2, 0, 100 * (1.0/2 + 1.0/15) / 2}
	for i := range want {
		if math.Abs(scores[i]-want[i]) > 1e-9 {
			t.Errorf("score %d = %.9f, want %.9f", i, scores[i], want[i])
		}
	}
	if got := geo.CompetitionRanks(scores, nil); got[0] != 1 || got[1] != 2 || got[3] != 2 || got[2] != 4 {
		t.Errorf("ranks %v, want [1 2 4 2]", got)
	}
	if got := geo.CompetitionRanks(scores, []string{"a", "b", "a", "b"}); got[0] != 1 || got[2] != 2 || got[1] != 1 || got[3] != 1 {
		t.Errorf("ranks by group %v, want [1 1 2 1]", got)
	}
}

func TestParseRiskWeightsMessages(t *testing.T) {
	for in, want := range map[string]string{
		"seizures":    `weights: "seizures" is not name:weight`,
		"seizures:-1": `weights: weight of "seizures" must be a non-negative number`,
		"speed:1":     `weights: unknown component "speed"; use seizures, kg, incidents, hotspots or trend`,
		"seizures:0,kg:0,incidents:0,hotspots:0,trend:0": "weights: the weights must not all be 0",
	} {
		if _, err := geo.ParseRiskWeights("weights", in); err == nil || err.Error() != want {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

// TestCompetitionRanksActiveFirst: a zone with nothing in the period ranks
// after every zone with something, whatever its score; ties within each
// tier share a rank, and groups rank apart.
func TestCompetitionRanksActiveFirst(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scores []float64
		active []bool
		group  []string
		want   []int
	}{
		{"inactive high score goes last", []float64{40, 10, 5}, []bool{false, true, true}, nil, []int{3, 1, 2}},
		{"ties within a tier share a rank", []float64{7, 7, 9, 9, 1}, []bool{true, true, false, false, true}, nil, []int{1, 1, 4, 4, 3}},
		{"equal scores across tiers do not tie", []float64{3, 3}, []bool{false, true}, nil, []int{2, 1}},
		{"groups", []float64{50, 20, 30, 10}, []bool{false, true, true, false}, []string{"a", "a", "b", "b"}, []int{2, 1, 1, 2}},
		{"nil active is CompetitionRanks", []float64{40, 10, 5}, nil, nil, []int{1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := geo.CompetitionRanksActiveFirst(tc.scores, tc.active, tc.group); !slices.Equal(got, tc.want) {
				t.Errorf("ranks %v, want %v", got, tc.want)
			}
		})
	}
}
