package schema

import (
	"context"

	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/dependency"
	"github.com/relgraph/relgraph/ent/hook"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/lifecycle"
)

// Dependency reads "consumer depends on provider": a change to the provider
// may impact the consumer. Its ends are immutable; to move a dependency,
// delete it and create another.
type Dependency struct {
	ent.Schema
}

// Mixin of the Dependency.
func (Dependency) Mixin() []ent.Mixin {
	return []ent.Mixin{RecordMixin{}}
}

// Fields of the Dependency.
func (Dependency) Fields() []ent.Field {
	return []ent.Field{
		field.Int("consumer_id").
			Immutable().
			Comment("The application that depends on the provider."),
		field.Int("provider_id").
			Immutable().
			Comment("The application the consumer depends on."),
		field.Enum("kind").
			Values("RUNTIME", "DATA", "BUILD", "INFRASTRUCTURE").
			Default("RUNTIME").
			Comment("How the consumer depends on the provider."),
		field.String("description").
			Default("").
			Validate(length(0, 10000)).
			MaxLen(10000).
			Comment("Free text about the dependency."),
	}
}

// Edges of the Dependency.
func (Dependency) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("consumer", Application.Type).
			Ref("upstream_dependencies").
			Field("consumer_id").
			Unique().
			Required().
			Immutable().
			Comment("The application that depends on the provider."),
		edge.From("provider", Application.Type).
			Ref("downstream_dependencies").
			Field("provider_id").
			Unique().
			Required().
			Immutable().
			Comment("The application the consumer depends on."),
	}
}

// Indexes of the Dependency: one record per (consumer, provider) pair, and
// the provider side indexed for "who depends on me" look-ups.
func (Dependency) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("consumer_id", "provider_id").Unique(),
		index.Fields("provider_id"),
	}
}

// Hooks of the Dependency.
func (Dependency) Hooks() []ent.Hook {
	return []ent.Hook{
		checkEnds(),
		dependenciesSpareStartedReleases(),
		recordGraphWrite(),
	}
}

// dependenciesSpareStartedReleases refuses, without an override, a new
// dependency through which an IN_PROGRESS release's impact would reach a
// freeze window it does not violate yet: the dependency moves the release
// into the freeze as surely as moving its window would.
func dependenciesSpareStartedReleases() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.DependencyFunc(func(ctx context.Context, m *gen.DependencyMutation) (ent.Value, error) {
			c, cok := m.ConsumerID()
			p, pok := m.ProviderID()
			if !cok || !pok {
				return next.Mutate(ctx, m)
			}
			finder, fctx, err := freezeFinder(ctx, m, m.Freezes)
			if err != nil {
				return nil, err
			}
			releases, freezes, err := finder.FreezesReachedThrough(fctx, c, p)
			if err != nil {
				return nil, err
			}
			override, err := overrideFor(ctx, viewer.NewRecord)
			if err != nil {
				return nil, err
			}
			if err := lifecycle.CheckDependencyOverStarted(releases, freezes, override); err != nil {
				return nil, err
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate)
}

// checkEnds refuses a dependency whose consumer is its provider, or that
// repeats an existing one (the unique index stays the guard against a
// concurrent writer; this check words the common case). The ends of a
// dependency are immutable, so checking creation suffices.
func checkEnds() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.DependencyFunc(func(ctx context.Context, m *gen.DependencyMutation) (ent.Value, error) {
			c, cok := m.ConsumerID()
			p, pok := m.ProviderID()
			if !cok || !pok {
				return next.Mutate(ctx, m)
			}
			if c == p {
				return nil, fault.Invalid("providerID", "an application cannot depend on itself")
			}
			exists, err := m.Client().Dependency.Query().Where(dependency.ConsumerID(c), dependency.ProviderID(p)).Exist(ctx)
			if err != nil {
				return nil, err
			}
			if exists {
				return nil, &fault.Error{Code: fault.Conflict, Field: "providerID", Message: "the consumer already depends on this provider"}
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate)
}

// Annotations of the Dependency.
func (Dependency) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A dependency between two applications: the consumer depends on the provider."),
	}
}
