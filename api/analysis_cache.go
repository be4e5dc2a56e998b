package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// responseCache keeps encoded analysis responses by key (the canonical
// query and the caller's visibility), each with the index version it was
// computed on, up to maxBytes in all; the least recently used go first.
//
// A response computed on an older version is still served for a while
// after it was computed: ten times as long as it took to compute, at most
// maxStale. Under a steady stream of writes every version is new, and
// without this each analysis would be recomputed on every request; with
// it an analysis key spends at most about a tenth of the time computing,
// and its answer is never more than maxStale (plus one computation)
// behind the index. Where the index has not changed, or the response was
// cheap, the answer is current.
//
// Computations are shared fairly: at most cap(workers) run at once, and
// one agency holds at most perAgency of them, so that one agency's heavy
// requests never leave another agency waiting for all of them. A
// "Cache-Control: no-cache" request forces a recomputation only within its
// token's budget (noCache); beyond it the stored answer is served as for
// any request.
type responseCache struct {
	flight    singleflight.Group
	workers   chan struct{} // one token per running computation
	perAgency int
	agencyMu  sync.Mutex
	agencies  map[string]chan struct{} // each agency's running computations
	noCache   *limiter
	mu        sync.Mutex
	entries   map[string]*cachedResponse
	bytes     int
	maxBytes  int
	tick      uint64
}

type cachedResponse struct {
	body      []byte
	mediaType string // Content-Type; "" is GeoJSON
	etag      string
	used      uint64
	version   uint64        // index version it was computed on
	computed  time.Time     // when the computation ended
	cost      time.Duration // how long it took
}

// maxStale bounds how long a response computed on an older index version
// is served; see responseCache.
const maxStale = 2 * time.Second

// usable reports whether e may answer a request while the index is at
// version: it is current, or recent compared with its cost.
func (e *cachedResponse) usable(version uint64, now time.Time) bool {
	return e.version >= version || now.Sub(e.computed) < min(10*e.cost, maxStale)
}

func newResponseCache(maxBytes int) *responseCache {
	n := runtime.GOMAXPROCS(0)
	return &responseCache{entries: map[string]*cachedResponse{}, maxBytes: maxBytes,
		workers: make(chan struct{}, n), perAgency: max(1, n-1), agencies: map[string]chan struct{}{}}
}

func (c *responseCache) get(key string) (*cachedResponse, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok {
		c.tick++
		e.used = c.tick
	}
	return e, ok
}

func (c *responseCache) put(key string, e *cachedResponse) {
	if len(e.body) > c.maxBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		if old.version > e.version {
			return // a computation on a newer version finished first
		}
		c.bytes -= len(old.body)
	}
	c.tick++
	e.used = c.tick
	c.entries[key] = e
	c.bytes += len(e.body)
	for c.bytes > c.maxBytes {
		var oldest string
		var ou uint64 = math.MaxUint64
		for k, v := range c.entries {
			if v.used < ou {
				oldest, ou = k, v.used
			}
		}
		c.bytes -= len(c.entries[oldest].body)
		delete(c.entries, oldest)
	}
}

// analysisKey is the cache key of a response: the endpoint, the sorted
// query, the caller's visibility and the generation of the sectors and
// border lines (sector risk and the analyses of a sector area or of the
// default corridor change with them).
func analysisKey(endpoint string, q url.Values, vis *geo.Visibility, refGen int64) string {
	var b strings.Builder
	b.WriteString(endpoint)
	b.WriteByte('?')
	b.WriteString(q.Encode()) // sorted by key
	b.WriteString("#v=")
	b.WriteString(vis.Key())
	b.WriteString("#g=")
	b.WriteString(strconv.FormatInt(refGen, 10))
	return b.String()
}

// etagNonce tells this process's ETags from those of another replica or
// an earlier run, whose index versions count differently.
var etagNonce = func() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}()

// analysisETag is the ETag of the response for key computed on the index
// version in this process.
func analysisETag(key string, version uint64) string {
	h := sha256.New()
	h.Write(etagNonce)
	h.Write([]byte(key))
	h.Write([]byte("#i="))
	h.Write([]byte(strconv.FormatUint(version, 10)))
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
}

// serveAnalysis answers an analysis request from the response cache, or
// with 304 when the client's ETag is current, or by computing it. compute
// returns the encoded body and the index version it was computed on.
// "Cache-Control: no-cache" in the request skips the stored response.
func serveAnalysis(w http.ResponseWriter, r *http.Request, live *data.Live, cache *responseCache,
	endpoint string, compute func(ctx context.Context, vis *geo.Visibility) ([]byte, uint64, error)) error {
	return serveAnalysisAs(w, r, live, cache, endpoint, "", compute)
}

// serveAnalysisAs is serveAnalysis of a body of mediaType ("": GeoJSON).
func serveAnalysisAs(w http.ResponseWriter, r *http.Request, live *data.Live, cache *responseCache,
	endpoint, mediaType string, compute func(ctx context.Context, vis *geo.Visibility) ([]byte, uint64, error)) error {
	ctx := r.Context()
	// Read your writes: the index pulls what this replica wrote. When it
	// cannot (the database unreachable), it answers as it stands, as it
	// does for analyses while PostgreSQL restarts.
	_ = live.CatchUp(ctx)
	vis, err := live.Visibility(ctx)
	if err != nil {
		return err
	}
	version := live.VisibleVersion(vis)
	key := analysisKey(endpoint, r.URL.Query(), vis, live.RefGeneration())
	etag := analysisETag(key, version)
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("Vary", "Authorization")
	inm := r.Header.Get("If-None-Match")
	notModified := func(etag string) bool {
		if inm == "" || !etagMatches(inm, etag) {
			return false
		}
		w.Header().Set("ETag", etag)
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	if notModified(etag) {
		return nil
	}
	noCache := strings.Contains(strings.ToLower(r.Header.Get("Cache-Control")), "no-cache")
	if noCache {
		p, _ := data.PrincipalFrom(ctx)
		noCache = cache.noCache.allow("token:" + strconv.Itoa(p.TokenID))
	}
	if !noCache {
		if e, ok := cache.get(key); ok && e.usable(version, time.Now()) {
			if !notModified(e.etag) {
				writeAnalysis(w, e)
			}
			return nil
		}
	}
	// Identical requests arriving together share one computation, and at
	// most cache.workers computations run at once: a request waiting for a
	// turn whose client goes away leaves the queue at once, so a burst of
	// abandoned requests cannot keep the processors busy afterwards.
	for attempt := 0; ; attempt++ {
		ch := cache.flight.DoChan(key+"#i="+strconv.FormatUint(version, 10), func() (any, error) {
			if err := cache.acquire(ctx); err != nil {
				return nil, err
			}
			defer cache.release(ctx)
			// While this request waited for its turn, another one may
			// have stored an answer it can use.
			if e, ok := cache.get(key); ok && !noCache && e.usable(version, time.Now()) {
				return e, nil
			}
			start := time.Now()
			body, version, err := compute(ctx, vis)
			if err != nil {
				return nil, err
			}
			now := time.Now()
			e := &cachedResponse{body: body, mediaType: mediaType, etag: analysisETag(key, version), version: version,
				computed: now, cost: now.Sub(start)}
			cache.put(key, e)
			return e, nil
		})
		select {
		case <-ctx.Done():
			return ctx.Err()
		case res := <-ch:
			// The computation ran for another request whose client left:
			// this one is still here, so compute again for it.
			if res.Err != nil && ctx.Err() == nil && attempt == 0 &&
				(errors.Is(res.Err, context.Canceled) || errors.Is(res.Err, context.DeadlineExceeded)) {
				continue
			}
			if res.Err != nil {
				return res.Err
			}
			writeAnalysis(w, res.Val.(*cachedResponse))
			return nil
		}
	}
}

// acquire waits for a computation slot or for ctx to end.
func (c *responseCache) acquire(ctx context.Context) error {
	p, _ := data.PrincipalFrom(ctx)
	c.agencyMu.Lock()
	mine, ok := c.agencies[p.AgencyID]
	if !ok {
		mine = make(chan struct{}, c.perAgency)
		c.agencies[p.AgencyID] = mine
	}
	c.agencyMu.Unlock()
	select {
	case mine <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case c.workers <- struct{}{}:
		if err := ctx.Err(); err != nil {
			<-c.workers
			<-mine
			return err
		}
		return nil
	case <-ctx.Done():
		<-mine
		return ctx.Err()
	}
}

func (c *responseCache) release(ctx context.Context) {
	<-c.workers
	p, _ := data.PrincipalFrom(ctx)
	c.agencyMu.Lock()
	mine := c.agencies[p.AgencyID]
	c.agencyMu.Unlock()
	<-mine
}

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

func writeAnalysis(w http.ResponseWriter, e *cachedResponse) {
	mt := e.mediaType
	if mt == "" {
		mt = mediaGeoJSON
	}
	w.Header().Set("ETag", e.etag)
	if mt == mediaMVT {
		writeTile(w, e.body)
		return
	}
	w.Header().Set("Content-Type", mt)
	w.Header().Set("Content-Length", strconv.Itoa(len(e.body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(e.body)
}
