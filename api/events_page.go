package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch/data"
)

// eventPages serves pages of the events collection from the live index
// and a cache of encoded features, without the database in the common
// case. The live index chooses the page (ids, order, numberMatched, next)
// for the caller's visibility (data.Live.EventPage); each feature's JSON
// comes from the cache under its data.EventKey (id, version, the form the
// caller sees it in); a missing one is read through the caller's events
// view (data.Store.EventsByKey), which confirms the key, encoded as the
// database path encodes it and kept. The answer is byte for byte the one
// the database path gives (TestIndexPagesEqualTheDatabasePages); whenever
// the index cannot vouch for that (changes not yet pulled, filters it does
// not hold, a key the view does not confirm) the caller takes the
// database path.
type eventPages struct {
	store *data.Store
	live  *data.Live
	cache *featureCache
	m     *Metrics
}

// serve writes the page of eq from the index and reports whether it did;
// false means nothing was written and the caller reads the database.
func (p *eventPages) serve(w http.ResponseWriter, r *http.Request, eq data.EventQuery) (bool, error) {
	page, ok, err := p.live.EventPage(r.Context(), eq)
	if err != nil || !ok {
		return false, err
	}
	bodies := make([][]byte, len(page.Keys))
	missing := p.cache.get(page.Keys, bodies)
	p.m.featureBodies(len(page.Keys)-len(missing), len(missing))
	if len(missing) > 0 {
		keys := make([]data.EventKey, len(missing))
		for j, i := range missing {
			keys[j] = page.Keys[i]
		}
		events, ok, err := p.store.EventsByKey(r.Context(), keys)
		if err != nil || !ok {
			return false, err
		}
		for j, e := range events {
			b, err := json.Marshal(eventToFeature(e))
			if err != nil {
				return false, err
			}
			p.cache.put(keys[j], b)
			bodies[missing[j]] = b
		}
	}
	next := ""
	if page.Next != nil {
		next = page.Next.String()
	}
	b := appendEventCollection(make([]byte, 0, collectionSize(bodies)), bodies, page.NumberMatched,
		time.Now().UTC().Format(time.RFC3339), pageLinks(r, next))
	w.Header().Set("Content-Type", mediaGeoJSON)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return true, nil
}

// collectionSize is a generous estimate of a collection's length.
func collectionSize(bodies [][]byte) int {
	n := 512
	for _, b := range bodies {
		n += len(b) + 1
	}
	return n
}

// appendEventCollection appends the items response of the events
// collection with the given encoded features, as encode writes an
// eventCollection: the same fields in the same order, numberMatched left
// out when negative, and a newline.
func appendEventCollection(b []byte, features [][]byte, matched int64, timeStamp string, links []link) []byte {
	b = append(b, `{"type":"FeatureCollection","features":[`...)
	for i, f := range features {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, f...)
	}
	b = append(b, ']')
	if matched >= 0 {
		b = append(b, `,"numberMatched":`...)
		b = strconv.AppendInt(b, matched, 10)
	}
	b = append(b, `,"numberReturned":`...)
	b = strconv.AppendInt(b, int64(len(features)), 10)
	b = append(b, `,"timeStamp":`...)
	b = appendJSONString(b, timeStamp)
	b = append(b, `,"links":[`...)
	for i, l := range links {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"href":`...)
		b = appendJSONString(b, l.Href)
		b = append(b, `,"rel":`...)
		b = appendJSONString(b, l.Rel)
		if l.Type != "" {
			b = append(b, `,"type":`...)
			b = appendJSONString(b, l.Type)
		}
		if l.Title != "" {
			b = append(b, `,"title":`...)
			b = appendJSONString(b, l.Title)
		}
		b = append(b, '}')
	}
	return append(b, "]}\n"...)
}

// featureCache keeps encoded features by key, up to about maxBytes: two
// generations of maps, the older dropped when the newer fills half the
// budget, a hit in the older moved to the newer (a cheap approximation of
// least recently used). Entries are never stale: a key names one version
// of a record in one form, and a changed record gets a new key.
type featureCache struct {
	mu       sync.Mutex
	cur, old map[data.EventKey][]byte
	curBytes int64
	maxBytes int64
}

func newFeatureCache(maxBytes int64) *featureCache {
	return &featureCache{cur: map[data.EventKey][]byte{}, maxBytes: maxBytes}
}

// get fills out[i] with the feature of keys[i] where it is cached and
// returns the indices of the others.
func (c *featureCache) get(keys []data.EventKey, out [][]byte) (missing []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, k := range keys {
		if b, ok := c.cur[k]; ok {
			out[i] = b
			continue
		}
		if b, ok := c.old[k]; ok {
			out[i] = b
			c.add(k, b)
			continue
		}
		missing = append(missing, i)
	}
	return missing
}

// put keeps the feature b of key k.
func (c *featureCache) put(k data.EventKey, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.add(k, b)
}

// add puts k in the newer generation, starting a new one when it is full.
func (c *featureCache) add(k data.EventKey, b []byte) {
	if _, ok := c.cur[k]; ok {
		return
	}
	if c.curBytes+int64(len(b)) > c.maxBytes/2 {
		c.old, c.cur, c.curBytes = c.cur, make(map[data.EventKey][]byte, len(c.cur)), 0
	}
	c.cur[k] = b
	c.curBytes += int64(len(b))
}
