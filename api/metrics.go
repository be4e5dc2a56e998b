package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/borderwatch/borderwatch/data"
)

// Metrics holds the service's Prometheus collectors in a registry of its
// own (no global state). They are served by Handler on a listener of their
// own (serve -metrics-addr, loopback by default), never on the public API:
// counts of every event and request would tell a caller about records it
// may not see.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
	// pages counts the pages of the events collection by where they were
	// chosen (index, database); bodies counts their features by whether
	// the feature cache held them (hit, miss).
	pages  *prometheus.CounterVec
	bodies *prometheus.CounterVec
}

// Gauge is a value a component outside api reports as a metric, such as
// the live index's size or its notification lag.
type Gauge struct {
	Name, Help string
	Value      func() float64
}

// NewMetrics makes the collectors: requests by route, latency, requests in
// flight, the database pool, the Go runtime, and gauges.
func NewMetrics(store *data.Store, gauges []Gauge) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "borderwatch_http_requests_total", Help: "HTTP requests by route, method and status.",
	}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "borderwatch_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "borderwatch_http_requests_in_flight", Help: "Requests being served now.",
	})
	m.pages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "borderwatch_event_pages_total", Help: "Pages of the events collection by where they were chosen (index or database).",
	}, []string{"source"})
	m.bodies = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "borderwatch_event_feature_cache_total", Help: "Features of index-chosen pages by whether the feature cache held them (hit or miss).",
	}, []string{"result"})
	m.reg.MustRegister(m.requests, m.latency, m.inflight, m.pages, m.bodies,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, st := range []struct {
		state string
		pick  func(a, i, t, mx int32) int32
	}{
		{"acquired", func(a, _, _, _ int32) int32 { return a }},
		{"idle", func(_, i, _, _ int32) int32 { return i }},
		{"total", func(_, _, t, _ int32) int32 { return t }},
		{"max", func(_, _, _, mx int32) int32 { return mx }},
	} {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "borderwatch_db_pool_connections", Help: "Database pool connections by state.",
			ConstLabels: prometheus.Labels{"state": st.state},
		}, func() float64 { return float64(st.pick(store.PoolStats())) }))
	}
	for _, g := range gauges {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: g.Name, Help: g.Help}, g.Value))
	}
	return m
}

// instrument counts and times every request by its route pattern.
func (m *Metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inflight.Inc()
		defer m.inflight.Dec()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := chi.RouteContext(r.Context()).RoutePattern()
		if route == "" {
			route = "unmatched"
		}
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
		m.latency.WithLabelValues(route, r.Method).Observe(time.Since(start).Seconds())
	})
}

// eventPage counts a page of the events collection chosen in the index or
// the database.
func (m *Metrics) eventPage(fromIndex bool) {
	if fromIndex {
		m.pages.WithLabelValues("index").Inc()
		return
	}
	m.pages.WithLabelValues("database").Inc()
}

// featureBodies counts the features of an index-chosen page found in the
// feature cache and those read from the database.
func (m *Metrics) featureBodies(hits, misses int) {
	if hits > 0 {
		m.bodies.WithLabelValues("hit").Add(float64(hits))
	}
	if misses > 0 {
		m.bodies.WithLabelValues("miss").Add(float64(misses))
	}
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// LiveGauges returns the live index's metrics: its size, the delay of the
// last change applied, the time of its last successful pull and whether
// its change feed is connected.
func LiveGauges(live *data.Live) []Gauge {
	return []Gauge{
		{Name: "borderwatch_live_index_events", Help: "Events in the in-memory hotspot index.",
			Value: func() float64 { return float64(live.Len()) }},
		{Name: "borderwatch_live_notify_lag_seconds", Help: "Delay between the last applied change's write (start of its transaction) and its arrival in the index.",
			Value: func() float64 { return live.Lag().Seconds() }},
		{Name: "borderwatch_live_last_sync_timestamp_seconds", Help: "Unix time of the index's last successful pull of changes.",
			Value: func() float64 {
				t := live.LastSync()
				if t.IsZero() {
					return 0
				}
				return float64(t.UnixNano()) / 1e9
			}},
		{Name: "borderwatch_live_connected", Help: "1 when the index's change feed is listening, else 0.",
			Value: func() float64 {
				if live.Ready() {
					return 1
				}
				return 0
			}},
	}
}
