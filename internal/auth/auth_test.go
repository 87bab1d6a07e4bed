package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/relgraph/relgraph/internal/auth"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/internal/viewer"
)

func TestTokens(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	tok, secret, err := auth.Create(ctx, db.Client, "deploy-bot", viewer.Editor)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "rg_") || len(secret) < 40 || tok.Hash == secret || strings.Contains(tok.Hash, secret) {
		t.Fatalf("secret %q, stored hash %q", secret, tok.Hash)
	}
	v, err := auth.Authenticate(ctx, db.Client, "Bearer "+secret)
	if err != nil || v.Actor != "deploy-bot" || v.Role != viewer.Editor {
		t.Fatalf("Authenticate = %+v, %v", v, err)
	}
	for header, want := range map[string]error{
		"":                        auth.ErrMissing,
		"Bearer rg_nope":          auth.ErrInvalid,
		"Basic " + secret:         auth.ErrInvalid,
		"Bearer " + secret + "x":  auth.ErrInvalid,
		"Bearer " + secret[:20]:   auth.ErrInvalid,
		"Bearer " + tok.Hash:      auth.ErrInvalid, // the stored form opens nothing
		"bearer " + secret + "  ": nil,
	} {
		if _, err := auth.Authenticate(ctx, db.Client, header); !errors.Is(err, want) {
			t.Errorf("Authenticate(%.30q) = %v, want %v", header, err, want)
		}
	}
	if _, _, err := auth.Create(ctx, db.Client, "deploy-bot", viewer.Admin); err == nil {
		t.Fatal("a second token with the same name was created")
	}
	if _, err := auth.Revoke(ctx, db.Client, "deploy-bot"); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, db.Client, "Bearer "+secret); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("a revoked token still works: %v", err)
	}
}

func TestFailureLimiter(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &auth.FailureLimiter{Max: 3, Window: time.Minute, Now: func() time.Time { return now }}
	for range 3 {
		if _, blocked := l.Blocked("10.0.0.1"); blocked {
			t.Fatal("blocked before the limit")
		}
		l.Fail("10.0.0.1")
	}
	if wait, blocked := l.Blocked("10.0.0.1"); !blocked || wait != time.Minute {
		t.Fatalf("Blocked after 3 failures = %v, %v", wait, blocked)
	}
	if _, blocked := l.Blocked("10.0.0.2"); blocked {
		t.Fatal("another address is blocked")
	}
	now = now.Add(time.Minute)
	if _, blocked := l.Blocked("10.0.0.1"); blocked {
		t.Fatal("still blocked after the window")
	}
}
