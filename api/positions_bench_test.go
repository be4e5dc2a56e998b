package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/api"
	"github.com/borderwatch/borderwatch/data"
)

// fence k of the benchmark grid is the square [lon, lon+benchSide] ×
// [lat, lat+benchSide] of benchFence(k).
const benchSide = 0.02

func benchFence(k int) (lon, lat float64) {
	return 67.5 + float64(k%40)*0.1, 37.3 + float64(k/40)*0.05
}

// benchFleet is the benchmark's teams and devices.
type benchFleet struct {
	f       *posFixture
	secrets []string
}

func newBenchFleet(t *testing.T, devices int) *benchFleet {
	t.Helper()
	// A loaded machine must not turn slow requests into failures: the
	// benchmark measures throughput, the timeout is the service's policy.
	f := newPosFixture(t, func(c *api.Config) { c.RatePerSec = 0; c.MaxBodyBytes = 64 << 20; c.RequestTimeout = 5 * time.Minute })
	ctx := context.Background()
	rows, err := f.env.pool.Query(ctx, `INSERT INTO teams (name, agency_id, country, speed_kph, shift_h, crew, geom)
		SELECT 'bench-' || i, 'tj-dca', 'TJK', 60, 8, 4, ST_SetSRID(ST_MakePoint(68.6, 37.2), 4326)
		FROM generate_series(1, $1) i RETURNING id`, devices)
	if err != nil {
		t.Fatal(err)
	}
	var teams []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		teams = append(teams, id)
	}
	b := &benchFleet{f: f}
	for _, team := range teams {
		s, _, err := f.env.sys.CreateDevice(ctx, team, "bench")
		if err != nil {
			t.Fatal(err)
		}
		b.secrets = append(b.secrets, s)
	}
	return b
}

// addFences stores n zone_enter rules of tj-dca on the grid.
func (b *benchFleet) addFences(t *testing.T, n int) {
	t.Helper()
	if _, err := b.f.env.pool.Exec(context.Background(), `INSERT INTO alert_rules (agency_id, name, kind, zone_source, geom)
		SELECT 'tj-dca', 'fence ' || k, 'zone_enter', 'drawn',
		  ST_Multi(ST_MakeEnvelope(67.5 + (k % 40) * 0.1, 37.3 + (k / 40) * 0.05,
		                           67.5 + (k % 40) * 0.1 + $2, 37.3 + (k / 40) * 0.05 + $2, 4326))
		FROM generate_series(0, $1 - 1) k`, n, benchSide); err != nil {
		t.Fatal(err)
	}
}

func benchPost(client *http.Client, u, ctype string, body []byte) (data.IngestSummary, error) {
	var s data.IngestSummary
	resp, err := client.Post(u, ctype, bytes.NewReader(body))
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	return s, json.Unmarshal(b, &s)
}

// ingestRun sends, with 4 concurrent clients, each device of devs a batch
// of perDevice fixes (batch: one JSON array per device in Traccar
// Client's format; otherwise one OsmAnd request per fix), and returns the
// positions stored per second.
func (b *benchFleet) ingestRun(t *testing.T, devs []int, perDevice int, batch bool, start time.Time) float64 {
	t.Helper()
	jobs := make(chan []byte, 1024)
	var stored atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range jobs {
				var (
					s   data.IngestSummary
					err error
				)
				if batch {
					s, err = benchPost(client, b.f.env.srv.URL+"/api/positions", "application/json", body)
				} else {
					s, err = benchPost(client, b.f.env.srv.URL+string(body), "application/x-www-form-urlencoded", nil)
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				stored.Add(int64(s.Stored + s.Flagged))
			}
		}()
	}
	var bodies [][]byte
	for _, d := range devs {
		var items []string
		for i := range perDevice {
			at := start.Add(time.Duration(i) * 10 * time.Second)
			lat, lon := 37.25+float64(d%50)*0.01, 68.0+float64(i)*0.0005
			if batch {
				items = append(items, fmt.Sprintf(`{"location":{"timestamp":"%s","coords":{"latitude":%.6f,"longitude":%.6f,"speed":5}},"device_id":"%s"}`,
					at.UTC().Format(time.RFC3339), lat, lon, b.secrets[d]))
				continue
			}
			bodies = append(bodies, []byte(fmt.Sprintf("/api/positions?id=%s&lat=%.6f&lon=%.6f&timestamp=%d&speed=10",
				url.QueryEscape(b.secrets[d]), lat, lon, at.Unix())))
		}
		if batch {
			bodies = append(bodies, []byte("["+strings.Join(items, ",")+"]"))
		}
	}
	t0 := time.Now()
	for _, body := range bodies {
		jobs <- body
	}
	close(jobs)
	wg.Wait()
	el := time.Since(t0)
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if want := int64(len(devs) * perDevice); stored.Load() != want {
		t.Fatalf("stored %d of %d", stored.Load(), want)
	}
	return float64(stored.Load()) / el.Seconds()
}

// TestPositionIngestAndAlertLatency measures, when POSITIONS_BENCH_SECONDS
// is set (scripts/bench-positions.sh), the ingest rate in batches and one
// request per position, each without alert rules (the same run's
// baseline) and with 1,000 zone fences, and the latency from a fix's POST
// to its zone alert on an open stream with 200 devices reporting, beside
// the latency of the same fix's position entry (the baseline). Targets:
// ≥ 5,000 positions/s in batches, ≥ 1,000/s single, alert p99 ≤ 1 s.
func TestPositionIngestAndAlertLatency(t *testing.T) {
	secs, _ := strconv.Atoi(os.Getenv("POSITIONS_BENCH_SECONDS"))
	if secs <= 0 {
		t.Skip("POSITIONS_BENCH_SECONDS not set: run scripts/bench-positions.sh")
	}
	const devices = 200
	b := newBenchFleet(t, devices)
	all := make([]int, devices)
	for i := range all {
		all[i] = i
	}
	start := time.Now().Add(-12 * time.Hour).Truncate(time.Second)
	// Batches of 500 fixes: devices 0–99 without rules, 100–199 with.
	base := b.ingestRun(t, all[:100], 500, true, start)
	b.addFences(t, 1000)
	withFences := b.ingestRun(t, all[100:], 500, true, start)
	fmt.Printf("ingest, batches of 500 (4 clients): %.0f positions/s with 1,000 fences; baseline without rules %.0f/s; ratio %.2f (target ≥ 5,000/s)\n",
		withFences, base, withFences/base)
	// One request per fix, later fixes of the same devices: 500 requests
	// a side, so that a loaded machine still finishes in minutes.
	single := b.ingestRun(t, all[:100], 5, false, start.Add(3*time.Hour))
	if _, err := b.f.env.pool.Exec(context.Background(), `UPDATE alert_rules SET enabled = false`); err != nil {
		t.Fatal(err)
	}
	singleBase := b.ingestRun(t, all[100:], 5, false, start.Add(3*time.Hour))
	if _, err := b.f.env.pool.Exec(context.Background(), `UPDATE alert_rules SET enabled = true`); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ingest, one request per position (4 clients): %.0f positions/s with 1,000 fences; baseline without rules %.0f/s; ratio %.2f (target ≥ 1,000/s)\n",
		single, singleBase, single/singleBase)
	b.alertLatency(t, secs)
}

// alertLatency: every device reports every 5 s for secs seconds, stepping
// in and out of its fence, so that every other fix raises a zone alert.
func (b *benchFleet) alertLatency(t *testing.T, secs int) {
	planner := b.f.env.tokenFor(t, "tj-dca", "planner")
	alerts := openStream(t, b.f.env.srv.URL, planner, "types=alert", "")
	positions := openStream(t, b.f.env.srv.URL, planner, "types=position", "")
	var (
		mu   sync.Mutex
		sent = map[int64]time.Time{}
		wg   sync.WaitGroup
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	t0 := time.Now()
	for d := range b.secrets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lon, lat := benchFence(d * 5)
			time.Sleep(time.Duration(d) * 5 * time.Second / time.Duration(len(b.secrets)))
			for i := 0; time.Since(t0) < time.Duration(secs)*time.Second; i++ {
				x := lon + benchSide - 0.001 // inside, 100 m from the east edge
				if i%2 == 1 {
					x = lon + benchSide + 0.001 // outside
				}
				u := fmt.Sprintf("%s/api/positions?id=%s&lat=%.6f&lon=%.6f&timestamp=%d&speed=1", b.f.env.srv.URL,
					url.QueryEscape(b.secrets[d]), lat+benchSide/2, x, time.Now().UnixMilli())
				at := time.Now()
				s, err := benchPost(client, u, "application/x-www-form-urlencoded", nil)
				if err == nil && len(s.Results) == 1 && s.Results[0].ID != nil {
					mu.Lock()
					sent[*s.Results[0].ID] = at
					mu.Unlock()
				}
				time.Sleep(5 * time.Second)
			}
		}()
	}
	wg.Wait()
	time.Sleep(2 * time.Second)
	lat := collectLatency(alerts, &mu, sent, func(ev sseEvent) (int64, bool) {
		d, _ := ev.Data["detail"].(map[string]any)
		p, ok := d["position"].(float64)
		return int64(p), ok && ev.Data["kind"] == "zone_enter" && ev.Data["state"] == "raised"
	})
	posLat := collectLatency(positions, &mu, sent, func(ev sseEvent) (int64, bool) {
		p, ok := ev.Data["id"].(float64)
		return int64(p), ok
	})
	if len(lat) == 0 || len(posLat) == 0 {
		t.Fatalf("%d alerts, %d positions on the stream", len(lat), len(posLat))
	}
	p := func(xs []time.Duration, q float64) time.Duration { return xs[min(len(xs)-1, int(q*float64(len(xs))))] }
	fmt.Printf("fix POST → zone alert on the stream (%d devices, 1,000 fences, %d alerts): p50 %v, p99 %v, max %v (target p99 ≤ 1 s)\n",
		len(b.secrets), len(lat), p(lat, 0.5).Round(time.Millisecond), p(lat, 0.99).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	fmt.Printf("baseline, fix POST → its position entry (%d): p50 %v, p99 %v; ratio of p99 %.2f\n", len(posLat),
		p(posLat, 0.5).Round(time.Millisecond), p(posLat, 0.99).Round(time.Millisecond),
		float64(p(lat, 0.99))/float64(p(posLat, 0.99)))
}

// collectLatency drains the events that arrived and returns, sorted, the
// time from each matched fix's POST to its event.
func collectLatency(c *sseClient, mu *sync.Mutex, sent map[int64]time.Time, match func(sseEvent) (int64, bool)) []time.Duration {
	var out []time.Duration
	for {
		select {
		case ev := <-c.ch:
			id, ok := match(ev)
			if !ok {
				continue
			}
			mu.Lock()
			at, ok := sent[id]
			mu.Unlock()
			if ok {
				out = append(out, ev.At.Sub(at))
			}
		default:
			slices.Sort(out)
			return out
		}
	}
}
