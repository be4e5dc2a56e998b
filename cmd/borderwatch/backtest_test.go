package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestBacktestCommand runs `borderwatch backtest` on a small demo history:
// the JSON has one score per origin and candidate, the table names every
// candidate and marks the JSON's best, and bad flags are refused.
func TestBacktestCommand(t *testing.T) {
	url, _ := demoDatabase(t, 3000)
	ctx := context.Background()
	backtest := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"borderwatch", "backtest", "-db", url}, args...), noEnv, &out, &errOut)
		return out.String(), err
	}
	out, err := backtest("-periods", "4", "-method", "kde", "-format", "json", "-until", "2025-07-01")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Origins []string `json:"origins"`
		Best    string   `json:"best"`
		Methods []struct {
			Name   string           `json:"name"`
			Scores []map[string]any `json:"scores"`
		} `json:"methods"`
		Parameters map[string]any `json:"parameters"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(doc.Origins) != 4 || doc.Origins[3] != "2025-06-01T00:00:00Z" || len(doc.Methods) != 3 || doc.Best == "" {
		t.Fatalf("origins %v, %d methods, best %q", doc.Origins, len(doc.Methods), doc.Best)
	}
	for _, m := range doc.Methods {
		if len(m.Scores) != 4 {
			t.Errorf("%s: %d scores", m.Name, len(m.Scores))
		}
	}
	table, err := backtest("-periods", "4", "-method", "kde", "-until", "2025-07-01")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range doc.Methods {
		name := m.Name
		if name == doc.Best {
			name += " *"
		}
		if !strings.Contains(table, name) {
			t.Errorf("the table lacks %q:\n%s", name, table)
		}
	}
	for _, bad := range [][]string{{"-format", "xml"}, {"-method", "oracle"}, {"-until", "2025-07-01", "-as-of", "2025-08-01"}, {"-periods", "0"}} {
		if _, err := backtest(bad...); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
