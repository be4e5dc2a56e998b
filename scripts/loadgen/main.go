// Command loadgen drives a running Borderwatch over loopback and prints
// what it measured. It is bounded in requests and time and stops by itself.
//
//	loadgen read   -url U -token T [-duration 20s -conns 32 -mix items,hotspots,sectors -writers 0 -threads 2]
//	loadgen write  -url U -token T [-writers 50 -duration 15s -acked FILE]
//	loadgen verify -db OWNER_DATABASE_URL -acked FILE [-agency A]
//	loadgen drop   -url U -token T [-duration 15s -conns 64]
//	loadgen probe  -url U -token T [-n 20]
//
// read reports throughput and p50/p99 latency per endpoint (with -writers,
// also of new events posted meanwhile): items are feature reads with a
// random bbox and datetime window, pan are bbox-only reads of a 0.5° × 0.3°
// window as a desktop GIS sends while the map is panned; probe sends
// single feature reads one after another, to show how a service answers
// right after a burst; write posts
// events from many writers that retry with the same Idempotency-Key until
// acknowledged and records every acknowledged source_ref; verify checks that
// each acknowledged event is stored exactly once and nothing else was.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loadgen read|write|verify [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "read":
		err = runRead(os.Args[2:])
	case "write":
		err = runWrite(os.Args[2:])
	case "verify":
		err = runVerify(os.Args[2:])
	case "drop":
		err = runDrop(os.Args[2:])
	case "probe":
		err = runProbe(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// loopbackOnly refuses any target that is not on this machine.
func loopbackOnly(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	ips, err := net.LookupIP(u.Hostname())
	if err != nil {
		return err
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("%s is not a loopback address; loadgen only targets this machine", u.Host)
		}
	}
	return nil
}

func client(conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: time.Minute,
	}}
}

// stats collects latencies and statuses of one endpoint.
type stats struct {
	mu       sync.Mutex
	lat      []time.Duration
	statuses map[int]int
	errs     int
}

func (s *stats) add(d time.Duration, status int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.statuses == nil {
		s.statuses = map[int]int{}
	}
	if err != nil {
		s.errs++
		return
	}
	s.lat = append(s.lat, d)
	s.statuses[status]++
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return sorted[i]
}

// window returns a random bbox of the study area between 0.1° and 1° wide.
func window(rng *rand.Rand) string {
	w := 0.1 + rng.Float64()*0.9
	lon := 61 + rng.Float64()*(75-61-w)
	lat := 35 + rng.Float64()*(41.5-35-w)
	return fmt.Sprintf("%.4f,%.4f,%.4f,%.4f", lon, lat, lon+w, lat+w)
}

// panWindow returns a random 0.5° × 0.3° bbox of the study area, the view
// of a map panned at a regional scale.
func panWindow(rng *rand.Rand) string {
	lon := 61 + rng.Float64()*(75-61-0.5)
	lat := 35 + rng.Float64()*(41.5-35-0.3)
	return fmt.Sprintf("%.4f,%.4f,%.4f,%.4f", lon, lat, lon+0.5, lat+0.3)
}

func dateWindow(rng *rand.Rand) string {
	start := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, rng.Intn(72), 0)
	return start.Format("2006-01-02") + "/" + start.AddDate(0, 1+rng.Intn(12), 0).Format("2006-01-02")
}

func runRead(args []string) error {
	fs := flag.NewFlagSet("read", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "service URL (loopback only)")
	token := fs.String("token", os.Getenv("BORDERWATCH_TOKEN"), "API token (env BORDERWATCH_TOKEN)")
	duration := fs.Duration("duration", 20*time.Second, "how long to run (at most 5m)")
	conns := fs.Int("conns", 32, "concurrent connections")
	mix := fs.String("mix", "items", "comma-separated endpoints: items, pan, hotspots, sectors")
	maxReq := fs.Int("max-requests", 2_000_000, "stop after this many requests")
	writers := fs.Int("writers", 0, "additional connections that post new events meanwhile (endpoint writes)")
	threads := fs.Int("threads", 2, "OS threads running Go code (GOMAXPROCS)")
	_ = fs.Parse(args)
	runtime.GOMAXPROCS(*threads)
	if err := loopbackOnly(*base); err != nil {
		return err
	}
	if *duration > 5*time.Minute {
		*duration = 5 * time.Minute
	}
	kinds := strings.Split(*mix, ",")
	per := map[string]*stats{}
	for _, k := range kinds {
		per[k] = &stats{}
	}
	var names []string // endpoints in the order given, once each
	for _, k := range kinds {
		if !slices.Contains(names, k) {
			names = append(names, k)
		}
	}
	if *writers > 0 {
		per["writes"] = &stats{}
		names = append(names, "writes")
	}
	hc := client(*conns + *writers)
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var sent atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *conns; w++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed))
			for i := 0; ctx.Err() == nil && sent.Add(1) <= int64(*maxReq); i++ {
				k := kinds[i%len(kinds)]
				var path string
				switch k {
				case "items":
					path = "/collections/events/items?limit=100&bbox=" + window(rng) + "&datetime=" + dateWindow(rng)
				case "pan":
					path = "/collections/events/items?limit=100&bbox=" + panWindow(rng)
				case "hotspots":
					path = "/api/hotspots?method=gistar&cell_m=5000&radius_m=12000&min_bin=1"
				case "sectors":
					path = "/api/sectors/risk?from=2024&to=2024"
				default:
					path = "/" + k
				}
				req, _ := http.NewRequestWithContext(ctx, "GET", *base+path, nil)
				req.Header.Set("Authorization", "Bearer "+*token)
				req.Header.Set("Accept", "application/json")
				if !timed(ctx, hc, req, per[k]) {
					return
				}
			}
		}(int64(w + 1))
	}
	prefix := fmt.Sprintf("loadmix-%d", time.Now().UnixNano())
	for w := 0; w < *writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(1000 + w)))
			for n := 0; ctx.Err() == nil; n++ {
				body := newEventBody(rng, fmt.Sprintf("%s-%d-%d", prefix, w, n))
				req, _ := http.NewRequestWithContext(ctx, "POST", *base+"/collections/events/items", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+*token)
				req.Header.Set("Content-Type", "application/geo+json")
				if !timed(ctx, hc, req, per["writes"]) {
					return
				}
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	fmt.Printf("%-10s %9s %10s %9s %9s %s\n", "endpoint", "requests", "req/s", "p50 ms", "p99 ms", "statuses")
	for _, k := range names {
		s := per[k]
		sort.Slice(s.lat, func(i, j int) bool { return s.lat[i] < s.lat[j] })
		fmt.Printf("%-10s %9d %10.0f %9.2f %9.2f %v errors=%d\n", k, len(s.lat), float64(len(s.lat))/elapsed,
			float64(pct(s.lat, 0.50).Microseconds())/1000, float64(pct(s.lat, 0.99).Microseconds())/1000, s.statuses, s.errs)
	}
	total := 0
	for _, k := range names {
		total += len(per[k].lat)
	}
	// The generator's own CPU time, so that the CPU a request costs can be
	// told apart from how busy the (shared) machine was.
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil && total > 0 {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		fmt.Printf("loadgen: %d requests, cpu %.3f ms/request\n", total, float64(cpu.Microseconds())/1000/float64(total))
	}
	return nil
}

func runWrite(args []string) error {
	fs := flag.NewFlagSet("write", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "service URL (loopback only)")
	token := fs.String("token", os.Getenv("BORDERWATCH_TOKEN"), "analyst token (env BORDERWATCH_TOKEN)")
	writers := fs.Int("writers", 50, "concurrent writers")
	duration := fs.Duration("duration", 15*time.Second, "how long to write (at most 5m)")
	acked := fs.String("acked", "acked.txt", "file receiving one acknowledged source_ref per line")
	prefix := fs.String("prefix", fmt.Sprintf("load-%d", time.Now().UnixNano()), "source_ref prefix of this run")
	messageTo := fs.String("message-to", "", "also send notices to this partner agency: every -message-every-th write of a writer (text: the ref; acked as \"message REF\")")
	messageEvery := fs.Int("message-every", 4, "with -message-to, one write in this many is a message")
	_ = fs.Parse(args)
	if err := loopbackOnly(*base); err != nil {
		return err
	}
	if *messageTo != "" && *messageEvery < 1 {
		return errors.New("-message-every must be at least 1")
	}
	if *duration > 5*time.Minute {
		*duration = 5 * time.Minute
	}
	f, err := os.Create(*acked)
	if err != nil {
		return err
	}
	defer f.Close()
	var mu sync.Mutex
	out := bufio.NewWriter(f)
	hc := client(*writers)
	deadline := time.Now().Add(*duration)
	var ok, retries, failed atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < *writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for n := 0; time.Now().Before(deadline); n++ {
				ref := fmt.Sprintf("%s-%d-%d", *prefix, w, n)
				path, ctype, line, body := "/collections/events/items", "application/geo+json", ref, newEventBody(rng, ref)
				if *messageTo != "" && n%*messageEvery == *messageEvery-1 {
					path, ctype, line = "/api/messages", "application/json", "message "+ref
					body, _ = json.Marshal(map[string]any{"kind": "notice", "urgency": "routine", "text": ref,
						"recipients": []string{*messageTo}})
				}
				// Retry with the same key until acknowledged or the run
				// ends; an unacknowledged write may or may not be stored.
				for attempt := 0; ; attempt++ {
					req, _ := http.NewRequest("POST", *base+path, bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+*token)
					req.Header.Set("Content-Type", ctype)
					req.Header.Set("Idempotency-Key", ref)
					resp, err := hc.Do(req)
					status := 0
					if err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						status = resp.StatusCode
					}
					if status == http.StatusCreated {
						ok.Add(1)
						mu.Lock()
						fmt.Fprintln(out, line)
						mu.Unlock()
						break
					}
					if status >= 400 && status < 500 && status != 429 {
						failed.Add(1)
						break
					}
					if time.Now().After(deadline.Add(30 * time.Second)) {
						failed.Add(1)
						break
					}
					retries.Add(1)
					time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
				}
			}
		}(w)
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if err := out.Flush(); err != nil {
		return err
	}
	fmt.Printf("acknowledged %d writes (%.0f/s), %d retries, %d given up\n", ok.Load(), float64(ok.Load())/duration.Seconds(), retries.Load(), failed.Load())
	return nil
}

// timed sends req, reads the whole answer and records its latency and
// status in st. It returns false, recording nothing, once ctx has ended.
func timed(ctx context.Context, hc *http.Client, req *http.Request, st *stats) bool {
	t0 := time.Now()
	resp, err := hc.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if ctx.Err() != nil {
		return false
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	st.add(time.Since(t0), status, err)
	return true
}

// newEventBody returns a synthetic heroin seizure near the Afghan–Tajik
// border with the given source_ref, as a GeoJSON Feature.
func newEventBody(rng *rand.Rand, ref string) []byte {
	body, _ := json.Marshal(map[string]any{"type": "Feature",
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{67.5 + rng.Float64()*4, 37 + rng.Float64()}},
		"properties": map[string]any{"kind": "seizure", "occurred_at": time.Now().UTC().Format(time.RFC3339),
			"source_ref": ref, "synthetic": true,
			"items": []map[string]any{{"drug": "heroin", "quantity": 1 + rng.Float64()*20, "unit": "kg"}}}})
	return body
}

func runVerify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ExitOnError)
	db := fs.String("db", cmp.Or(os.Getenv("OWNER_DATABASE_URL"), os.Getenv("DATABASE_URL")),
		"the database owner's connection, which sees every record (env OWNER_DATABASE_URL, else DATABASE_URL)")
	acked := fs.String("acked", "acked.txt", "acknowledged source_refs")
	prefix := fs.String("prefix", "", "source_ref prefix of the run (to find unacknowledged extras)")
	replicas := fs.String("replicas", "", "comma-separated metrics URLs (serve -metrics-addr) of the replicas whose live index must agree with the database")
	_ = fs.Parse(args)
	b, err := os.ReadFile(*acked)
	if err != nil {
		return err
	}
	var refs, messages []string
	for _, l := range strings.Split(string(b), "\n") {
		if m, ok := strings.CutPrefix(l, "message "); ok {
			messages = append(messages, m)
		} else if l = strings.TrimSpace(l); l != "" {
			refs = append(refs, l)
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, *db)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if err := verifyMessages(ctx, conn, messages); err != nil {
		return err
	}
	rows, err := conn.Query(ctx, `SELECT source_ref, count(*) FROM event_records WHERE source_ref = ANY($1) GROUP BY 1`, refs)
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for rows.Next() {
		var r string
		var n int
		if err := rows.Scan(&r, &n); err != nil {
			return err
		}
		counts[r] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var missing, dup int
	for _, r := range refs {
		switch counts[r] {
		case 0:
			missing++
		case 1:
		default:
			dup++
		}
	}
	extra := 0
	if *prefix != "" {
		var total int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM event_records WHERE source_ref LIKE $1 || '-%'`, *prefix).Scan(&total); err != nil {
			return err
		}
		extra = total - len(counts)
	}
	fmt.Printf("acknowledged %d, stored exactly once %d, missing %d, duplicated %d, stored but unacknowledged %d\n",
		len(refs), len(refs)-missing-dup, missing, dup, extra)
	if missing > 0 || dup > 0 {
		return errors.New("acknowledged writes were lost or duplicated")
	}
	if *replicas == "" {
		return nil
	}
	var inDB int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM event_records`).Scan(&inDB); err != nil {
		return err
	}
	for _, base := range strings.Split(*replicas, ",") {
		if err := loopbackOnly(base); err != nil {
			return err
		}
		// The index follows within a second; give it a little longer.
		var got string
		for i := 0; i < 50; i++ {
			got, err = metric(base, "borderwatch_live_index_events")
			if err != nil {
				return err
			}
			if got == strconv.Itoa(inDB) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		fmt.Printf("replica %s: live index holds %s events, the database %d\n", base, got, inDB)
		if got != strconv.Itoa(inDB) {
			return fmt.Errorf("replica %s disagrees with the database", base)
		}
	}
	return nil
}

// verifyMessages checks that each acknowledged message (its text is its
// ref) is stored exactly once, with its delivery to the recipient.
func verifyMessages(ctx context.Context, conn *pgx.Conn, refs []string) error {
	if len(refs) == 0 {
		return nil
	}
	var once, delivered int
	if err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n = 1 AND d > 0)
		FROM (SELECT m.body, count(DISTINCT m.id) AS n, count(r.message_id) AS d FROM messages m
		      LEFT JOIN message_recipients r ON r.message_id = m.id
		      WHERE m.body = ANY($1) GROUP BY m.body) x`, refs).Scan(&once, &delivered); err != nil {
		return err
	}
	fmt.Printf("messages: acknowledged %d, stored exactly once %d, with their delivery %d\n", len(refs), once, delivered)
	if once != len(refs) || delivered != len(refs) {
		return errors.New("acknowledged messages were lost, duplicated or not delivered")
	}
	return nil
}

// metric reads one unlabelled metric from a service's metrics listener.
func metric(base, name string) (string, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			// Prometheus prints whole numbers in exponent form past 1e6.
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return "", err
			}
			return strconv.FormatInt(int64(f), 10), nil
		}
	}
	return "", fmt.Errorf("%s: no %s", base, name)
}

// runDrop sends a burst of requests whose clients give up mid-request
// (random timeouts of 1–30 ms, so requests are cancelled while the service
// queries the database or writes the answer), then checks that the service
// still answers normally and holds no database connection.
func runDrop(args []string) error {
	fs := flag.NewFlagSet("drop", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "service URL (loopback only)")
	metrics := fs.String("metrics", "http://127.0.0.1:9464", "the service's metrics URL (serve -metrics-addr)")
	token := fs.String("token", os.Getenv("BORDERWATCH_TOKEN"), "API token (env BORDERWATCH_TOKEN)")
	duration := fs.Duration("duration", 15*time.Second, "length of the burst (at most 2m)")
	conns := fs.Int("conns", 64, "concurrent clients")
	_ = fs.Parse(args)
	if err := loopbackOnly(*base); err != nil {
		return err
	}
	if *duration > 2*time.Minute {
		*duration = 2 * time.Minute
	}
	paths := []string{
		"/collections/events/items?limit=1000",
		"/collections/events/items?limit=100&bbox=67,36,72,39",
		"/api/hotspots?method=kde&cell_m=3000&bandwidth_m=15000&Cache-Control=",
		"/api/sectors/risk",
		"/collections/borders/items",
	}
	sent, dropped := dropBurst(*base, *token, paths, *duration, *conns)
	fmt.Printf("burst: %d requests, %d dropped by the client before the answer\n", sent, dropped)
	hc := client(4)
	worst, err := answersAfterBurst(hc, *base, *token)
	if err != nil {
		return err
	}
	acquired, err := checkedOutConnections(hc, *metrics)
	if err != nil {
		return err
	}
	fmt.Printf("after the burst: 50 requests answered 200, slowest %.1f ms; database connections still checked out: %s\n",
		float64(worst.Microseconds())/1000, acquired)
	if acquired != "0" {
		return errors.New("database connections leaked by dropped requests")
	}
	return nil
}

// dropBurst runs conns clients for duration, each sending requests that it
// abandons after 1–30 ms or part-way through the body, and returns how many
// were sent and how many were dropped before the answer.
func dropBurst(base, token string, paths []string, duration time.Duration, conns int) (sent, dropped int64) {
	deadline := time.Now().Add(duration)
	var nSent, nDropped atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed))
			tr := &http.Transport{DisableKeepAlives: rng.Intn(2) == 0}
			defer tr.CloseIdleConnections()
			for time.Now().Before(deadline) {
				path := paths[rng.Intn(len(paths))]
				if strings.Contains(path, "Cache-Control") {
					path = strings.Replace(path, "&Cache-Control=", "", 1)
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(1+rng.Intn(30))*time.Millisecond)
				req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Cache-Control", "no-cache")
				resp, err := tr.RoundTrip(req)
				nSent.Add(1)
				if err != nil {
					nDropped.Add(1)
				} else {
					// Read a little, then hang up mid-body.
					_, _ = io.CopyN(io.Discard, resp.Body, int64(rng.Intn(4096)))
					resp.Body.Close()
				}
				cancel()
			}
		}(int64(w + 100))
	}
	wg.Wait()
	return nSent.Load(), nDropped.Load()
}

// runProbe sends n feature reads one after another (alternating a bbox and
// datetime window with a bbox-only one) and prints the median and slowest.
func runProbe(args []string) error {
	fs := flag.NewFlagSet("probe", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "service URL (loopback only)")
	token := fs.String("token", os.Getenv("BORDERWATCH_TOKEN"), "API token (env BORDERWATCH_TOKEN)")
	n := fs.Int("n", 20, "number of requests")
	_ = fs.Parse(args)
	if err := loopbackOnly(*base); err != nil {
		return err
	}
	hc := client(1)
	rng := rand.New(rand.NewSource(99))
	var lat []time.Duration
	for i := 0; i < *n; i++ {
		path := "/collections/events/items?limit=100&bbox=" + panWindow(rng)
		if i%2 == 0 {
			path = "/collections/events/items?limit=100&bbox=" + window(rng) + "&datetime=" + dateWindow(rng)
		}
		req, _ := http.NewRequest("GET", *base+path, nil)
		req.Header.Set("Authorization", "Bearer "+*token)
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("probe: %w", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("probe: status %d", resp.StatusCode)
		}
		lat = append(lat, time.Since(t0))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("%d single reads: median %.2f ms, slowest %.2f ms\n", len(lat),
		float64(pct(lat, 0.5).Microseconds())/1000, float64(lat[len(lat)-1].Microseconds())/1000)
	return nil
}

// answersAfterBurst sends 50 ordinary requests, which must all answer 200,
// and returns the slowest time.
func answersAfterBurst(hc *http.Client, base, token string) (time.Duration, error) {
	var worst time.Duration
	for i := 0; i < 50; i++ {
		req, _ := http.NewRequest("GET", base+"/collections/events/items?limit=10&bbox=68,37,69,38", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return 0, fmt.Errorf("after the burst: %w", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("after the burst: status %d", resp.StatusCode)
		}
		if d := time.Since(t0); d > worst {
			worst = d
		}
	}
	return worst, nil
}

// checkedOutConnections reads the service's pool gauge from its metrics until no database
// connection is checked out (for up to 5 s) and returns its last value.
func checkedOutConnections(hc *http.Client, metrics string) (string, error) {
	var acquired string
	for i := 0; i < 50; i++ {
		req, _ := http.NewRequest("GET", metrics+"/metrics", nil)
		resp, err := hc.Do(req)
		if err != nil {
			return "", err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, `borderwatch_db_pool_connections{state="acquired"}`) {
				acquired = strings.TrimSpace(strings.TrimPrefix(line, `borderwatch_db_pool_connections{state="acquired"}`))
			}
		}
		// The /metrics request itself holds none.
		if acquired == "0" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return acquired, nil
}
