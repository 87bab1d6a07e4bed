// Package auth issues and checks API tokens. A token is a random secret
// (32 bytes from crypto/rand, shown once) with a name and a role; the
// database keeps only the secret's SHA-256, which is enough for a secret of
// that much entropy and lets a leaked database open nothing. Requests carry
// the secret as "Authorization: Bearer rg_...".
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/token"
	"github.com/relgraph/relgraph/internal/viewer"
)

// prefix marks relgraph's secrets, so that secret scanners and people can
// tell one when they see it.
const prefix = "rg_"

// Errors of Authenticate.
var (
	// ErrMissing: the request carries no bearer token.
	ErrMissing = errors.New("authentication required: send Authorization: Bearer <token>")
	// ErrInvalid: the bearer token is not one of relgraph's live tokens.
	ErrInvalid = errors.New("the token is not valid (revoked, mistyped, or for another server)")
)

// Hash is the stored form of a secret.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// newSecret returns a fresh secret.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// Create stores a new token named name with role and returns it with its
// secret, which is not stored and cannot be shown again. It writes through
// client, so the schema's rules (a unique name, the ADMIN role for a
// request's viewer) and the audit trail apply.
func Create(ctx context.Context, client *ent.Client, name string, role viewer.Role) (*ent.Token, string, error) {
	secret, err := newSecret()
	if err != nil {
		return nil, "", err
	}
	t, err := client.Token.Create().SetName(name).SetRole(role).SetHash(Hash(secret)).Save(ctx)
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// Revoke deletes the token named name.
func Revoke(ctx context.Context, client *ent.Client, name string) (int, error) {
	t, err := client.Token.Query().Where(token.Name(name)).Only(ctx)
	if err != nil {
		return 0, err
	}
	return t.ID, client.Token.DeleteOne(t).Exec(ctx)
}

// Authenticate returns the viewer an Authorization header value names:
// the token's name as the actor, with its role.
func Authenticate(ctx context.Context, client *ent.Client, header string) (viewer.Viewer, error) {
	scheme, secret, _ := strings.Cut(strings.TrimSpace(header), " ")
	if header == "" {
		return viewer.Viewer{}, ErrMissing
	}
	secret = strings.TrimSpace(secret)
	if !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(secret, prefix) {
		return viewer.Viewer{}, ErrInvalid
	}
	want := Hash(secret)
	t, err := client.Token.Query().Where(token.Hash(want)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return viewer.Viewer{}, ErrInvalid
	case err != nil:
		return viewer.Viewer{}, fmt.Errorf("look up token: %w", err)
	}
	// The index found it by hash; compare in constant time all the same,
	// so no path through this function depends on the secret's bytes.
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(want)) != 1 {
		return viewer.Viewer{}, ErrInvalid
	}
	return viewer.Viewer{Actor: t.Name, Role: t.Role}, nil
}
