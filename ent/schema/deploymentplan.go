package schema

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"

	"github.com/relgraph/relgraph/deployplan"
	gen "github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/deploymentplan"
	"github.com/relgraph/relgraph/ent/deploymentstep"
	"github.com/relgraph/relgraph/ent/hook"
	"github.com/relgraph/relgraph/ent/release"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/lifecycle"
)

// DeploymentPlan is the ordered, editable runbook for deploying one release
// to one environment, generated from the release's deployment waves
// (generateDeploymentPlan). One per release and environment.
type DeploymentPlan struct {
	ent.Schema
}

// Mixin of the DeploymentPlan.
func (DeploymentPlan) Mixin() []ent.Mixin {
	return []ent.Mixin{RecordMixin{NoMutations: true}}
}

// Fields of the DeploymentPlan.
func (DeploymentPlan) Fields() []ent.Field {
	return []ent.Field{
		field.Int("release_id").
			Immutable().
			Comment("The release the plan deploys."),
		field.Int("environment_id").
			Immutable().
			Comment("The environment the plan deploys to."),
	}
}

// Edges of the DeploymentPlan.
func (DeploymentPlan) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("release", Release.Type).
			Ref("deployment_plans").
			Field("release_id").
			Unique().
			Required().
			Immutable().
			Comment("The release the plan deploys."),
		edge.From("environment", Environment.Type).
			Ref("deployment_plans").
			Field("environment_id").
			Unique().
			Required().
			Immutable().
			Comment("The environment the plan deploys to."),
		edge.To("steps", DeploymentStep.Type).
			Comment("The plan's steps: its DEPLOY steps in wave order, then its ROLLBACK steps in reverse order.").
			Annotations(entgql.RelayConnection()),
	}
}

// Indexes of the DeploymentPlan: one plan per release and environment.
func (DeploymentPlan) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("release_id", "environment_id").Unique(),
		index.Fields("environment_id"),
	}
}

// Hooks of the DeploymentPlan.
func (DeploymentPlan) Hooks() []ent.Hook {
	return []ent.Hook{
		refuseDeletingPlanWithSteps(),
	}
}

// refuseDeletingPlanWithSteps refuses to delete a plan that still has
// steps, with CONFLICT rather than the database's foreign-key error: a
// plan's steps are deleted first, and audited one by one
// (deleteDeploymentPlan does both).
func refuseDeletingPlanWithSteps() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.DeploymentPlanFunc(func(ctx context.Context, m *gen.DeploymentPlanMutation) (ent.Value, error) {
			ids, err := m.IDs(ctx)
			if err != nil {
				return nil, err
			}
			n, err := m.Client().DeploymentStep.Query().Where(deploymentstep.PlanIDIn(ids...)).Count(ctx)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				return nil, fault.Conflicting("the deployment plan still has %s: delete them first (deleteDeploymentPlan deletes both)", plural(n, "step", ""))
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpDelete|ent.OpDeleteOne)
}

// Annotations of the DeploymentPlan.
func (DeploymentPlan) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("The ordered, editable runbook for deploying one release to one environment, generated from the release's deployment waves."),
	}
}

// DeploymentStep is one step of a deployment plan: deploying, or rolling
// back, one application. Scripts move its status as they deploy; the wave
// gate (deployplan) decides when it may start.
type DeploymentStep struct {
	ent.Schema
}

// Mixin of the DeploymentStep.
func (DeploymentStep) Mixin() []ent.Mixin {
	return []ent.Mixin{
		// First, so that its hook runs before RecordMixin's audit snapshot.
		planTurnMixin{},
		RecordMixin{Transitions: "status", NoMutations: true},
		VersionMixin{},
	}
}

// planTurnMixin makes a write of a step's status take the plans' turn
// (LockPlans) before any other hook runs: the wave gate then reads the plan
// as the writer before it left it, and the audit trail's snapshot records
// that writer's status as the old one, not the status the step had before
// this write waited (on PostgreSQL a snapshot read before the wait would
// record PENDING → DONE for a step another writer had just started).
type planTurnMixin struct{ mixin.Schema }

// Hooks of the planTurnMixin.
func (planTurnMixin) Hooks() []ent.Hook {
	return []ent.Hook{hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.DeploymentStepFunc(func(ctx context.Context, m *gen.DeploymentStepMutation) (ent.Value, error) {
			if _, moving := m.Status(); moving {
				if err := LockPlans(ctx, m.Client()); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpUpdate|ent.OpUpdateOne)}
}

// Fields of the DeploymentStep.
func (DeploymentStep) Fields() []ent.Field {
	return []ent.Field{
		field.Int("plan_id").
			Immutable().
			Comment("The plan the step belongs to."),
		field.Int("application_id").
			Immutable().
			Comment("The application the step deploys or rolls back."),
		field.Enum("kind").
			GoType(deployplan.Kind("")).
			Immutable().
			Comment("DEPLOY, or ROLLBACK: undoing the application's deployment if the release must be backed out.").
			Annotations(entgql.Type("DeploymentStepKind")),
		field.Int("wave").
			Min(1).
			Immutable().
			Comment("The deployment wave of the application, from 1: DEPLOY steps of one wave may run in parallel, after every earlier wave.").
			Annotations(entgql.OrderField("WAVE")),
		field.Int("position").
			Min(1).
			Immutable().
			Comment("The step's place in the plan, from 1: DEPLOY steps by wave then application name, then ROLLBACK steps in the reverse order.").
			Annotations(entgql.OrderField("POSITION")),
		field.Enum("status").
			GoType(deployplan.Status("")).
			Default(string(deployplan.Pending)).
			Comment("Where the step stands: PENDING, RUNNING, DONE, FAILED or SKIPPED. A DEPLOY step may become RUNNING or DONE only once every DEPLOY step of the earlier waves is DONE or SKIPPED (ROLLBACK steps likewise, in their reverse order).").
			Annotations(entgql.Type("DeploymentStepStatus"), entgql.OrderField("STATUS")),
		field.String("owner").
			Default("").
			Validate(length(0, 200)).
			MaxLen(200).
			Comment("Who carries the step out: the application's owning team when generated; editable."),
		field.String("notes").
			Default("").
			Validate(length(0, 10000)).
			MaxLen(10000).
			Comment("Free text for the runbook: commands, checks, contacts."),
		field.Time("started_at").
			Optional().
			Nillable().
			Comment("When the step last became RUNNING.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("finished_at").
			Optional().
			Nillable().
			Comment("When the step last became DONE, FAILED or SKIPPED.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Edges of the DeploymentStep.
func (DeploymentStep) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("plan", DeploymentPlan.Type).
			Ref("steps").
			Field("plan_id").
			Unique().
			Required().
			Immutable().
			Comment("The plan the step belongs to."),
		edge.From("application", Application.Type).
			Ref("deployment_steps").
			Field("application_id").
			Unique().
			Required().
			Immutable().
			Comment("The application the step deploys or rolls back."),
	}
}

// Indexes of the DeploymentStep.
func (DeploymentStep) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("plan_id", "kind", "application_id").Unique(),
		index.Fields("application_id"),
	}
}

// Hooks of the DeploymentStep.
func (DeploymentStep) Hooks() []ent.Hook {
	return []ent.Hook{plansFollowTheirRelease(), stepStateMachine()}
}

// plansFollowTheirRelease keeps the plan of a DEPLOYED or CANCELLED release
// as it was: that release is read-only history (lifecycle), and so is the
// runbook it went out, or was called off, with. Every step write is judged,
// whoever writes it.
func plansFollowTheirRelease() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.DeploymentStepFunc(func(ctx context.Context, m *gen.DeploymentStepMutation) (ent.Value, error) {
			var plans []int
			if id, ok := m.PlanID(); ok {
				plans = []int{id}
			} else {
				ids, err := m.IDs(ctx)
				if err != nil {
					return nil, err
				}
				if plans, err = m.Client().DeploymentStep.Query().Where(deploymentstep.IDIn(ids...)).
					Unique(true).Select(deploymentstep.FieldPlanID).Ints(ctx); err != nil {
					return nil, err
				}
			}
			if len(plans) > 0 {
				done, err := m.Client().Release.Query().
					Where(release.HasDeploymentPlansWith(deploymentplan.IDIn(plans...)),
						release.StatusIn(lifecycle.Deployed, lifecycle.Cancelled)).
					First(ctx)
				switch {
				case err == nil:
					return nil, fault.Precondition("release %q is %s: its deployment plans are read-only history", done.Name, done.Status)
				case !gen.IsNotFound(err):
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne|ent.OpDelete|ent.OpDeleteOne)
}

// PlansGeneration names the counter that every write of a step's status,
// and every generation of a plan, moves before it reads the plan: its row
// lock makes them take turns, so a step's gate never reads a plan that a
// concurrent generateDeploymentPlan(replace: true) is adding earlier steps
// to. Status writes alone would not need it: the gate trusts only DONE and
// SKIPPED, which are final (deployplan.Gate). SQLite serializes writers
// anyway (BEGIN IMMEDIATE); on PostgreSQL, at READ COMMITTED, the second
// writer waits for the first to commit and then reads what it wrote. One
// row for every plan: plan writes are few and short, and a row per plan
// would have to exist before its first writer.
const PlansGeneration = "deployment plans"

// LockPlans takes the turn of a writer of deployment plans (see
// PlansGeneration) in client's transaction, until it ends.
func LockPlans(ctx context.Context, client *gen.Client) error {
	return BumpGeneration(ctx, client, PlansGeneration)
}

// stepStateMachine applies the step rules of package deployplan to every
// write of a step's status, whoever writes it: a step is born PENDING (or,
// recording history, in a final or FAILED status with an override and a
// reason: deployplan.CheckBirth); it moves only as deployplan.CheckMove
// allows; and it becomes RUNNING or DONE only through the wave gate
// (deployplan.Gate), judged against the plan as it stands in the writer's
// transaction, each step of a bulk update on its own. It also keeps
// startedAt and finishedAt, which only status moves write.
func stepStateMachine() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.DeploymentStepFunc(func(ctx context.Context, m *gen.DeploymentStepMutation) (ent.Value, error) {
			to, moving := m.Status()
			stamped := fieldTouched(m, deploymentstep.FieldStartedAt) || fieldTouched(m, deploymentstep.FieldFinishedAt)
			if m.Op().Is(ent.OpCreate) {
				override, err := overrideFor(ctx, viewer.NewRecord)
				if err != nil {
					return nil, err
				}
				recorded := override.Override && override.Reason != ""
				if override.Override && !recorded {
					return nil, fault.Precondition("an override needs a reason, for the audit trail")
				}
				if err := deployplan.CheckBirth(to, recorded); err != nil {
					return nil, err
				}
				if stamped && !recorded {
					return nil, fault.Precondition("startedAt and finishedAt are written by status moves, not directly")
				}
				if _, set := m.FinishedAt(); !set && to != deployplan.Pending {
					m.SetFinishedAt(now())
				}
				return next.Mutate(ctx, m)
			}
			if stamped {
				return nil, fault.Precondition("startedAt and finishedAt are written by status moves, not directly")
			}
			if !moving {
				return next.Mutate(ctx, m)
			}
			// planTurnMixin took the plans' turn already.
			client := m.Client()
			ids, err := m.IDs(ctx)
			if err != nil {
				return nil, err
			}
			steps, err := client.DeploymentStep.Query().Where(deploymentstep.IDIn(ids...)).
				WithApplication().Order(deploymentstep.ByID()).All(ctx)
			if err != nil {
				return nil, err
			}
			plans := map[int][]deployplan.StepState{}
			moved := false
			for _, s := range steps {
				if err := deployplan.CheckMove(s.Status, to); err != nil {
					return nil, err
				}
				if s.Status == to {
					continue
				}
				moved = true
				if !to.Gated() {
					continue
				}
				plan, ok := plans[s.PlanID]
				if !ok {
					if plan, err = planState(ctx, client, s.PlanID); err != nil {
						return nil, err
					}
					plans[s.PlanID] = plan
				}
				if err := deployplan.Gate(stepState(s), to, plan); err != nil {
					return nil, err
				}
			}
			if moved {
				switch {
				case to == deployplan.Running:
					m.SetStartedAt(now())
				case to != deployplan.Pending:
					m.SetFinishedAt(now())
				}
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne)
}

// planState reads the steps of plan id as the gate sees them.
func planState(ctx context.Context, client *gen.Client, id int) ([]deployplan.StepState, error) {
	steps, err := client.DeploymentStep.Query().Where(deploymentstep.PlanID(id)).WithApplication().All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]deployplan.StepState, len(steps))
	for i, s := range steps {
		out[i] = stepState(s)
	}
	return out, nil
}

func stepState(s *gen.DeploymentStep) deployplan.StepState {
	name := ""
	if a := s.Edges.Application; a != nil {
		name = a.Name
	}
	return deployplan.StepState{ID: s.ID, Application: name, Kind: s.Kind, Wave: s.Wave, Status: s.Status}
}

// Annotations of the DeploymentStep.
func (DeploymentStep) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One step of a deployment plan: deploying, or rolling back, one application."),
	}
}
