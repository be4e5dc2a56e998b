package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// maxSimKPH is the fastest a simulated team drives (the service flags
// jumps faster than 300 km/h as implausible).
const maxSimKPH = 250

// knotKPH is one knot in km/h (the OsmAnd protocol sends speed in knots).
const knotKPH = 1.852

// simTeam is one team driven along its planned route.
type simTeam struct {
	route  data.PlannedRoute
	secret string
	device int
	kph    float64
	doneM  float64
	done   bool
}

// runSimulate drives the teams of a stored plan along their routes in
// real time (faster with -speedup) through the public position protocol:
// every -every, each team's device sends its position as OsmAnd does, to
// a running server. Each team gets a fresh device, revoked at the end.
func runSimulate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	server := fs.String("server", envOr(getenv, "BORDERWATCH_URL", "http://localhost:8080"), "the running server (or BORDERWATCH_URL)")
	plan := fs.String("plan", "", "id of the plan to drive (default: the newest)")
	every := fs.Duration("every", 5*time.Second, "how often each device reports")
	speedup := fs.Float64("speedup", 1, "drive this many times the team's speed (capped at 250 km/h)")
	limit := fs.Duration("duration", 0, "stop after this long (default: when every route is driven)")
	battery := fs.Float64("battery-drain", 10, "battery percent each device loses per hour of driving")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *every < 100*time.Millisecond || *speedup <= 0 {
		return errors.New("simulate: -every must be at least 100ms and -speedup positive")
	}
	return withCLIStore(ctx, *dbURL, getenv, func(store *data.Store) error {
		routes, err := store.PlannedRoutes(ctx, *plan)
		if err != nil {
			return fmt.Errorf("simulate: %w (store a plan first, e.g. with the web client or POST /api/patrols/plan)", err)
		}
		teams := make([]*simTeam, 0, len(routes))
		defer func() {
			for _, t := range teams {
				_ = store.RevokeDevice(context.WithoutCancel(ctx), t.device)
			}
		}()
		for _, r := range routes {
			secret, d, err := store.CreateDevice(ctx, r.TeamID, "simulate")
			if err != nil {
				return err
			}
			t := &simTeam{route: r, secret: secret, device: d.ID, kph: min(r.SpeedKPH**speedup, maxSimKPH)}
			teams = append(teams, t)
			fmt.Fprintf(stdout, "team %d %s: %.1f km at %.0f km/h, device %d\n", r.TeamID, r.TeamName,
				lineKM(r.Line), t.kph, d.ID)
		}
		fmt.Fprintf(stdout, "plan %s: driving %d teams, reporting to %s every %s\n", routes[0].PlanID, len(teams), *server, *every)
		return drive(ctx, teams, strings.TrimRight(*server, "/"), *every, *limit, *battery, stderr)
	})
}

func lineKM(ls orb.LineString) float64 { return orbgeo.Length(ls) / 1000 }

// drive moves every team along its route as time passes and reports each
// one's position every interval, until every route is driven, limit has
// passed or ctx ends. Progress goes to a terminal on w.
func drive(ctx context.Context, teams []*simTeam, server string, every, limit time.Duration, drainPerH float64, w io.Writer) error {
	client := &http.Client{Timeout: 10 * time.Second}
	bar := newProgressBar(w, -1)
	defer bar.finish()
	var (
		sent, refused atomic.Int64
		lastErr       atomic.Value
	)
	start := time.Now()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		elapsed := time.Since(start)
		var wg sync.WaitGroup
		active, drivenM, totalM := 0, 0.0, 0.0
		for _, t := range teams {
			totalM += orbgeo.Length(t.route.Line)
			if t.done {
				drivenM += orbgeo.Length(t.route.Line)
				continue
			}
			active++
			t.doneM = t.kph / 3.6 * elapsed.Seconds()
			p, bearing, done := geo.PointAlong(t.route.Line, t.doneM)
			t.done = done
			drivenM += min(t.doneM, orbgeo.Length(t.route.Line))
			batt := max(5, 100-drainPerH*elapsed.Hours())
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := reportOsmAnd(ctx, client, server, t.secret, p, bearing, t.kph/knotKPH, batt); err != nil {
					refused.Add(1)
					lastErr.Store(err.Error())
					return
				}
				sent.Add(1)
			}()
		}
		wg.Wait()
		line := fmt.Sprintf("%s  %d of %d teams driving  %d fixes sent  %d refused  %.0f%% of the routes driven",
			elapsed.Truncate(time.Second), active, len(teams), sent.Load(), refused.Load(), 100*drivenM/max(totalM, 1))
		if e, ok := lastErr.Load().(string); ok {
			line += "  last error: " + e
		}
		bar.line(line)
		if active == 0 || (limit > 0 && elapsed >= limit) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// reportOsmAnd sends one fix as OsmAnd's online tracking does: a GET with
// the protocol's query parameters (speed in knots).
func reportOsmAnd(ctx context.Context, client *http.Client, server, secret string, p orb.Point, bearing, knots, batt float64) error {
	q := url.Values{}
	q.Set("id", secret)
	q.Set("lat", fmt.Sprintf("%.6f", p[1]))
	q.Set("lon", fmt.Sprintf("%.6f", p[0]))
	// Milliseconds, as Traccar Client sends them: two reports within one
	// second are two fixes, not a duplicate of the first.
	q.Set("timestamp", fmt.Sprint(time.Now().UnixMilli()))
	q.Set("speed", fmt.Sprintf("%.1f", knots))
	q.Set("bearing", fmt.Sprintf("%.0f", bearing))
	q.Set("batt", fmt.Sprintf("%.0f", batt))
	q.Set("accuracy", "10")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, server+"/api/positions?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s", resp.Status)
	}
	return nil
}
