// Package viewer carries who is making a request, and what they declare
// about a write, through the request context down to the schema's hooks and
// privacy policies that record and judge it: the viewer (the actor the audit
// trail names, and their role), and, per record, the version the caller last
// saw, a request to override freeze windows, and a reason. Declarations are
// not permissions: the hooks still apply every rule (an override needs a
// reason; a stale version is refused); the role is the permission.
package viewer

import "context"

type viewerKey struct{}
type intentKey struct{}

// Anonymous is the actor of writes whose caller did not say who they are.
const Anonymous = "anonymous"

// Viewer is who makes a request: the actor the audit trail names, and the
// role that decides what they may do.
type Viewer struct {
	Actor string
	Role  Role
}

// With records who makes the request under ctx. Code that runs without a
// viewer (the demo loader, command-line tools, a Go program using the Ent
// client) is trusted: it has the database already.
func With(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// From returns the request's viewer, if it has one.
func From(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok
}

// WithActor records who is writing, keeping any role already recorded.
func WithActor(ctx context.Context, actor string) context.Context {
	v, ok := From(ctx)
	if !ok {
		v.Role = Admin // code that names an actor without a viewer is trusted
	}
	v.Actor = actor
	return With(ctx, v)
}

// Actor returns who is writing, or Anonymous.
func Actor(ctx context.Context) string {
	if v, ok := From(ctx); ok && v.Actor != "" {
		return v.Actor
	}
	return Anonymous
}

// NewRecord stands for the id of a record a write creates, which is not
// known before it is written: WithIntent(ctx, NewRecord, ...) declares
// intent for a create.
const NewRecord = 0

// Intent is what a caller declares about the write of one record; nil
// fields declare nothing.
type Intent struct {
	// ExpectedVersion is the version the caller last saw: the write applies
	// only if the record is still at it.
	ExpectedVersion *int
	// Override asks to start a release despite the freeze windows it
	// violates; the state machine still wants a Reason.
	Override *bool
	// Reason says why; the audit trail keeps it with the write.
	Reason *string
}

type intent struct {
	id int
	Intent
}

// WithIntent records what the caller declares about the write of record id.
func WithIntent(ctx context.Context, id int, in Intent) context.Context {
	return context.WithValue(ctx, intentKey{}, intent{id: id, Intent: in})
}

func intentFor(ctx context.Context, id int) Intent {
	if in, ok := ctx.Value(intentKey{}).(intent); ok && in.id == id {
		return in.Intent
	}
	return Intent{}
}

// ExpectedVersion returns the version the caller expects record id to have.
func ExpectedVersion(ctx context.Context, id int) (int, bool) {
	if v := intentFor(ctx, id).ExpectedVersion; v != nil {
		return *v, true
	}
	return 0, false
}

// Overrides reports whether the caller asked to override freeze windows in
// the write of record id.
func Overrides(ctx context.Context, id int) bool {
	o := intentFor(ctx, id).Override
	return o != nil && *o
}

// Reason returns why the caller writes record id, as given, if they said;
// the schema decides whether it is fit for the audit trail.
func Reason(ctx context.Context, id int) (string, bool) {
	if r := intentFor(ctx, id).Reason; r != nil && *r != "" {
		return *r, true
	}
	return "", false
}
