package schema

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	gen "github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/dependency"
	"github.com/relgraph/relgraph/ent/deploymentstep"
	"github.com/relgraph/relgraph/ent/freezewindow"
)

// Application is a deployable system of the portfolio: a service, a database,
// a front end. Applications depend on each other through Dependency records.
type Application struct {
	ent.Schema
}

// Mixin of the Application.
func (Application) Mixin() []ent.Mixin {
	return []ent.Mixin{RecordMixin{}, VersionMixin{}}
}

// Fields of the Application.
func (Application) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			Validate(length(1, 200)).
			MaxLen(200).
			Unique().
			Comment("Unique name of the application; surrounding whitespace is trimmed.").
			Annotations(entgql.OrderField("NAME")),
		field.String("description").
			Default("").
			Validate(length(0, 10000)).
			MaxLen(10000).
			Comment("What the application does."),
		field.String("owner").
			Default("").
			Validate(length(0, 200)).
			MaxLen(200).
			Comment("The team that owns the application."),
		field.Enum("criticality").
			Values("CRITICAL", "HIGH", "MEDIUM", "LOW").
			Annotations(entgql.Type("Criticality")).
			Default("MEDIUM").
			Comment("How much the business suffers when the application is down."),
	}
}

// Edges of the Application.
func (Application) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("changes", Change.Type).
			Ref("applications").
			Through("change_applications", ChangeApplication.Type).
			Comment("The changes that touch this application.").
			Annotations(
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		edge.From("freeze_windows", FreezeWindow.Type).
			Ref("applications").
			Comment("The freeze windows that name this application.").
			Annotations(
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		edge.To("upstream_dependencies", Dependency.Type).
			Comment("Dependency records in which this application is the consumer: what it depends on.").
			Annotations(
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		edge.To("downstream_dependencies", Dependency.Type).
			Comment("Dependency records in which this application is the provider: what depends on it.").
			Annotations(
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		edge.To("deployment_steps", DeploymentStep.Type).
			Comment("The deployment plan steps that deploy or roll back this application.").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Hooks of the Application.
func (Application) Hooks() []ent.Hook {
	return []ent.Hook{
		trimField("name"),
		writtenElsewhere(map[string]string{
			"changes":                 "set a change's applications on the change (applicationIDs)",
			"freeze_windows":          "set a freeze window's applications on the freeze window (applicationIDs)",
			"upstream_dependencies":   "create or delete the dependency",
			"downstream_dependencies": "create or delete the dependency",
		}),
		// A freeze naming only this application would silently widen to
		// the whole portfolio if the application disappeared from it.
		refuseDeleteWhileReferenced("remove or reassign them first",
			referrer{noun: "change", count: func(ctx context.Context, c *gen.Client, id int) (int, error) {
				return c.Change.Query().Where(change.HasApplicationsWith(application.ID(id))).Count(ctx)
			}},
			referrer{noun: "dependency", plural: "dependencies", count: func(ctx context.Context, c *gen.Client, id int) (int, error) {
				return c.Dependency.Query().Where(dependency.Or(dependency.ConsumerID(id), dependency.ProviderID(id))).Count(ctx)
			}},
			referrer{noun: "freeze window", count: func(ctx context.Context, c *gen.Client, id int) (int, error) {
				return c.FreezeWindow.Query().Where(freezewindow.HasApplicationsWith(application.ID(id))).Count(ctx)
			}},
			referrer{noun: "deployment plan step", count: func(ctx context.Context, c *gen.Client, id int) (int, error) {
				return c.DeploymentStep.Query().Where(deploymentstep.ApplicationID(id)).Count(ctx)
			}},
		),
		recordGraphWrite(),
	}
}

// Annotations of the Application.
func (Application) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A deployable system of the portfolio: a service, a database, a front end."),
	}
}
