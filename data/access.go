package data

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/borderwatch/borderwatch/record"
)

// roles a user or token may have, from least to most privileged in writes:
// viewers read; analysts also write events; planners also plan patrols;
// admins also manage users, tokens and sharing agreements of their agency.
var roles = []string{"viewer", "analyst", "planner", "admin"}

// Roles returns the roles a user or token may have, least privileged first.
func Roles() []string { return slices.Clone(roles) }

// ErrUnauthenticated is returned for a missing, unknown, expired or revoked
// credential.
var ErrUnauthenticated = errors.New("unauthenticated")

// ErrForbidden is returned when the caller's agency or role may not do what
// was asked.
var ErrForbidden = errors.New("forbidden")

// Principal is who a request acts for.
type Principal struct {
	AgencyID string
	Role     string
	TokenID  int
	UserID   int
	// Username is the signed-in user's name ("" for plain API tokens).
	Username string
	// Actor names the caller in the audit log, e.g. "token:12" or "user:7".
	Actor string
	// Remote is the client address, for the audit log.
	Remote string
}

// Can reports whether the principal's role allows the action class:
// "read", "write" (events), "plan" (patrols), "message" (send,
// acknowledge and answer messages) or "admin".
func (p Principal) Can(action string) bool {
	switch action {
	case "read":
		// A device writes its team's positions and reads nothing.
		return p.Role != "" && p.Role != DeviceRole
	case "write":
		return p.Role == "analyst" || p.Role == "admin"
	case "plan":
		return p.Role == "planner" || p.Role == "admin"
	case "message":
		return p.Role == "analyst" || p.Role == "planner" || p.Role == "admin"
	case "admin":
		return p.Role == "admin"
	}
	return false
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p. A restricted Store applies p's agency
// and role to every connection it hands out for that context.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal ctx carries.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// connActs remembers, per pooled connection, the agency and role it was
// last switched to, so that a connection already acting for the caller's
// agency and role is handed out without another round trip.
type connActs struct {
	mu   sync.Mutex
	acts map[*pgx.Conn]string
}

// prepare switches a pooled connection to the role bw_app with the agency
// and role of ctx's principal, in one round trip when they differ from the
// connection's current ones. Without a principal the agency is empty and
// nothing is visible. The settings are session-level and set outside any
// transaction, so a rollback cannot undo them.
func (ca *connActs) prepare(ctx context.Context, c *pgx.Conn) (bool, error) {
	p, _ := PrincipalFrom(ctx)
	key := p.AgencyID + "\x00" + p.Role
	ca.mu.Lock()
	cur, ok := ca.acts[c]
	ca.mu.Unlock()
	if ok && cur == key {
		return true, nil
	}
	_, err := c.Exec(ctx, `SELECT set_config('role', 'bw_app', false), set_config('bw.agency', $1, false), set_config('bw.role', $2, false)`,
		p.AgencyID, p.Role)
	ca.mu.Lock()
	if err != nil {
		delete(ca.acts, c)
	} else {
		ca.acts[c] = key
	}
	ca.mu.Unlock()
	if err != nil {
		return false, err
	}
	return true, nil
}

// forget drops a closed connection.
func (ca *connActs) forget(c *pgx.Conn) {
	ca.mu.Lock()
	delete(ca.acts, c)
	ca.mu.Unlock()
}

const tokenPrefix = "bw_"

// newSecret returns a fresh random token secret and its hash.
func newSecret() (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	s := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(s))
	return s, h[:], nil
}

// tokenCacheTTL is how long a resolved token is trusted without asking the
// database again: a token revoked elsewhere (another replica, the command
// line) stops working within this time; one revoked through this Store at
// once.
const tokenCacheTTL = 2 * time.Second

// tokenCache remembers resolved tokens by hash for tokenCacheTTL, so that
// requests served from memory (hotspots) do not touch the database.
type tokenCache struct {
	mu      sync.Mutex
	entries map[[32]byte]tokenEntry
}

type tokenEntry struct {
	p       Principal
	expires time.Time
}

func (c *tokenCache) get(h [32]byte, now time.Time) (Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[h]
	if !ok || now.After(e.expires) {
		return Principal{}, false
	}
	return e.p, true
}

func (c *tokenCache) put(h [32]byte, p Principal, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) > 10000 {
		c.entries = map[[32]byte]tokenEntry{}
	}
	c.entries[h] = tokenEntry{p: p, expires: now.Add(tokenCacheTTL)}
}

func (c *tokenCache) clear() {
	c.mu.Lock()
	c.entries = nil
	c.mu.Unlock()
}

// Authenticate resolves a bearer token to its principal, or returns
// ErrUnauthenticated. With fresh (every write) the database is asked
// every time, so a revoked token never writes again; reads may use a
// resolution up to tokenCacheTTL old.
func (s *Store) Authenticate(ctx context.Context, token string, fresh bool) (Principal, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 200 {
		return Principal{}, ErrUnauthenticated
	}
	h := sha256.Sum256([]byte(token))
	now := time.Now()
	if p, ok := s.tokens.get(h, now); ok && !fresh {
		return p, nil
	}
	p, err := s.authenticate(ctx, h)
	if err != nil {
		return Principal{}, err
	}
	s.tokens.put(h, p, now)
	return p, nil
}

func (s *Store) authenticate(ctx context.Context, h [32]byte) (Principal, error) {
	var p Principal
	var (
		uid  *int32
		name *string
	)
	err := s.sys.QueryRow(ctx, `SELECT token_id, agency_id, role, user_id, username FROM bw_authenticate($1)`, h[:]).
		Scan(&p.TokenID, &p.AgencyID, &p.Role, &uid, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authenticate: %w", mapErr(err))
	}
	p.Actor = fmt.Sprintf("token:%d", p.TokenID)
	if uid != nil {
		p.UserID = int(*uid)
		p.Actor = fmt.Sprintf("user:%d", p.UserID)
	}
	if name != nil {
		p.Username = *name
	}
	return p, nil
}

// Token describes an API token without its secret.
type Token struct {
	ID        int        `json:"id"`
	AgencyID  string     `json:"agency"`
	Role      string     `json:"role"`
	UserID    *int       `json:"user_id,omitempty"`
	Label     string     `json:"label"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

func validateRole(fe *record.Fields, role string) {
	if !slices.Contains(roles, role) {
		fe.Add("role", "must be one of %s", strings.Join(roles, ", "))
	}
}

// SignOut revokes the token secret that the caller presented, so that a
// signed-out session cannot be used again (by a copy left in a browser, a
// proxy log or a shared machine). Any role may end its own token.
func (s *Store) SignOut(ctx context.Context, secret string) error {
	h := sha256.Sum256([]byte(secret))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var id *int
		if err := tx.QueryRow(ctx, `SELECT bw_revoke_presented_token($1)`, h[:]).Scan(&id); err != nil {
			return mapErr(err)
		}
		if id == nil {
			return ErrNotFound
		}
		return s.audit(ctx, tx, "token.signout", fmt.Sprintf("token:%d", *id), nil)
	})
	s.tokens.clear()
	if err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

// MaxTokenTTL is the longest lifetime a token may be given: a year. A
// token meant to outlive that is created without a lifetime and revoked.
const MaxTokenTTL = 366 * 24 * time.Hour

// CreateToken creates a token for agency and role and returns its secret,
// which is shown only this once (only its hash is stored). On a restricted
// store only an admin of the same agency may do this.
func (s *Store) CreateToken(ctx context.Context, agencyID, role, label string, ttl time.Duration) (string, Token, error) {
	var fe record.Fields
	validateRole(&fe, role)
	if !record.ValidSlug(agencyID) {
		fe.Add("agency", "not an agency id")
	}
	record.CheckText(&fe, "label", label, 200)
	if ttl < 0 || ttl > MaxTokenTTL {
		fe.Add("ttl", "must be between 0 (until revoked) and %d hours", int(MaxTokenTTL/time.Hour))
	}
	if err := fe.Err(); err != nil {
		return "", Token{}, err
	}
	secret, hash, err := newSecret()
	if err != nil {
		return "", Token{}, err
	}
	var expires *time.Time
	if ttl > 0 {
		t := time.Now().Add(ttl)
		expires = &t
	}
	var tok Token
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO api_tokens (token_hash, agency_id, role, label, expires_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id, agency_id, role, label, created_at, expires_at`,
			hash, agencyID, role, label, expires).Scan(&tok.ID, &tok.AgencyID, &tok.Role, &tok.Label, &tok.CreatedAt, &tok.ExpiresAt)
		if err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "token.create", fmt.Sprintf("token:%d", tok.ID), map[string]any{"agency": agencyID, "role": role, "label": label})
	})
	if err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	return secret, tok, nil
}

// ListTokens lists tokens (a restricted store: those of the caller's agency,
// for admins only).
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, agency_id, role, user_id, label, created_at, expires_at, revoked_at
		FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Token, error) {
		var t Token
		var uid *int32
		err := r.Scan(&t.ID, &t.AgencyID, &t.Role, &uid, &t.Label, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt)
		if uid != nil {
			v := int(*uid)
			t.UserID = &v
		}
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", mapErr(err))
	}
	return out, nil
}

// RevokeToken revokes token id; it stops working at once.
func (s *Store) RevokeToken(ctx context.Context, id int) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return s.audit(ctx, tx, "token.revoke", fmt.Sprintf("token:%d", id), nil)
	})
	s.tokens.clear()
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	return nil
}

// User is an account for the web client.
type User struct {
	ID       int    `json:"id"`
	Username string `json:"username"`
	AgencyID string `json:"agency"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
}

// CreateUser creates (or, with the same username, updates) a user with a
// bcrypt-hashed password.
func (s *Store) CreateUser(ctx context.Context, username, agencyID, role, password string) (User, error) {
	hash, err := newUserHash(username, role, password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO users (username, agency_id, role, password_hash) VALUES ($1, $2, $3, $4)
			ON CONFLICT (username) DO UPDATE SET agency_id = excluded.agency_id, role = excluded.role,
			  password_hash = excluded.password_hash, disabled = false
			RETURNING id, username, agency_id, role, disabled`, username, agencyID, role, hash).
			Scan(&u.ID, &u.Username, &u.AgencyID, &u.Role, &u.Disabled)
		if err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "user.create", "user:"+username, map[string]any{"agency": agencyID, "role": role})
	})
	if err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// sessionTTL is how long a web-client sign-in lasts.
const sessionTTL = 12 * time.Hour

// Login checks a username and password and returns a session token valid
// for sessionTTL. Failures say only ErrUnauthenticated.
func (s *Store) Login(ctx context.Context, username, password, remote string) (string, User, error) {
	var (
		u    User
		hash *string
	)
	// The service's login reads users and writes tokens of an agency it
	// does not act for yet only through these functions (migration 0015).
	err := s.sys.QueryRow(ctx, `SELECT id, username, agency_id, role, disabled, password_hash FROM bw_login_user($1)`, username).
		Scan(&u.ID, &u.Username, &u.AgencyID, &u.Role, &u.Disabled, &hash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", User{}, fmt.Errorf("login: %w", mapErr(err))
	}
	if err != nil || hash == nil || u.Disabled {
		// Spend the same time as a real check, so usernames can't be probed.
		_ = bcrypt.CompareHashAndPassword([]byte("$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z6bD8aKqXAbH0v0MRWg8RzW."), []byte(password))
		return "", User{}, ErrUnauthenticated
	}
	if bcrypt.CompareHashAndPassword([]byte(*hash), []byte(password)) != nil {
		return "", User{}, ErrUnauthenticated
	}
	secret, th, err := newSecret()
	if err != nil {
		return "", User{}, err
	}
	actx := WithPrincipal(ctx, Principal{AgencyID: u.AgencyID, Role: u.Role, UserID: u.ID, Username: u.Username,
		Actor: "user:" + u.Username, Remote: remote})
	err = pgx.BeginFunc(ctx, s.sys, func(tx pgx.Tx) error {
		var id *int
		if err := tx.QueryRow(ctx, `SELECT bw_login_session($1, $2, $3)`, u.ID, th, int(sessionTTL.Seconds())).Scan(&id); err != nil {
			return err
		}
		if id == nil { // disabled meanwhile
			return ErrUnauthenticated
		}
		return s.audit(actx, tx, "user.login", fmt.Sprintf("token:%d", *id), nil)
	})
	if errors.Is(err, ErrUnauthenticated) {
		return "", User{}, err
	}
	if err != nil {
		return "", User{}, fmt.Errorf("login: %w", mapErr(err))
	}
	return secret, u, nil
}
