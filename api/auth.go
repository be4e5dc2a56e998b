package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"golang.org/x/time/rate"

	"github.com/borderwatch/borderwatch/data"
)

// limiter hands out one token-bucket rate limiter per key (API token or,
// before sign-in, client address) and forgets keys idle for ten minutes.
type limiter struct {
	mu      sync.Mutex
	perSec  rate.Limit
	burst   int
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(perSec float64, burst int) *limiter {
	return &limiter{perSec: rate.Limit(perSec), burst: burst, buckets: map[string]*bucket{}, swept: time.Now()}
}

// allow reports whether key may make one more request now; a nil limiter
// or a non-positive rate allows everything.
func (l *limiter) allow(key string) bool {
	if l == nil || l.perSec <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bucket(key, time.Now()).lim.Allow()
}

// exhausted reports, without using anything, whether key has no request
// left now.
func (l *limiter) exhausted(key string) bool {
	if l == nil || l.perSec <= 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// Only a key that has used something has a bucket: checking makes none.
	b, ok := l.buckets[key]
	return ok && b.lim.TokensAt(time.Now()) < 1
}

// bucket returns key's bucket, made on first use; l.mu is held.
func (l *limiter) bucket(key string, now time.Time) *bucket {
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.perSec, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b
}

// clientAddr is the client's IP address for logs, audit and rate limits.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// bearer returns the token of an "Authorization: Bearer …" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

var errNoToken = errors.New("no bearer token")

// authenticate resolves the bearer token to a Principal and puts it in the
// request context; without a valid token the request gets 401 and goes no
// further. Each token is rate limited.
func authenticate(logger *slog.Logger, store *data.Store, lim, failures *limiter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok := bearer(r)
			if tok == "" {
				writeError(w, r, logger, errNoToken)
				return
			}
			// An address that keeps presenting bad tokens is refused before
			// its next one costs a database query.
			addr := "auth-fail:" + clientAddr(r)
			if failures.exhausted(addr) {
				writeError(w, r, logger, errRateLimited)
				return
			}
			write := r.Method != http.MethodGet && r.Method != http.MethodHead
			p, err := store.Authenticate(r.Context(), tok, write)
			if err != nil {
				if errors.Is(err, data.ErrUnauthenticated) {
					failures.allow(addr)
				}
				writeError(w, r, logger, err)
				return
			}
			if !lim.allow("token:" + strconv.Itoa(p.TokenID)) {
				writeError(w, r, logger, errRateLimited)
				return
			}
			p.Remote = clientAddr(r)
			next.ServeHTTP(w, r.WithContext(data.WithPrincipal(r.Context(), p)))
		})
	}
}

type rateLimitedError struct{}

func (rateLimitedError) Error() string { return "rate limited" }

var errRateLimited = rateLimitedError{}

// requireRole lets only principals whose role allows action through.
func requireRole(logger *slog.Logger, action string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := data.PrincipalFrom(r.Context())
			if !ok || !p.Can(action) {
				writeError(w, r, logger, data.ErrForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// handleLogin exchanges a username and password for a session token of the
// web client. Attempts are rate limited per client address.
func handleLogin(logger *slog.Logger, cfg Config, store *data.Store, lim *limiter) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		if !lim.allow("login:" + clientAddr(r)) {
			return errRateLimited
		}
		req, err := decode[loginRequest](w, r, 4096)
		if err != nil {
			return err
		}
		tok, u, err := store.Login(r.Context(), req.Username, req.Password, clientAddr(r))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"token": tok, "user": u})
	})
}

// handleLogout ends the caller's session: the token it presents is revoked
// in the database, so that no copy of it works afterwards.
func handleLogout(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		if err := store.SignOut(r.Context(), bearer(r)); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// handleMe tells the caller who it is acting as.
func handleMe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := data.PrincipalFrom(r.Context())
		_ = encode(w, http.StatusOK, mediaJSON, map[string]any{"agency": p.AgencyID, "role": p.Role, "actor": p.Actor, "username": p.Username})
	})
}

type tokenRequest struct {
	Role     string `json:"role"`
	Label    string `json:"label"`
	TTLHours int    `json:"ttl_hours"`
}

func handleCreateToken(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[tokenRequest](w, r, 4096)
		if err != nil {
			return err
		}
		// Checked before the multiplication, which overflows for large values.
		if maxH := int(data.MaxTokenTTL / time.Hour); req.TTLHours < 0 || req.TTLHours > maxH {
			return newBadRequest("ttl_hours", fmt.Sprintf("must be between 0 (until revoked) and %d", maxH))
		}
		p, _ := data.PrincipalFrom(r.Context())
		secret, tok, err := store.CreateToken(r.Context(), p.AgencyID, req.Role, req.Label, time.Duration(req.TTLHours)*time.Hour)
		if err != nil {
			return err
		}
		return encode(w, http.StatusCreated, mediaJSON, map[string]any{"token": secret, "info": tok})
	})
}

func handleListTokens(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		toks, err := store.ListTokens(r.Context())
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"tokens": toks})
	})
}

func handleRevokeToken(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := strconv.Atoi(chi.URLParam(r, "id"))
		if err != nil {
			return data.ErrNotFound
		}
		if err := store.RevokeToken(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
