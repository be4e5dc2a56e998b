package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// audit appends an entry to the audit log inside tx, so that the entry
// commits or rolls back with the change it records. The actor and agency
// come from ctx's principal ("system" for command-line tools).
func (s *Store) audit(ctx context.Context, tx pgx.Tx, action, target string, detail map[string]any) error {
	p, ok := PrincipalFrom(ctx)
	actor := "system"
	var agency *string
	if ok {
		actor = p.Actor
		if p.AgencyID != "" {
			agency = &p.AgencyID
		}
	}
	if detail == nil {
		detail = map[string]any{}
	}
	d, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT bw_audit($1, $2, $3, $4, $5, $6)`, actor, agency, action, target, d, p.Remote); err != nil {
		return fmt.Errorf("audit: %w", mapErr(err))
	}
	return nil
}

// Audit records an action that changes nothing in the database, such as an
// export or a read of a plan, in its own transaction.
func (s *Store) Audit(ctx context.Context, action, target string, detail map[string]any) error {
	return s.inTx(ctx, func(tx pgx.Tx) error { return s.audit(ctx, tx, action, target, detail) })
}

// AuditReport is the outcome of VerifyAudit.
type AuditReport struct {
	Entries int64
	// Problems lists every broken link or altered entry; empty when intact.
	Problems []string
}

// VerifyAudit recomputes the audit log's hash chain and reports every
// entry that was altered, removed or inserted out of order: each entry's
// hash must equal sha256(prev_hash || canonical text), each prev_hash the
// previous entry's hash, the ids must have no gaps, and the last id must be
// the identity sequence's last value (so that deleting the newest entries
// is detected too).
func (s *Store) VerifyAudit(ctx context.Context, progress func(n int64)) (AuditReport, error) {
	var rep AuditReport
	rows, err := s.sys.Query(ctx, `SELECT id, prev_hash, hash,
		bw_audit_text(id, at, actor, agency_id, action, target, detail, remote_addr) FROM audit_log ORDER BY id`)
	if err != nil {
		return rep, fmt.Errorf("verify audit: %w", mapErr(err))
	}
	defer rows.Close()
	var (
		prev   []byte = []byte{}
		lastID int64
	)
	for rows.Next() {
		var (
			id               int64
			prevHash, h, txt []byte
		)
		if err := rows.Scan(&id, &prevHash, &h, &txt); err != nil {
			return rep, fmt.Errorf("verify audit: %w", err)
		}
		rep.Entries++
		if id != lastID+1 {
			rep.Problems = append(rep.Problems, fmt.Sprintf("entries %d to %d are missing", lastID+1, id-1))
		}
		if !bytes.Equal(prevHash, prev) {
			rep.Problems = append(rep.Problems, fmt.Sprintf("entry %d does not follow the entry before it (chain broken)", id))
		}
		sum := sha256.Sum256(append(append([]byte{}, prevHash...), txt...))
		if !bytes.Equal(sum[:], h) {
			rep.Problems = append(rep.Problems, fmt.Sprintf("entry %d was altered (hash mismatch)", id))
		}
		prev, lastID = h, id
		if progress != nil && rep.Entries%10000 == 0 {
			progress(rep.Entries)
		}
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("verify audit: %w", mapErr(err))
	}
	var seqLast *int64
	if err := s.sys.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value END FROM audit_log_id_seq`).Scan(&seqLast); err != nil {
		return rep, fmt.Errorf("verify audit: %w", mapErr(err))
	}
	if seqLast != nil && *seqLast > lastID {
		rep.Problems = append(rep.Problems, fmt.Sprintf("the newest entries %d to %d are missing", lastID+1, *seqLast))
	}
	return rep, nil
}
