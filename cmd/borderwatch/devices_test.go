package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestDeviceCLI registers a device with --team, lists it without its
// secret, revokes it, and refuses a team that does not exist.
func TestDeviceCLI(t *testing.T) {
	ctx := context.Background()
	conn, getenv := cliDB(t)
	cli := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append([]string{"borderwatch"}, args...), getenv, &out, &errb)
		return out.String(), err
	}
	if _, err := conn.Exec(ctx, `INSERT INTO countries (iso3, name, source, license, geom) VALUES
		('TJK', 'Tajikistan', 't', 't', ST_Multi(ST_MakeEnvelope(67, 36.6, 75, 41, 4326)));
		INSERT INTO teams (name, agency_id, country, speed_kph, shift_h, crew, geom)
		VALUES ('MOBIT', 'tj-dca', 'TJK', 60, 8, 6, ST_SetSRID(ST_MakePoint(68.6, 37.2), 4326))`); err != nil {
		t.Fatal(err)
	}
	out, err := cli("device", "create", "--team", "1", "-label", "leader")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^id: (bwd_[A-Za-z0-9_-]{43})$`).FindStringSubmatch(out)
	if m == nil || !strings.HasPrefix(out, "device 1 of team 1 (tj-dca)") {
		t.Fatalf("device create printed %q", out)
	}
	if out, err = cli("device", "list"); err != nil || !strings.Contains(out, "leader") || strings.Contains(out, m[1]) ||
		!strings.Contains(out, "active") {
		t.Fatalf("device list: %v %q", err, out)
	}
	if out, err = cli("device", "revoke", "1"); err != nil || out != "device 1 revoked\n" {
		t.Fatalf("device revoke: %v %q", err, out)
	}
	if out, err = cli("device", "list"); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("device list after revoke: %v %q", err, out)
	}
	if _, err := cli("device", "create", "-team", "99"); err == nil || !strings.Contains(err.Error(), "no team 99") {
		t.Fatalf("a device for a missing team: %v", err)
	}
}
