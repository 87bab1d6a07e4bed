package schema

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"

	gen "github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/generation"
	"github.com/relgraph/relgraph/ent/hook"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/freetext"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/lifecycle"
)

// cleanInput refuses strings no database should store (NUL bytes, invalid
// UTF-8: PostgreSQL rejects both) and times outside the years RFC 3339 can
// spell (StorableTime), and stores every time in UTC, because
// SQLite compares times as text and mixed offsets would sort and filter
// wrongly. It serves every entity.
func cleanInput() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			for _, name := range m.Fields() {
				v, _ := m.Field(name)
				switch v := v.(type) {
				case string:
					if strings.ContainsRune(v, 0) || !utf8.ValidString(v) {
						return nil, fault.Invalid(GraphQLName(name), "%s must be valid UTF-8 text without NUL characters", GraphQLName(name))
					}
				case time.Time:
					if err := StorableTime(v); err != nil {
						return nil, fault.Invalid(GraphQLName(name), "%s %s", GraphQLName(name), err)
					}
					if v.Location() != time.UTC {
						if err := m.SetField(name, v.UTC()); err != nil {
							return nil, err
						}
					}
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

// StorableTime reports whether t can be stored and read back as it is:
// SQLite keeps times as text and PostgreSQL's timestamps end in year 294276,
// but RFC 3339, in which relgraph reads and writes times, spells years
// 0001 to 9999 only.
func StorableTime(t time.Time) error {
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("must lie in the years 0001 to 9999 (UTC), not %d", y)
	}
	return nil
}

// trimField trims surrounding whitespace from a string field before the
// field's validators run, so "  billing " is stored as "billing" and a
// blank name fails its length validator.
func trimField(name string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if v, ok := m.Field(name); ok {
				if s, ok := v.(string); ok {
					if err := m.SetField(name, strings.TrimSpace(s)); err != nil {
						return nil, err
					}
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

// requireWindowOrder keeps a time window well formed: when both startsAt and
// endsAt are set, endsAt is after startsAt, whichever of them a write
// touches. It serves every entity with a window.
func requireWindowOrder() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			touched := fieldTouched(m, "starts_at") || fieldTouched(m, "ends_at")
			switch {
			case !touched:
			case m.Op().Is(ent.OpCreate | ent.OpUpdateOne):
				starts, err := timeAfterWrite(ctx, m, "starts_at")
				if err != nil {
					return nil, err
				}
				ends, err := timeAfterWrite(ctx, m, "ends_at")
				if err != nil {
					return nil, err
				}
				if starts != nil && ends != nil {
					if err := checkWindow(*starts, *ends); err != nil {
						return nil, err
					}
				}
			case m.Op().Is(ent.OpUpdate):
				// A bulk update cannot see each row's other end: it must set both.
				starts, sok := m.Field("starts_at")
				ends, eok := m.Field("ends_at")
				if !sok || !eok {
					return nil, fault.Invalid("endsAt", "a bulk update of a window must set both startsAt and endsAt")
				}
				if err := checkWindow(starts.(time.Time), ends.(time.Time)); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

func fieldTouched(m ent.Mutation, name string) bool {
	_, set := m.Field(name)
	return set || m.FieldCleared(name)
}

// timeAfterWrite is the value a time field will have once m is applied.
func timeAfterWrite(ctx context.Context, m ent.Mutation, name string) (*time.Time, error) {
	if v, ok := m.Field(name); ok {
		t := v.(time.Time)
		return &t, nil
	}
	if m.FieldCleared(name) || !m.Op().Is(ent.OpUpdateOne) {
		return nil, nil
	}
	old, err := m.OldField(ctx, name)
	if err != nil {
		return nil, err
	}
	switch t := old.(type) {
	case *time.Time:
		return t, nil
	case time.Time:
		return &t, nil
	}
	return nil, nil
}

func checkWindow(starts, ends time.Time) error {
	if !ends.After(starts) {
		return fault.Invalid("endsAt", "endsAt (%s) must be after startsAt (%s)",
			ends.Format(time.RFC3339), starts.Format(time.RFC3339))
	}
	return nil
}

// plural counts n things: "1 change", "2 changes", "3 dependencies" (with
// pluralNoun "dependencies"; empty means noun+"s").
func plural(n int, noun, pluralNoun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if pluralNoun == "" {
		pluralNoun = noun + "s"
	}
	return fmt.Sprintf("%d %s", n, pluralNoun)
}

// GraphGeneration names the counter of dependency-graph writes.
const GraphGeneration = "graph"

// ChangesGeneration names the counter of writes to changes, releases and
// freeze windows: while it and the graph generation stand still, so do a
// release's changed applications and everything its analyses read (its
// window, conflicts, freezes, risk), so servers may keep them in memory.
const ChangesGeneration = "changes"

// referrer is one kind of record that may still point at a record being
// deleted, for refuseDeleteWhileReferenced.
type referrer struct {
	// noun names one such record; plural, if set, names several.
	noun, plural string
	count        func(ctx context.Context, c *gen.Client, id int) (int, error)
}

// refuseDeleteWhileReferenced refuses to delete a record that records of
// the given kinds still point at, naming them and what to do instead
// (advice): a deletion must never silently take portfolio facts with it.
func refuseDeleteWhileReferenced(advice string, refs ...referrer) ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			ids, err := mutationIDs(ctx, m)
			if err != nil {
				return nil, err
			}
			client, err := clientOf(m)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				var found []string
				for _, r := range refs {
					n, err := r.count(ctx, client, id)
					if err != nil {
						return nil, err
					}
					if n > 0 {
						found = append(found, plural(n, r.noun, r.plural))
					}
				}
				if len(found) == 0 {
					continue
				}
				record, err := loadEntity(ctx, client, m.Type(), id)
				if err != nil {
					return nil, err
				}
				return nil, fault.Conflicting("%s %q is still referenced by %s; %s",
					strings.ToLower(m.Type()), asMap(record)["name"], strings.Join(found, " and "), advice)
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpDelete|ent.OpDeleteOne)
}

// versioned bumps the version of every updated record, and, when the caller
// said which version it last saw (viewer.Intent.ExpectedVersion), applies
// the update only if the record is still at that version. The stored
// version is read first, so a stale caller hears CONFLICT before any other
// rule speaks; the write itself is a conditional UPDATE (... WHERE version
// = expected), so two writers that read the same version can never both win.
func versioned() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if err := m.AddField("version", 1); err != nil {
				return nil, err
			}
			id, hasID := mutationID(m)
			expected, guarded := viewer.ExpectedVersion(ctx, id)
			if !hasID || !guarded {
				return next.Mutate(ctx, m)
			}
			stale := func() error {
				current, err := currentVersion(ctx, m, id)
				switch {
				case err != nil:
					return err
				case current != 0 && current != expected:
					return fault.StaleVersion(m.Type(), id, expected, current)
				}
				return nil
			}
			if err := stale(); err != nil {
				return nil, err
			}
			wm, ok := m.(interface{ WhereP(...func(*sql.Selector)) })
			if !ok {
				return nil, fmt.Errorf("versioned: %T cannot be filtered", m)
			}
			wm.WhereP(sql.FieldEQ("version", expected))
			v, err := next.Mutate(ctx, m)
			if gen.IsNotFound(err) {
				// Another writer moved the record between the read and the write.
				if serr := stale(); serr != nil {
					return nil, serr
				}
			}
			return v, err
		})
	}, ent.OpUpdate|ent.OpUpdateOne)
}

// currentVersion reads the stored version of record id; 0 if it is gone.
func currentVersion(ctx context.Context, m ent.Mutation, id int) (int, error) {
	client, err := clientOf(m)
	if err != nil {
		return 0, err
	}
	record, err := loadEntity(ctx, client, m.Type(), id)
	if gen.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	switch r := record.(type) {
	case *gen.Application:
		return r.Version, nil
	case *gen.Change:
		return r.Version, nil
	case *gen.Release:
		return r.Version, nil
	case *gen.DeploymentStep:
		return r.Version, nil
	}
	return 0, fmt.Errorf("versioned: %T has no version", record)
}

// mutationID is the id of the record an UpdateOne or DeleteOne writes, or
// the id a create was given once it ran.
func mutationID(m ent.Mutation) (int, bool) {
	if im, ok := m.(interface{ ID() (int, bool) }); ok {
		return im.ID()
	}
	return 0, false
}

// mutationIDs are the ids of the records an update or delete writes.
func mutationIDs(ctx context.Context, m ent.Mutation) ([]int, error) {
	im, ok := m.(interface {
		IDs(context.Context) ([]int, error)
	})
	if !ok {
		return nil, fmt.Errorf("%T has no ids", m)
	}
	return im.IDs(ctx)
}

// clientOf is the client m writes through: the transaction's, inside one.
func clientOf(m ent.Mutation) (*gen.Client, error) {
	c, ok := m.(interface{ Client() *gen.Client })
	if !ok {
		return nil, fmt.Errorf("%T has no client", m)
	}
	return c.Client(), nil
}

// BumpGeneration increments the named generation, creating it on first use.
func BumpGeneration(ctx context.Context, client *gen.Client, name string) error {
	n, err := client.Generation.Update().Where(generation.Name(name)).AddValue(1).Save(ctx)
	if err != nil {
		return fmt.Errorf("bump generation %s: %w", name, err)
	}
	if n == 0 {
		if err := client.Generation.Create().SetName(name).SetValue(1).Exec(ctx); err != nil {
			return fmt.Errorf("create generation %s: %w", name, err)
		}
	}
	return nil
}

// length validates a text field's length in bytes, as the column's MaxLen
// counts it. Declared before MaxLen (which still sizes the column), it
// answers first, with an error the presenter can word: Ent's own NotEmpty
// and MaxLen fail with untyped text.
func length(min, max int) func(string) error {
	return func(s string) error {
		switch {
		case len(s) < min && min == 1:
			return fault.Invalid("", "must not be empty")
		case len(s) < min:
			return fault.Invalid("", "must be at least %d bytes long", min)
		case len(s) > max:
			return fault.Invalid("", "is too long: at most %d bytes", max)
		}
		return nil
	}
}

// writtenElsewhere refuses writes of the named edges from this side. Each
// is written by the record at its other end, whose rules and audit trail
// apply there (a change keeps at least one application; a deployment's
// release is fixed): edge names the edge, where says how to write it.
func writtenElsewhere(where map[string]string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			touched := append(append(m.AddedEdges(), m.RemovedEdges()...), m.ClearedEdges()...)
			for _, e := range touched {
				if how, ok := where[e]; ok {
					return nil, fault.Precondition("%s.%s cannot be written from this side: %s", m.Type(), GraphQLName(e), how)
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

// reasonFor is why the caller writes record id (viewer.Reason), fit for the
// audit trail: trimmed of white space and invisible characters, and refused
// with BAD_USER_INPUT when it holds control characters or runs past
// freetext.MaxReason. A reason with nothing visible counts as none.
func reasonFor(ctx context.Context, id int) (string, error) {
	raw, ok := viewer.Reason(ctx, id)
	if !ok || freetext.Blank(raw) {
		return "", nil
	}
	reason, err := freetext.Clean(raw, freetext.MaxReason)
	if err != nil {
		return "", fault.Invalid("reason", "reason %s", err)
	}
	return reason, nil
}

// overrideFor is the caller's request to go ahead despite freeze windows
// in the write of record id, with its reason; ids beyond the first are
// records on whose behalf the write happens (the release a change is moved
// into by updateRelease).
func overrideFor(ctx context.Context, ids ...int) (lifecycle.Override, error) {
	for _, id := range ids {
		if viewer.Overrides(ctx, id) {
			reason, err := reasonFor(ctx, id)
			return lifecycle.Override{Override: true, Reason: reason}, err
		}
	}
	return lifecycle.Override{}, nil
}

// freezeFinder returns the client's lifecycle.FreezeFinder and a context
// whose reads go through the write's transaction, so the finder sees what
// the transaction wrote before. A client built without one (not by
// store.Open) cannot check freezes, and says so rather than skip the check.
func freezeFinder(ctx context.Context, m interface {
	Tx() (*gen.Tx, error)
}, finder lifecycle.FreezeFinder) (lifecycle.FreezeFinder, context.Context, error) {
	if finder == nil {
		return nil, ctx, errors.New("freeze check: the Ent client has no lifecycle.FreezeFinder (open it with store.Open, or pass ent.Freezes)")
	}
	if tx, err := m.Tx(); err == nil {
		ctx = gen.NewTxContext(ctx, tx)
	}
	return finder, ctx, nil
}
