package data

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/record"
)

// ErrDeviceRevoked is returned when a device that was revoked reports.
var ErrDeviceRevoked = errors.New("device revoked")

// devicePrefix starts every device secret, so that a secret pasted in the
// wrong place (a bearer token) is told apart at once.
const devicePrefix = "bwd_"

// DeviceRole is the role a device's requests act with: it may write its
// team's positions and nothing else.
const DeviceRole = "device"

// Device is a registered position reporter of a team, without its secret.
type Device struct {
	ID        int        `json:"id"`
	TeamID    int        `json:"team,string"`
	AgencyID  string     `json:"agency"`
	Label     string     `json:"label"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Principal is who the device's requests act for: its team's agency with
// the role DeviceRole, audited as "device:ID".
func (d Device) Principal(remote string) Principal {
	return Principal{AgencyID: d.AgencyID, Role: DeviceRole, Actor: fmt.Sprintf("device:%d", d.ID), Remote: remote}
}

// newDeviceSecret returns a fresh device secret (256 random bits, URL-safe
// base64) and its SHA-256 hash.
func newDeviceSecret() (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	s := devicePrefix + base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(s))
	return s, h[:], nil
}

// CreateDevice registers a device for team and returns its secret, which
// is shown only this once (only its hash is stored), and the device. The
// device belongs to the team's agency.
func (s *Store) CreateDevice(ctx context.Context, teamID int, label string) (string, Device, error) {
	var fe record.Fields
	if teamID <= 0 {
		fe.Add("team", "must be a team id")
	}
	record.CheckText(&fe, "label", label, 200)
	if err := fe.Err(); err != nil {
		return "", Device{}, err
	}
	secret, hash, err := newDeviceSecret()
	if err != nil {
		return "", Device{}, err
	}
	var d Device
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO devices (team_id, agency_id, secret_hash, label)
			SELECT t.id, t.agency_id, $2, $3 FROM teams t WHERE t.id = $1
			RETURNING id, team_id, agency_id, label, created_at`, teamID, hash, label).
			Scan(&d.ID, &d.TeamID, &d.AgencyID, &d.Label, &d.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return &record.FieldError{Field: "team", Reason: fmt.Sprintf("no team %d", teamID)}
		}
		if err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "device.create", fmt.Sprintf("device:%d", d.ID),
			map[string]any{"team": teamID, "agency": d.AgencyID, "label": label})
	})
	if err != nil {
		return "", Device{}, fmt.Errorf("create device: %w", err)
	}
	return secret, d, nil
}

// ListDevices lists the devices (a restricted store: those of the caller's
// agency, for planners and admins), never their secrets.
func (s *Store) ListDevices(ctx context.Context) ([]Device, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, team_id, agency_id, label, created_at, revoked_at FROM devices ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Device, error) {
		var d Device
		err := r.Scan(&d.ID, &d.TeamID, &d.AgencyID, &d.Label, &d.CreatedAt, &d.RevokedAt)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", mapErr(err))
	}
	return out, nil
}

// RevokeDevice revokes device id: from then on it is refused and nothing
// it sends is stored.
func (s *Store) RevokeDevice(ctx context.Context, id int) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE devices SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return s.audit(ctx, tx, "device.revoke", fmt.Sprintf("device:%d", id), nil)
	})
	if err != nil {
		return fmt.Errorf("revoke device %d: %w", id, err)
	}
	return nil
}

// AuthenticateDevice resolves a device secret to its device. It returns
// ErrUnauthenticated for a secret no device has and ErrDeviceRevoked (with
// the device, for the log) for a revoked one. The database is asked every
// time: a device revoked anywhere is refused at once.
func (s *Store) AuthenticateDevice(ctx context.Context, secret string) (Device, error) {
	if !strings.HasPrefix(secret, devicePrefix) || len(secret) > 200 {
		return Device{}, ErrUnauthenticated
	}
	h := sha256.Sum256([]byte(secret))
	var (
		d       Device
		revoked bool
	)
	err := s.sys.QueryRow(ctx, `SELECT device_id, team_id, agency_id, revoked FROM bw_device_authenticate($1)`, h[:]).
		Scan(&d.ID, &d.TeamID, &d.AgencyID, &revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return Device{}, ErrUnauthenticated
	}
	if err != nil {
		return Device{}, fmt.Errorf("authenticate device: %w", mapErr(err))
	}
	if revoked {
		return d, ErrDeviceRevoked
	}
	return d, nil
}
