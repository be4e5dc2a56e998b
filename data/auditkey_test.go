package data_test

import (
	"bytes"
	"crypto/ed25519"
	"testing"

	"github.com/borderwatch/borderwatch/data"
)

// FuzzParseAuditKeys: the key files `serve -audit-key` and `audit verify
// -pubkey` read never crash the parser, and a key that parses signs and
// verifies as Ed25519.
func FuzzParseAuditKeys(f *testing.F) {
	priv, pub, err := data.NewAuditKey()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(priv)
	f.Add(pub)
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\n\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("not a key"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if k, err := data.ParseAuditKey(b); err == nil {
			if len(k) != ed25519.PrivateKeySize {
				t.Fatalf("a private key of %d bytes", len(k))
			}
			sig := ed25519.Sign(k, []byte("m"))
			if !ed25519.Verify(k.Public().(ed25519.PublicKey), []byte("m"), sig) {
				t.Fatal("a parsed key does not verify its own signature")
			}
		}
		if k, err := data.ParseAuditPublicKey(b); err == nil && len(k) != ed25519.PublicKeySize {
			t.Fatalf("a public key of %d bytes", len(k))
		}
	})
}

// TestAuditKeyFiles: a generated key pair reads back, and the two halves
// are told apart.
func TestAuditKeyFiles(t *testing.T) {
	priv, pub, err := data.NewAuditKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := data.ParseAuditKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := data.ParseAuditPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.Public().(ed25519.PublicKey), p) {
		t.Error("the public key file is not the private key's")
	}
	if _, err := data.ParseAuditKey(pub); err == nil {
		t.Error("a public key was read as a private one")
	}
	if _, err := data.ParseAuditPublicKey(priv); err == nil {
		t.Error("a private key was read as a public one")
	}
	if id := data.AuditKeyID(p); len(id) != 16 {
		t.Errorf("key id %q", id)
	}
}
