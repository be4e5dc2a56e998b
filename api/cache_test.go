package api

import (
	"testing"
	"time"
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
