// Package idempotency makes retried requests safe: a caller that sends a
// request with an Idempotency-Key header and sends it again under the same
// key (because the first timed out, say) gets the first response replayed
// instead of a second run, so a script that retries never creates twice.
//
// Keys belong to the caller (the request's viewer.Actor: the token's name,
// or with authentication off the X-Actor header), so different callers never
// share one. The first request with a key claims it by inserting a row
// (unique per caller and key) holding the SHA-256 of its body, runs, and
// keeps its response if it succeeded: status 200 and no "errors" entry. A
// failed request wrote nothing (each GraphQL request is one transaction), so
// its claim is deleted and a retry runs again. A repeat of a kept request is
// answered from the row, byte for byte, without running; a repeat while the
// first still runs waits for it; a different request under a used key is a
// CONFLICT. Rows are kept for a TTL (DefaultTTL), then treated as absent and
// deleted.
package idempotency

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/idempotencykey"
	"github.com/relgraph/relgraph/store"
)

// Defaults and limits.
const (
	// DefaultTTL is how long a key is kept unless configured otherwise: a
	// retry within it is answered from the first response; after it, the
	// key is free again.
	DefaultTTL = 24 * time.Hour
	// MaxKeyLength bounds a key, in characters (printable ASCII).
	MaxKeyLength = 255
	// MaxResponseBytes bounds a kept response. A successful response over
	// it is sent but not kept (its key is freed): a retry runs again.
	MaxResponseBytes = 1 << 20
	// PollInterval is how often a request waiting for another with its key
	// looks whether that one has finished.
	PollInterval = 20 * time.Millisecond
	// DefaultMaxRun bounds a request's run, unless configured otherwise.
	DefaultMaxRun = 10 * time.Second
	// interruptMargin is added to MaxRun before an unfinished claim is
	// judged interrupted: writing the response and keeping it take time too.
	interruptMargin = time.Minute
	// finishTimeout bounds keeping or releasing a claim after the request's
	// own deadline may have passed.
	finishTimeout = 5 * time.Second
	// maxSweepInterval is the longest time between two deletions of
	// expired rows by one process (while keys are being claimed).
	maxSweepInterval = time.Minute
)

// Options configure a Keeper; zero values take the defaults.
type Options struct {
	// TTL is how long a key is kept; 0 means DefaultTTL.
	TTL time.Duration
	// MaxRun is the longest a request may run (the server's request
	// timeout); 0 means DefaultMaxRun. A claim still unfinished a minute
	// after it is taken to be interrupted (the server stopped between
	// running the request and keeping its response): its outcome is
	// unknown, so a repeat is refused rather than run again.
	MaxRun time.Duration
	// Logger receives the database failures that do not fail a request.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Keeper claims keys, keeps responses and answers repeats.
type Keeper struct {
	client *ent.Client
	ttl    time.Duration
	maxRun time.Duration
	logger *slog.Logger
	now    func() time.Time
	// lastSweep is when this process last deleted expired rows (Unix ns).
	lastSweep atomic.Int64
}

// New returns a Keeper that keeps its rows with client.
func New(client *ent.Client, opts Options) *Keeper {
	k := &Keeper{client: client, ttl: opts.TTL, maxRun: opts.MaxRun, logger: opts.Logger, now: opts.Now}
	if k.ttl <= 0 {
		k.ttl = DefaultTTL
	}
	if k.maxRun <= 0 {
		k.maxRun = DefaultMaxRun
	}
	if k.logger == nil {
		k.logger = slog.Default()
	}
	if k.now == nil {
		k.now = time.Now
	}
	return k
}

// ValidKey reports whether key is 1 to MaxKeyLength printable ASCII
// characters.
func ValidKey(key string) bool {
	if len(key) == 0 || len(key) > MaxKeyLength {
		return false
	}
	for i := range len(key) {
		if key[i] < 0x20 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// request identifies a request sent with a key.
type request struct {
	caller, key string
	hash        string // hex SHA-256 of the body
}

// claim inserts r's row, or, if the key is held, returns the live row that
// holds it (claimed false). An expired row is deleted and the key claimed.
func (k *Keeper) claim(ctx context.Context, r request) (row *ent.IdempotencyKey, claimed bool, err error) {
	for {
		row, err = k.client.IdempotencyKey.Create().
			SetCaller(r.caller).
			SetKey(r.key).
			SetRequestHash(r.hash).
			SetCreatedAt(k.now().UTC()).
			Save(ctx)
		if err == nil {
			k.sweep(ctx)
			return row, true, nil
		}
		if store.ConstraintViolation(err).Kind != store.UniqueViolation {
			return nil, false, err
		}
		if row, err = k.lookup(ctx, r); err != nil || row != nil {
			return row, false, err
		}
		// The row went away between the insert and the read: claim again.
	}
}

// lookup returns the live row of r's key, or nil if there is none; an
// expired one is deleted.
func (k *Keeper) lookup(ctx context.Context, r request) (*ent.IdempotencyKey, error) {
	row, err := k.client.IdempotencyKey.Query().
		Where(idempotencykey.Caller(r.caller), idempotencykey.Key(r.key)).
		Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	case k.expired(row):
		// By id: a row claimed since by another request is not touched.
		if err := k.client.IdempotencyKey.DeleteOneID(row.ID).Exec(ctx); err != nil && !ent.IsNotFound(err) {
			return nil, err
		}
		return nil, nil
	}
	return row, nil
}

// expired reports whether row is older than the TTL.
func (k *Keeper) expired(row *ent.IdempotencyKey) bool {
	return row.CreatedAt.Before(k.now().Add(-k.ttl))
}

// interrupted reports whether row's request should long have finished but
// never kept or released its claim.
func (k *Keeper) interrupted(row *ent.IdempotencyKey) bool {
	return !row.Done && row.CreatedAt.Before(k.now().Add(-(k.maxRun + interruptMargin)))
}

// keep stores the response of the request that claimed row. The claim may
// have expired and been deleted meanwhile (a tiny TTL): nothing to keep.
func (k *Keeper) keep(ctx context.Context, row *ent.IdempotencyKey, status int, contentType string, body []byte) error {
	err := k.client.IdempotencyKey.UpdateOneID(row.ID).
		SetDone(true).
		SetStatus(status).
		SetContentType(contentType).
		SetResponse(body).
		Exec(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	return err
}

// release deletes the claim of a request that failed, so that a retry runs.
func (k *Keeper) release(ctx context.Context, row *ent.IdempotencyKey) error {
	err := k.client.IdempotencyKey.DeleteOneID(row.ID).Exec(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	return err
}

// sweep deletes expired rows, at most once per min(TTL, maxSweepInterval)
// per process, so that the table holds about a TTL's worth of keys. A
// failure is logged: the rows stay for the next sweep.
func (k *Keeper) sweep(ctx context.Context) {
	now := k.now()
	last := k.lastSweep.Load()
	if now.Sub(time.Unix(0, last)) < min(k.ttl, maxSweepInterval) || !k.lastSweep.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	n, err := k.client.IdempotencyKey.Delete().
		Where(idempotencykey.CreatedAtLT(now.Add(-k.ttl).UTC())).
		Exec(ctx)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		k.logger.WarnContext(ctx, "deleting expired idempotency keys failed", "err", err)
		return
	}
	if n > 0 {
		k.logger.DebugContext(ctx, "expired idempotency keys deleted", "count", n)
	}
}
