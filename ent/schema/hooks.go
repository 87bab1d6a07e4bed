package schema

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/ent"

	gen "github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/dependency"
	"github.com/relgraph/relgraph/ent/freezewindow"
	"github.com/relgraph/relgraph/ent/generation"
	"github.com/relgraph/relgraph/ent/hook"
	"github.com/relgraph/relgraph/internal/fault"
)

// cleanInput refuses strings no database should store (NUL bytes, invalid
// UTF-8: PostgreSQL rejects both) and stores every time in UTC, because
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

// trimField trims surrounding whitespace from a string field before the
// field's validators run, so "  billing " is stored as "billing" and a
// blank name fails NotEmpty.
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

// refuseDeleteWhileReferenced refuses to delete an application that changes
// or dependencies still reference: a deletion must never silently take
// portfolio facts with it.
func refuseDeleteWhileReferenced() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ApplicationFunc(func(ctx context.Context, m *gen.ApplicationMutation) (ent.Value, error) {
			ids, err := m.IDs(ctx)
			if err != nil {
				return nil, err
			}
			client := m.Client()
			for _, id := range ids {
				changes, err := client.Change.Query().
					Where(change.HasApplicationsWith(application.ID(id))).Count(ctx)
				if err != nil {
					return nil, err
				}
				deps, err := client.Dependency.Query().
					Where(dependency.Or(dependency.ConsumerID(id), dependency.ProviderID(id))).Count(ctx)
				if err != nil {
					return nil, err
				}
				// Unlinking the application would silently widen a freeze
				// that names only it to the whole portfolio.
				freezes, err := client.FreezeWindow.Query().
					Where(freezewindow.HasApplicationsWith(application.ID(id))).Count(ctx)
				if err != nil {
					return nil, err
				}
				if changes+deps+freezes > 0 {
					name, err := client.Application.Query().Where(application.ID(id)).Select(application.FieldName).String(ctx)
					if err != nil {
						return nil, err
					}
					refs := []string{plural(changes, "change"), plural(deps, "dependency", "dependencies")}
					if freezes > 0 {
						refs = append(refs, plural(freezes, "freeze window"))
					}
					return nil, fault.Conflicting("application %q is still referenced by %s; remove or reassign them first",
						name, strings.Join(refs, " and "))
				}
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpDelete|ent.OpDeleteOne)
}

// refuseSelfDependency refuses a dependency whose consumer is its provider.
// The ends of a dependency are immutable, so checking creation suffices.
func refuseSelfDependency() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.DependencyFunc(func(ctx context.Context, m *gen.DependencyMutation) (ent.Value, error) {
			c, cok := m.ConsumerID()
			p, pok := m.ProviderID()
			if cok && pok && c == p {
				return nil, fault.Invalid("providerID", "an application cannot depend on itself")
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate)
}

// requireApplications keeps every change touching at least one application,
// on creation and after any update that removes applications.
func requireApplications() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return hook.ChangeFunc(func(ctx context.Context, m *gen.ChangeMutation) (ent.Value, error) {
			const msg = "a change must touch at least one application"
			switch {
			case m.Op().Is(ent.OpCreate):
				if len(m.ApplicationsIDs()) == 0 {
					return nil, fault.Invalid("applicationIDs", msg)
				}
			case m.Op().Is(ent.OpUpdate | ent.OpUpdateOne):
				if !m.ApplicationsCleared() && len(m.RemovedApplicationsIDs()) == 0 {
					break
				}
				ids, err := m.IDs(ctx)
				if err != nil {
					return nil, err
				}
				for _, id := range ids {
					var current []int
					if !m.ApplicationsCleared() {
						current, err = m.Client().Application.Query().
							Where(application.HasChangesWith(change.ID(id))).IDs(ctx)
						if err != nil {
							return nil, err
						}
					}
					if remaining(current, m.RemovedApplicationsIDs(), m.ApplicationsIDs()) == 0 {
						return nil, fault.Invalid("removeApplicationIDs", msg)
					}
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

// remaining counts the distinct ids of current minus removed plus added.
func remaining(current, removed, added []int) int {
	set := make(map[int]bool, len(current)+len(added))
	for _, id := range current {
		set[id] = true
	}
	for _, id := range removed {
		delete(set, id)
	}
	for _, id := range added {
		set[id] = true
	}
	return len(set)
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

func plural(n int, forms ...string) string {
	if n == 1 {
		return "1 " + forms[0]
	}
	if len(forms) > 1 {
		return fmt.Sprintf("%d %s", n, forms[1])
	}
	return fmt.Sprintf("%d %ss", n, forms[0])
}

// GraphGeneration names the counter of dependency-graph writes.
const GraphGeneration = "graph"

// bumpGraphGeneration increments the graph generation in the same
// transaction as an application or dependency write, after the write
// succeeded, so that every server's snapshot of the graph is known stale the
// moment the write commits, and not before.
func bumpGraphGeneration() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			c, ok := m.(interface{ Client() *gen.Client })
			if !ok {
				return nil, fmt.Errorf("bump graph generation: unexpected mutation %T", m)
			}
			if err := BumpGeneration(ctx, c.Client(), GraphGeneration); err != nil {
				return nil, err
			}
			return v, nil
		})
	}
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
