package data

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
)

// The audit log's entries are signed with an Ed25519 key kept outside the
// database. A signature covers the entry's id and its chain hash, which
// covers every entry before it: whoever rewrites an entry and recomputes
// the hashes after it cannot make the signatures match without the key.

// auditSigContext separates audit signatures from any other use of a key.
const auditSigContext = "borderwatch audit entry v1\x00"

// auditMessage is what an entry's signature covers.
func auditMessage(id int64, hash []byte) []byte {
	m := make([]byte, 0, len(auditSigContext)+8+len(hash))
	m = append(m, auditSigContext...)
	m = binary.BigEndian.AppendUint64(m, uint64(id))
	return append(m, hash...)
}

// AuditKeyID names a public key in signatures: the first 8 bytes of its
// SHA-256, in hex.
func AuditKeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// NewAuditKey makes a signing key and returns it and its public key as PEM
// (PKCS #8 and PKIX, as openssl writes them).
func NewAuditKey() (private, public []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, err
	}
	pder, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), nil
}

// ParseAuditKey reads an Ed25519 private key in PEM (PKCS #8).
func ParseAuditKey(b []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("audit key: not a PEM \"PRIVATE KEY\"")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("audit key: a %T, not an Ed25519 key", k)
	}
	return priv, nil
}

// ParseAuditPublicKey reads an Ed25519 public key in PEM (PKIX).
func ParseAuditPublicKey(b []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, errors.New("audit public key: not a PEM \"PUBLIC KEY\"")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit public key: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("audit public key: a %T, not an Ed25519 key", k)
	}
	return pub, nil
}

// SetAuditKey makes the store sign every audit entry it appends with key.
func (s *Store) SetAuditKey(key ed25519.PrivateKey) {
	s.auditKey = key
	s.auditKeyID = AuditKeyID(key.Public().(ed25519.PublicKey))
}
