package api

import (
	"context"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/data"
)

func TestCachedResponseUsable(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		e       cachedResponse
		version uint64
		at      time.Time
		want    bool
	}{
		{"current version, long ago", cachedResponse{version: 7, computed: t0, cost: time.Millisecond}, 7, t0.Add(time.Hour), true},
		{"newer than the version read", cachedResponse{version: 8, computed: t0, cost: time.Millisecond}, 7, t0.Add(time.Hour), true},
		{"older version within ten times the cost", cachedResponse{version: 6, computed: t0, cost: 100 * time.Millisecond}, 7, t0.Add(900 * time.Millisecond), true},
		{"older version past ten times the cost", cachedResponse{version: 6, computed: t0, cost: 100 * time.Millisecond}, 7, t0.Add(1100 * time.Millisecond), false},
		{"older version, expensive, past maxStale", cachedResponse{version: 6, computed: t0, cost: time.Second}, 7, t0.Add(maxStale), false},
		{"older version, expensive, within maxStale", cachedResponse{version: 6, computed: t0, cost: time.Second}, 7, t0.Add(maxStale - time.Millisecond), true},
		{"older version, cheap", cachedResponse{version: 6, computed: t0, cost: 0}, 7, t0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.e.usable(tc.version, tc.at); got != tc.want {
				t.Errorf("usable = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestResponseCacheKeepsTheNewerVersion(t *testing.T) {
	c := newResponseCache(1 << 20)
	c.put("k", &cachedResponse{body: []byte("new"), version: 9})
	c.put("k", &cachedResponse{body: []byte("old"), version: 8})
	e, ok := c.get("k")
	if !ok || string(e.body) != "new" {
		t.Fatalf("after a late put of an older version: %v %q, want the newer body", ok, e.body)
	}
	if c.bytes != 3 {
		t.Errorf("bytes = %d, want 3", c.bytes)
	}
	c.put("k", &cachedResponse{body: []byte("newest"), version: 10})
	if e, _ := c.get("k"); string(e.body) != "newest" || c.bytes != 6 {
		t.Errorf("after a newer put: %q, %d bytes", e.body, c.bytes)
	}
}

// TestComputeSlotsAreShared: with two compute slots, one agency holds at
// most one, so another agency always finds one free.
func TestComputeSlotsAreShared(t *testing.T) {
	c := newResponseCache(1 << 20)
	c.workers = make(chan struct{}, 2)
	c.perAgency = 1
	as := func(agency string, d time.Duration) (context.Context, context.CancelFunc) {
		return context.WithTimeout(data.WithPrincipal(context.Background(), data.Principal{AgencyID: agency}), d)
	}
	a1, cancel := as("tj-dca", time.Minute)
	defer cancel()
	if err := c.acquire(a1); err != nil {
		t.Fatal(err)
	}
	// tj-dca's second computation waits, although a slot is free …
	a2, cancel2 := as("tj-dca", 50*time.Millisecond)
	defer cancel2()
	if err := c.acquire(a2); err == nil {
		t.Fatal("one agency took every compute slot")
	}
	// … which af-border gets at once.
	b, cancel3 := as("af-border", 50*time.Millisecond)
	defer cancel3()
	if err := c.acquire(b); err != nil {
		t.Fatalf("another agency found no slot: %v", err)
	}
	c.release(b)
	c.release(a1)
	if len(c.workers) != 0 || len(c.agencies["tj-dca"]) != 0 || len(c.agencies["af-border"]) != 0 {
		t.Errorf("slots left taken: %d global, %d tj-dca, %d af-border", len(c.workers), len(c.agencies["tj-dca"]), len(c.agencies["af-border"]))
	}
}

// TestNoCacheBudget: forced recomputations beyond a token's budget are
// answered from the cache.
func TestNoCacheBudget(t *testing.T) {
	c := newResponseCache(1 << 20)
	c.noCache = newLimiter(0.001, 3)
	n := 0
	for i := 0; i < 10; i++ {
		if c.noCache.allow("token:7") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d forced recomputations allowed, want the burst of 3", n)
	}
	if !c.noCache.allow("token:8") {
		t.Error("another token's budget was spent too")
	}
}
