package schema

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	gen "github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/deployment"
	"github.com/relgraph/relgraph/ent/deploymentplan"
	"github.com/relgraph/relgraph/lifecycle"
)

// Environment is a place releases are deployed to, at one stage of the flow
// from development to production.
type Environment struct {
	ent.Schema
}

// Mixin of the Environment.
func (Environment) Mixin() []ent.Mixin {
	return []ent.Mixin{RecordMixin{}}
}

// Fields of the Environment.
func (Environment) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			Validate(length(1, 200)).
			MaxLen(200).
			Unique().
			Comment("Unique name of the environment; surrounding whitespace is trimmed.").
			Annotations(entgql.OrderField("NAME")),
		field.Enum("stage").
			GoType(lifecycle.Stage("")).
			Immutable().
			Comment("Where the environment stands in the flow from development to production. Immutable: changing it would rewrite which stages past deployments passed.").
			Annotations(entgql.Type("EnvironmentStage")),
		field.String("description").
			Default("").
			Validate(length(0, 10000)).
			MaxLen(10000).
			Comment("What the environment is for."),
	}
}

// Edges of the Environment.
func (Environment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("deployments", Deployment.Type).
			Comment("Deployments to this environment.").
			Annotations(
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		edge.To("deployment_plans", DeploymentPlan.Type).
			Comment("Deployment plans for this environment.").
			Annotations(
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
	}
}

// Hooks of the Environment.
func (Environment) Hooks() []ent.Hook {
	return []ent.Hook{
		trimField("name"),
		writtenElsewhere(map[string]string{"deployments": "a deployment's environment is fixed when it is created"}),
		refuseDeleteWhileReferenced("delete them first",
			referrer{noun: "deployment", count: func(ctx context.Context, c *gen.Client, id int) (int, error) {
				return c.Deployment.Query().Where(deployment.EnvironmentID(id)).Count(ctx)
			}},
			referrer{noun: "deployment plan", count: func(ctx context.Context, c *gen.Client, id int) (int, error) {
				return c.DeploymentPlan.Query().Where(deploymentplan.EnvironmentID(id)).Count(ctx)
			}},
		),
	}
}

// Annotations of the Environment.
func (Environment) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A place releases are deployed to, at one stage of the flow from development to production."),
	}
}
