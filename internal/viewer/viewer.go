// Package viewer carries what a caller means by a write through the
// request context down to the schema hooks that record and guard it: who is
// writing (the actor), why (a reason), what kind of step it is (a release
// transition rather than a plain update), and which version of a record the
// caller last saw.
package viewer

import "context"

type actorKey struct{}
type reasonKey struct{}
type transitionKey struct{}
type expectedKey struct{}

// Anonymous is the actor of writes whose caller did not say who they are.
const Anonymous = "anonymous"

// WithActor records who is writing.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// Actor returns who is writing, or Anonymous.
func Actor(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return Anonymous
}

// WithReason records why the caller writes.
func WithReason(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, reasonKey{}, reason)
}

// Reason returns the recorded reason, if any.
func Reason(ctx context.Context) (string, bool) {
	r, ok := ctx.Value(reasonKey{}).(string)
	return r, ok && r != ""
}

// AsTransition marks the writes under ctx as a release state transition.
func AsTransition(ctx context.Context) context.Context {
	return context.WithValue(ctx, transitionKey{}, true)
}

// IsTransition reports whether the writes under ctx are a transition.
func IsTransition(ctx context.Context) bool {
	t, _ := ctx.Value(transitionKey{}).(bool)
	return t
}

type expectation struct {
	id, version int
}

// ExpectVersion records that the caller last saw record id at version: an
// update of that record applies only if it is still at that version.
func ExpectVersion(ctx context.Context, id, version int) context.Context {
	return context.WithValue(ctx, expectedKey{}, expectation{id: id, version: version})
}

// ExpectedVersion returns the version the caller expects record id to have.
func ExpectedVersion(ctx context.Context, id int) (int, bool) {
	e, ok := ctx.Value(expectedKey{}).(expectation)
	if !ok || e.id != id {
		return 0, false
	}
	return e.version, true
}
