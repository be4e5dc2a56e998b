package data

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/borderwatch/borderwatch/record"
)

// Agency is one agency of the reference data.
type Agency struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country"`
	Kind    string `json:"kind"`
}

// ListAgencies lists every agency of the reference data, by id: the
// agencies events, offices, teams and agreements may name.
func (s *Store) ListAgencies(ctx context.Context) ([]Agency, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, coalesce(country, ''), coalesce(kind, '') FROM agencies ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list agencies: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Agency, error) {
		var a Agency
		err := r.Scan(&a.ID, &a.Name, &a.Country, &a.Kind)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("list agencies: %w", mapErr(err))
	}
	return out, nil
}

// UserInfo is a user as an agency's admin sees it.
type UserInfo struct {
	User
	CreatedAt time.Time `json:"created_at"`
	// Sessions counts the user's sign-ins that are still valid.
	Sessions int `json:"sessions"`
}

// usernameRe is the users table's CHECK on usernames.
var usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}$`)

const sqlListUsers = `SELECT u.id, u.username, u.agency_id, u.role, u.disabled, u.created_at,
  (SELECT count(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()))::int
FROM users u`

func scanUser(r pgx.Row) (UserInfo, error) {
	var u UserInfo
	err := r.Scan(&u.ID, &u.Username, &u.AgencyID, &u.Role, &u.Disabled, &u.CreatedAt, &u.Sessions)
	return u, err
}

// ListUsers lists the users a restricted store's caller administers: those
// of the admin's own agency (row-level security; nobody else sees any).
func (s *Store) ListUsers(ctx context.Context) ([]UserInfo, error) {
	rows, err := s.pool.Query(ctx, sqlListUsers+` ORDER BY u.username`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (UserInfo, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("list users: %w", mapErr(err))
	}
	return out, nil
}

// validateUser checks a new user's name, role and password.
func validateUser(fe *record.Fields, username, role, password string) {
	if !usernameRe.MatchString(username) {
		fe.Add("username", "must be 2 to 63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	validateRole(fe, role)
	if len(password) < 10 || len(password) > 72 {
		fe.Add("password", "must be 10 to 72 characters")
	}
}

// newUserHash checks a user's name, role and password and returns the
// password's bcrypt hash.
func newUserHash(username, role, password string) (string, error) {
	var fe record.Fields
	validateUser(&fe, username, role, password)
	if err := fe.Err(); err != nil {
		return "", err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(hash), err
}

// AddUser creates a user of agencyID; unlike CreateUser (the operator's
// tool) it never replaces an existing user: a taken username is
// ErrConflict. On a restricted store only an admin of that agency may.
func (s *Store) AddUser(ctx context.Context, username, agencyID, role, password string) (UserInfo, error) {
	hash, err := newUserHash(username, role, password)
	if err != nil {
		return UserInfo{}, err
	}
	var u UserInfo
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var id int
		if err := tx.QueryRow(ctx, `INSERT INTO users (username, agency_id, role, password_hash) VALUES ($1, $2, $3, $4) RETURNING id`,
			username, agencyID, role, hash).Scan(&id); err != nil {
			return mapErr(err)
		}
		if u, err = scanUser(tx.QueryRow(ctx, sqlListUsers+` WHERE u.id = $1`, id)); err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "user.create", "user:"+username, map[string]any{"agency": agencyID, "role": role})
	})
	if err != nil {
		return UserInfo{}, fmt.Errorf("add user: %w", err)
	}
	return u, nil
}

// UserChange is what UpdateUser changes; nil fields stay as they are.
type UserChange struct {
	Role     *string
	Disabled *bool
	// Password, when set, replaces the password.
	Password *string
}

// UpdateUser changes a user's role, password or whether it is disabled. A
// disabled user's sessions are revoked at once, and so are they when the
// role or password changes, so that nobody goes on acting with the old
// rights. Only users a restricted caller administers are found.
func (s *Store) UpdateUser(ctx context.Context, id int, c UserChange) (UserInfo, error) {
	var fe record.Fields
	if c.Role != nil {
		validateRole(&fe, *c.Role)
	}
	var hash *string
	if c.Password != nil {
		if n := len(*c.Password); n < 10 || n > 72 {
			fe.Add("password", "must be 10 to 72 characters")
		} else {
			b, err := bcrypt.GenerateFromPassword([]byte(*c.Password), bcrypt.DefaultCost)
			if err != nil {
				return UserInfo{}, err
			}
			h := string(b)
			hash = &h
		}
	}
	if err := fe.Err(); err != nil {
		return UserInfo{}, err
	}
	var u UserInfo
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET role = coalesce($2, role), disabled = coalesce($3, disabled),
			password_hash = coalesce($4, password_hash) WHERE id = $1`, id, c.Role, c.Disabled, hash)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		revoked, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, id)
		if err != nil {
			return mapErr(err)
		}
		if u, err = scanUser(tx.QueryRow(ctx, sqlListUsers+` WHERE u.id = $1`, id)); err != nil {
			return mapErr(err)
		}
		detail := map[string]any{"sessions_revoked": revoked.RowsAffected(), "password_changed": c.Password != nil}
		if c.Role != nil {
			detail["role"] = *c.Role
		}
		if c.Disabled != nil {
			detail["disabled"] = *c.Disabled
		}
		return s.audit(ctx, tx, "user.update", "user:"+u.Username, detail)
	})
	s.tokens.clear()
	if err != nil {
		return UserInfo{}, fmt.Errorf("update user %d: %w", id, err)
	}
	return u, nil
}

// AuditEntry is one entry of the audit log as an agency's admin reads it.
type AuditEntry struct {
	ID     int64          `json:"id"`
	At     time.Time      `json:"at"`
	Actor  string         `json:"actor"`
	Action string         `json:"action"`
	Target string         `json:"target"`
	Detail map[string]any `json:"detail"`
	Remote string         `json:"remote_addr"`
	Signed bool           `json:"signed"`
}

// AuditEntries returns up to limit (1–500) entries of the admin's agency
// older than entry before (0: the newest), newest first, through
// bw_audit_entries (migration 0026); any other caller gets ErrForbidden.
func (s *Store) AuditEntries(ctx context.Context, before int64, limit int) ([]AuditEntry, error) {
	var b *int64
	if before > 0 {
		b = &before
	}
	rows, err := s.pool.Query(ctx, `SELECT * FROM bw_audit_entries($1, $2)`, b, limit)
	if err != nil {
		return nil, fmt.Errorf("audit entries: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		err := r.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.Remote, &e.Signed)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("audit entries: %w", mapErr(err))
	}
	return out, nil
}

// AuditPublicKey is the public key of the key that signs this store's
// audit entries, or nil when entries are not signed.
func (s *Store) AuditPublicKey() ed25519.PublicKey {
	if s.auditKey == nil {
		return nil
	}
	return s.auditKey.Public().(ed25519.PublicKey)
}
