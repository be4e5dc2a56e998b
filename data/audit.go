package data

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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
	if s.auditKey == nil {
		if _, err := tx.Exec(ctx, `SELECT bw_audit($1, $2, $3, $4, $5, $6)`, actor, agency, action, target, d, p.Remote); err != nil {
			return fmt.Errorf("audit: %w", mapErr(err))
		}
		return nil
	}
	var (
		id   int64
		hash []byte
	)
	if err := tx.QueryRow(ctx, `SELECT entry_id, entry_hash FROM bw_audit_entry($1, $2, $3, $4, $5, $6)`,
		actor, agency, action, target, d, p.Remote).Scan(&id, &hash); err != nil {
		return fmt.Errorf("audit: %w", mapErr(err))
	}
	sig := ed25519.Sign(s.auditKey, auditMessage(id, hash))
	if _, err := tx.Exec(ctx, `SELECT bw_audit_sign($1, $2, $3)`, id, s.auditKeyID, sig); err != nil {
		return fmt.Errorf("audit: sign: %w", mapErr(err))
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
	// Signed counts the entries whose signature verified with a given key.
	Signed int64
	// Unsigned counts the entries without a signature (older than the
	// signing key, or written by a tool that had no key).
	Unsigned int64
	// Problems lists every broken link, altered entry, bad or missing
	// signature and unmet checkpoint; empty when intact.
	Problems []string
	// Last is the newest signed entry, a checkpoint to hand to a partner.
	Last *AuditCheckpoint
}

// AuditCheckpoint is a signed entry that a partner agency keeps: later, the
// log must still hold that entry with that hash, or it was rewritten.
type AuditCheckpoint struct {
	ID        int64  `json:"id"`
	Hash      string `json:"hash"`      // hex
	KeyID     string `json:"key_id"`    // AuditKeyID of the signing key
	Signature string `json:"signature"` // hex
}

// AuditVerify says what VerifyAudit checks besides the hash chain.
type AuditVerify struct {
	// Keys are the public keys signatures may have been made with. With
	// none, signatures are not checked.
	Keys []ed25519.PublicKey
	// RequireSigned makes every unsigned entry a problem. Without it, an
	// unsigned entry is a problem only after the first signed one (a
	// deployment that signs keeps signing).
	RequireSigned bool
	// Checkpoints are entries held outside the database, each of which
	// must still be in the log, unchanged.
	Checkpoints []AuditCheckpoint
	// Progress is told every 10,000 entries.
	Progress func(n int64)
}

// VerifyAudit recomputes the audit log's hash chain and reports every
// entry that was altered, removed or inserted out of order: each entry's
// hash must equal sha256(prev_hash || canonical text), each prev_hash the
// previous entry's hash, the ids must have no gaps, and the last id must be
// the identity sequence's last value (so that deleting the newest entries
// is detected too). With keys it checks each entry's Ed25519 signature of
// (id, hash), which someone holding only the database cannot forge, and
// each checkpoint held outside the database.
func (s *Store) VerifyAudit(ctx context.Context, opt AuditVerify) (AuditReport, error) {
	return verifyAudit(ctx, s.sys, sqlAuditChain, sqlAuditLastID, opt)
}

// VerifyAuditAsAdmin is VerifyAudit for an agency's admin on a restricted
// store: the whole chain is checked through bw_audit_chain (migration
// 0026), which hands out the hashes and signatures of every entry but
// none of their content.
func (s *Store) VerifyAuditAsAdmin(ctx context.Context, opt AuditVerify) (AuditReport, error) {
	return verifyAudit(ctx, s.pool, `SELECT * FROM bw_audit_chain()`, `SELECT bw_audit_last_id()`, opt)
}

const (
	// sqlAuditChain lists every entry with its hash recomputed from its
	// canonical text: sha256(prev_hash || bw_audit_text(...)).
	sqlAuditChain = `SELECT l.id, l.prev_hash, l.hash,
		sha256(l.prev_hash || bw_audit_text(l.id, l.at, l.actor, l.agency_id, l.action, l.target, l.detail, l.remote_addr)),
		coalesce(g.key_id, ''), g.signature
		FROM audit_log l LEFT JOIN audit_signatures g ON g.entry_id = l.id ORDER BY l.id`
	sqlAuditLastID = `SELECT CASE WHEN is_called THEN last_value END FROM audit_log_id_seq`
)

// verifyAudit is VerifyAudit over the rows chainSQL returns (id, prev_hash,
// hash, recomputed hash, key id, signature) and the last id lastSQL does.
func verifyAudit(ctx context.Context, db *pgxpool.Pool, chainSQL, lastSQL string, opt AuditVerify) (AuditReport, error) {
	var rep AuditReport
	keys := map[string]ed25519.PublicKey{}
	for _, k := range opt.Keys {
		keys[AuditKeyID(k)] = k
	}
	checkpoints := map[int64]AuditCheckpoint{}
	for _, c := range opt.Checkpoints {
		checkpoints[c.ID] = c
	}
	rows, err := db.Query(ctx, chainSQL)
	if err != nil {
		return rep, fmt.Errorf("verify audit: %w", mapErr(err))
	}
	defer rows.Close()
	var (
		prev       = []byte{}
		lastID     int64
		seenSigned bool
	)
	for rows.Next() {
		var (
			id                    int64
			prevHash, h, sum, sig []byte
			keyID                 string
		)
		if err := rows.Scan(&id, &prevHash, &h, &sum, &keyID, &sig); err != nil {
			return rep, fmt.Errorf("verify audit: %w", err)
		}
		rep.Entries++
		if id != lastID+1 {
			rep.Problems = append(rep.Problems, fmt.Sprintf("entries %d to %d are missing", lastID+1, id-1))
		}
		if !bytes.Equal(prevHash, prev) {
			rep.Problems = append(rep.Problems, fmt.Sprintf("entry %d does not follow the entry before it (chain broken)", id))
		}
		if !bytes.Equal(sum, h) {
			rep.Problems = append(rep.Problems, fmt.Sprintf("entry %d was altered (hash mismatch)", id))
		}
		if len(keys) > 0 {
			seenSigned = rep.checkSignature(keys, opt.RequireSigned || seenSigned, id, h, keyID, sig) || seenSigned
		}
		if c, ok := checkpoints[id]; ok {
			if c.Hash != hex.EncodeToString(h) {
				rep.Problems = append(rep.Problems, fmt.Sprintf("entry %d differs from the checkpoint held outside the database (rewritten)", id))
			}
			delete(checkpoints, id)
		}
		prev, lastID = h, id
		if opt.Progress != nil && rep.Entries%10000 == 0 {
			opt.Progress(rep.Entries)
		}
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("verify audit: %w", mapErr(err))
	}
	for id := range checkpoints {
		rep.Problems = append(rep.Problems, fmt.Sprintf("entry %d of a checkpoint is no longer in the log", id))
	}
	var seqLast *int64
	if err := db.QueryRow(ctx, lastSQL).Scan(&seqLast); err != nil {
		return rep, fmt.Errorf("verify audit: %w", mapErr(err))
	}
	if seqLast != nil && *seqLast > lastID {
		rep.Problems = append(rep.Problems, fmt.Sprintf("the newest entries %d to %d are missing", lastID+1, *seqLast))
	}
	return rep, nil
}

// checkSignature checks entry id's signature with the known keys and
// reports whether it verified. An unsigned entry is a problem when
// required; a signature by an unknown key or one that does not verify is
// always one.
func (rep *AuditReport) checkSignature(keys map[string]ed25519.PublicKey, required bool, id int64, hash []byte, keyID string, sig []byte) bool {
	if sig == nil {
		rep.Unsigned++
		if required {
			rep.Problems = append(rep.Problems, fmt.Sprintf("entry %d is not signed", id))
		}
		return false
	}
	k, ok := keys[keyID]
	if !ok {
		rep.Problems = append(rep.Problems, fmt.Sprintf("entry %d is signed with key %s, which is not among the given keys", id, keyID))
		return false
	}
	if !ed25519.Verify(k, auditMessage(id, hash), sig) {
		rep.Problems = append(rep.Problems, fmt.Sprintf("entry %d's signature does not match it (rewritten)", id))
		return false
	}
	rep.Signed++
	rep.Last = &AuditCheckpoint{ID: id, Hash: hex.EncodeToString(hash), KeyID: keyID, Signature: hex.EncodeToString(sig)}
	return true
}
