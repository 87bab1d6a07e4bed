package store

import (
	"context"
	"sync"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/release"
)

// releaseCache holds release records as read at one changes generation, its
// label. Every write of a release row is a Release mutation, and every
// Release mutation moves the changes generation, so a request that read the
// same generation may take a release from here instead of a statement (a
// release board asks for the same few releases again and again). The
// records are shared: Release hands out copies.
//
// A write in a transaction (every GraphQL mutation, WithTx) moves the
// generation with the row, atomically. A Go program writing a release
// through the client outside a transaction commits the row, then moves the
// generation in a second statement: between the two, a request may still
// be answered the release as it was.
type releaseCache struct {
	label int64
	mu    sync.RWMutex
	byID  map[int]*ent.Release
}

// releaseCacheFor returns the cache labelled label, replacing an older one;
// nil if a newer one is in place (the request then reads the database).
func (g *GraphCache) releaseCacheFor(label int64) *releaseCache {
	for {
		cur := g.releases.Load()
		if cur != nil && cur.label == label {
			return cur
		}
		if cur != nil && cur.label > label {
			return nil
		}
		next := &releaseCache{label: label, byID: map[int]*ent.Release{}}
		if g.releases.CompareAndSwap(cur, next) {
			return next
		}
	}
}

// Release returns release id with every column, as new as the request's
// changes generation or newer: from memory when a request at the same
// generation read it, otherwise from the database. Inside a transaction, or
// outside a request, it always reads. The release counts as loaded by the
// request (batch reads include it). A missing release is ent's not-found
// error.
func (g *GraphCache) Release(ctx context.Context, id int) (*ent.Release, error) {
	label, ok, err := g.requestChanges(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return g.clientFor(ctx).Release.Get(ctx, id)
	}
	cache := g.releaseCacheFor(label)
	if cache != nil {
		cache.mu.RLock()
		r, hit := cache.byID[id]
		cache.mu.RUnlock()
		if hit {
			batchOf(ctx).register(id)
			c := *r
			return &c, nil
		}
	}
	// Read after the label: the record is as new as it, or newer, and so
	// safe to keep under it.
	r, err := g.client.Release.Query().Where(release.ID(id)).Only(ctx)
	if err != nil {
		return nil, err
	}
	if cache != nil {
		c := *r
		cache.mu.Lock()
		cache.byID[id] = &c
		cache.mu.Unlock()
	}
	return r, nil
}
