package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/borderwatch/borderwatch/api"
	"github.com/borderwatch/borderwatch/data"
)

// defaultAddr is where `serve` listens unless told otherwise: loopback, so
// that a service started for a try-out is not reachable from the network.
const defaultAddr = "127.0.0.1:8080"

// defaultMetricsAddr is where `serve` exposes its metrics: on loopback, on
// a listener of its own, never on the public API (they count every request
// and event, which would tell an agency about records it may not see).
const defaultMetricsAddr = "127.0.0.1:9464"

// serveConfig is the validated configuration of `borderwatch serve`.
type serveConfig struct {
	addr            string
	dbURL           string
	ownerURL        string
	allowPrivileged bool
	logFormat       string
	requestTimeout  time.Duration
	shutdownTimeout time.Duration
	maxConns        int
	migrate         bool
	tlsCert         string
	tlsKey          string
	ratePerSec      float64
	rateBurst       int
	maxBodyBytes    int64
	featureCacheMB  int64
	pprofAddr       string
	metricsAddr     string
	auditKey        string
	ackDeadlines    data.AckDeadlines
	stream          data.StreamConfig
	streamMaxAge    time.Duration
	silenceEvery    time.Duration
	area            *areaConfig
}

func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c serveConfig
	fs.StringVar(&c.addr, "addr", envOr(getenv, "ADDR", defaultAddr), "listen address (env ADDR); loopback unless you choose otherwise")
	fs.StringVar(&c.dbURL, "db", getenv("DATABASE_URL"), "the service's PostgreSQL connection string (env DATABASE_URL): a login that is a member of bw_app only")
	fs.StringVar(&c.ownerURL, "owner-db", getenv("OWNER_DATABASE_URL"), "the database owner's connection string (env OWNER_DATABASE_URL), used only to apply pending migrations at start")
	fs.BoolVar(&c.allowPrivileged, "allow-privileged-db", getenv("ALLOW_PRIVILEGED_DB") == "1", "start even if the service's login is a superuser, BYPASSRLS, CREATEROLE or the owner (env ALLOW_PRIVILEGED_DB=1; development only)")
	fs.StringVar(&c.logFormat, "log-format", envOr(getenv, "LOG_FORMAT", "json"), "json or text (env LOG_FORMAT)")
	fs.DurationVar(&c.requestTimeout, "request-timeout", 30*time.Second, "upper bound of every request")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 20*time.Second, "how long SIGTERM waits for in-flight requests")
	fs.IntVar(&c.maxConns, "max-conns", 0, "database pool size (0: pgx default)")
	fs.BoolVar(&c.migrate, "migrate", true, "apply pending migrations at start (as -owner-db's role)")
	fs.StringVar(&c.tlsCert, "tls-cert", getenv("TLS_CERT"), "TLS certificate file (env TLS_CERT); with -tls-key serves HTTPS")
	fs.StringVar(&c.tlsKey, "tls-key", getenv("TLS_KEY"), "TLS private key file (env TLS_KEY)")
	fs.Float64Var(&c.ratePerSec, "rate-limit", 100, "requests per second allowed per API token (0: unlimited)")
	fs.IntVar(&c.rateBurst, "rate-burst", 200, "burst of requests allowed per API token")
	fs.Int64Var(&c.maxBodyBytes, "max-body", 1<<20, "largest request body in bytes")
	fs.Int64Var(&c.featureCacheMB, "feature-cache-mb", api.DefaultConfig().FeatureCacheBytes>>20,
		"megabytes of encoded event features kept for pages chosen in the live index (0: every page of events from the database)")
	fs.StringVar(&c.auditKey, "audit-key", getenv("AUDIT_KEY"), "Ed25519 private key (PEM) that signs every audit entry (env AUDIT_KEY; made by: borderwatch audit keygen)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", envOr(getenv, "METRICS_ADDR", defaultMetricsAddr), "serve Prometheus metrics on this address, apart from the API (env METRICS_ADDR; \"off\" for none)")
	dl := data.DefaultAckDeadlines()
	fs.DurationVar(&c.ackDeadlines.Urgent, "ack-urgent", dl.Urgent, "an urgent message not acknowledged within this is overdue (0: never)")
	fs.DurationVar(&c.ackDeadlines.Flash, "ack-flash", dl.Flash, "a flash message not acknowledged within this is overdue (0: never)")
	fs.IntVar(&c.stream.PerToken, "streams-per-token", 4, "live streams one token may hold open on this replica")
	fs.IntVar(&c.stream.PerAgency, "streams-per-agency", 64, "live streams one agency may hold open on this replica")
	fs.DurationVar(&c.streamMaxAge, "stream-max-age", 30*time.Minute, "a live stream ends after this; the client resumes it (and authenticates again)")
	fs.DurationVar(&c.silenceEvery, "silence-check-every", 30*time.Second, "how often teams on shift are checked for silence (one replica at a time, by an advisory lock)")
	c.area = areaFlags(fs, getenv)
	fs.StringVar(&c.pprofAddr, "pprof-addr", "", "serve Go profiles on this loopback address (e.g. 127.0.0.1:6060); off when empty")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.dbURL == "" {
		return c, errors.New("no database: set -db or DATABASE_URL")
	}
	if c.logFormat != "json" && c.logFormat != "text" {
		return c, fmt.Errorf("-log-format must be json or text, not %q", c.logFormat)
	}
	if c.requestTimeout <= 0 {
		return c, errors.New("-request-timeout must be positive")
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return c, errors.New("-tls-cert and -tls-key go together")
	}
	if c.ackDeadlines.Urgent < 0 || c.ackDeadlines.Flash < 0 {
		return c, errors.New("-ack-urgent and -ack-flash must not be negative")
	}
	if c.stream.PerToken < 1 || c.stream.PerAgency < c.stream.PerToken {
		return c, errors.New("-streams-per-token must be at least 1 and -streams-per-agency at least as many")
	}
	if c.streamMaxAge < time.Minute {
		return c, errors.New("-stream-max-age must be at least a minute")
	}
	if c.silenceEvery < time.Second {
		return c, errors.New("-silence-check-every must be at least a second")
	}
	if c.maxBodyBytes < 1024 {
		return c, errors.New("-max-body must be at least 1024")
	}
	if c.featureCacheMB < 0 || c.featureCacheMB > 1<<20 {
		return c, errors.New("-feature-cache-mb must be from 0 to 1048576")
	}
	if _, err := c.area.list(); err != nil {
		return c, err
	}
	return c, nil
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// openStore connects to the database; a restricted store acts for the
// principal of each request's context (the service), an unrestricted one
// sees everything (command-line tools).
func openStore(ctx context.Context, dbURL string, maxConns int, stmtTimeout time.Duration, restricted bool, getenv func(string) string) (*data.Store, error) {
	key, err := loadAuditKey(getenv("AUDIT_KEY"))
	if err != nil {
		return nil, err
	}
	store, err := data.Open(ctx, data.Config{URL: dbURL, MaxConns: int32(maxConns), StatementTimeout: stmtTimeout, Restricted: restricted})
	if err != nil {
		return nil, err
	}
	if err := store.Ping(ctx); err != nil {
		store.Close()
		return nil, err
	}
	if !restricted {
		// The operator's tools see and change everything: a service login
		// would see nothing and fail on the first write.
		role, ok, err := store.Operator(ctx)
		if err != nil || !ok {
			store.Close()
			if err == nil {
				err = fmt.Errorf("the role %s does not own the database: the command-line tools need the owner's connection (OWNER_DATABASE_URL or -db; see the README's roles)", role)
			}
			return nil, err
		}
	}
	if key != nil {
		store.SetAuditKey(key)
	}
	return store, nil
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.logFormat, stdout)
	// openStore loads the signing key that -audit-key names (by default
	// AUDIT_KEY, as for every command-line tool).
	withKey := func(k string) string {
		if k == "AUDIT_KEY" {
			return cfg.auditKey
		}
		return getenv(k)
	}
	store, err := openStore(ctx, cfg.dbURL, cfg.maxConns, cfg.requestTimeout, true, withKey)
	if err != nil {
		return err
	}
	if cfg.auditKey == "" {
		logger.Warn("audit entries are not signed: give -audit-key so that a rewritten audit log can be told")
	}
	defer store.Close()
	privileged, err := checkServiceRole(ctx, store, cfg.allowPrivileged, logger)
	if err != nil {
		return err
	}
	if cfg.migrate {
		if err := migrateAtStart(ctx, store, cfg.ownerURL, privileged, getenv); err != nil {
			return err
		}
	}
	area, err := cfg.area.load(ctx, store, func(msg string) { logger.Warn(msg) })
	if err != nil {
		return err
	}
	logger.Info("covered area", "area", area.Name)
	live := data.NewLive(store, logger)
	loadStart := time.Now()
	if err := live.Load(ctx); err != nil {
		return err
	}
	logger.Info("live index loaded", "events", live.Len(), "duration_ms", time.Since(loadStart).Milliseconds())
	defer background(ctx, logger, "live index stopped", live.Run)()
	stream := data.NewStream(store, logger, cfg.stream)
	defer background(ctx, logger, "live stream stopped", stream.Run)()
	defer background(ctx, logger, "silence checks stopped", func(ctx context.Context) error {
		store.WatchSilences(ctx, logger, cfg.silenceEvery)
		return nil
	})()
	defer background(ctx, logger, "fence index feed stopped", func(ctx context.Context) error {
		return store.WatchFences(ctx, logger)
	})()
	acfg := api.DefaultConfig()
	acfg.Stream, acfg.StreamMaxAge, acfg.AckDeadlines = stream, cfg.streamMaxAge, cfg.ackDeadlines
	acfg.RequestTimeout = cfg.requestTimeout
	acfg.RatePerSec, acfg.RateBurst, acfg.MaxBodyBytes = cfg.ratePerSec, cfg.rateBurst, cfg.maxBodyBytes
	acfg.FeatureCacheBytes = cfg.featureCacheMB << 20
	acfg.Metrics = api.NewMetrics(store, api.LiveGauges(live))
	handler := api.NewServer(logger, acfg, store, live)
	if cfg.tlsCert != "" {
		handler = strictTransport(handler)
	}
	srv := &http.Server{
		Addr:              cfg.addr,
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      cfg.requestTimeout + 30*time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if cfg.pprofAddr != "" {
		if err := servePprof(ctx, cfg.pprofAddr, logger); err != nil {
			return err
		}
	}
	if cfg.metricsAddr != "" && cfg.metricsAddr != "off" {
		if err := serveMetrics(ctx, cfg.metricsAddr, acfg.Metrics.Handler(), logger); err != nil {
			return err
		}
	}
	return listenAndServe(ctx, srv, cfg, logger)
}

// listenAndServe serves srv on cfg.addr (with TLS where configured) until
// ctx ends, then drains the requests in flight for at most
// cfg.shutdownTimeout.
func listenAndServe(ctx context.Context, srv *http.Server, cfg serveConfig, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	logger.Info("serving", "addr", ln.Addr().String(), "tls", cfg.tlsCert != "")
	errc := make(chan error, 1)
	go func() {
		if cfg.tlsCert != "" {
			errc <- srv.ServeTLS(ln, cfg.tlsCert, cfg.tlsKey)
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: draining in-flight requests")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// background runs fn until ctx ends and returns a function that waits for
// it to return; an error it returns is logged with msg.
func background(ctx context.Context, logger *slog.Logger, msg string, fn func(context.Context) error) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := fn(ctx); err != nil {
			logger.Error(msg, "error", err.Error())
		}
	}()
	return func() { <-done }
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbURL == "" {
		return errors.New("no database: set -db, OWNER_DATABASE_URL or DATABASE_URL")
	}
	store, err := openStore(ctx, *dbURL, 2, 0, false, getenv)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	applied, _, err := store.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database at migration %d\n", applied)
	return nil
}

// strictTransport adds HTTP Strict Transport Security (RFC 6797) to every
// answer of a service that serves HTTPS, so that browsers never fall back to
// plain HTTP for it (two years, as the HSTS preload list asks; subdomains
// are the deployment's own business and are not included).
func strictTransport(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=63072000")
		next.ServeHTTP(w, r)
	})
}

// serveMetrics serves the Prometheus metrics at /metrics on their own
// listener until ctx ends.
func serveMetrics(ctx context.Context, addr string, h http.Handler, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("-metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	logger.Info("serving metrics", "addr", ln.Addr().String())
	return nil
}

// servePprof serves the Go profiler on a loopback address only.
func servePprof(ctx context.Context, addr string, logger *slog.Logger) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-pprof-addr: %w", err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return errors.New("-pprof-addr must be a loopback address")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("pprof server", "error", err.Error())
		}
	}()
	return nil
}
