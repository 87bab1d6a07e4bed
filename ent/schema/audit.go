package schema

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"entgo.io/ent"

	gen "github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/auditevent"
	"github.com/relgraph/relgraph/internal/viewer"
)

// audited writes an AuditEvent for every successful write of the entity, in
// the write's own transaction: who (viewer.Actor), why (viewer.Reason),
// which record, and each changed field's old and new value, in GraphQL
// spelling. An update of the field named transitions (if any) is recorded
// as a TRANSITION. Being a schema hook, no resolver can forget it.
func audited(transitions string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			client, err := clientOf(m)
			if err != nil {
				return nil, err
			}
			var ids []int
			before := map[int]map[string]any{}
			// Why, per record: refused before the write when unfit for the
			// trail (see reasonFor).
			reasons := map[int]string{}
			if !m.Op().Is(ent.OpCreate) {
				if ids, err = mutationIDs(ctx, m); err != nil {
					return nil, err
				}
				for _, id := range ids {
					if before[id], err = snapshotOf(ctx, client, m.Type(), id); err != nil {
						return nil, err
					}
					if reasons[id], err = reasonFor(ctx, id); err != nil {
						return nil, err
					}
				}
			} else if reasons[viewer.NewRecord], err = reasonFor(ctx, viewer.NewRecord); err != nil {
				return nil, err
			}
			// The edges the write asked for, before inner hooks rewrite them
			// (a release's changes are moved by updating the changes).
			edges := edgeChanges(m)
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			if m.Op().Is(ent.OpCreate) {
				id, _ := mutationID(m)
				ids = []int{id}
				reasons[id] = reasons[viewer.NewRecord]
			}
			action := auditevent.ActionUPDATE
			switch {
			case m.Op().Is(ent.OpCreate):
				action = auditevent.ActionCREATE
			case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
				action = auditevent.ActionDELETE
			case transitions != "" && fieldTouched(m, transitions):
				action = auditevent.ActionTRANSITION
			}
			events := make([]*gen.AuditEventCreate, 0, len(ids))
			for _, id := range ids {
				var after map[string]any
				switch {
				case action == auditevent.ActionDELETE:
				case m.Op().Is(ent.OpCreate | ent.OpUpdateOne):
					after = asMap(v)
				default:
					if after, err = snapshotOf(ctx, client, m.Type(), id); err != nil {
						return nil, err
					}
				}
				changes := diff(before[id], after)
				edges.addTo(changes)
				e := client.AuditEvent.Create().
					SetActor(viewer.Actor(ctx)).
					SetAction(action).
					SetEntityType(m.Type()).
					SetEntityID(id).
					SetChanges(changes)
				if r := reasons[id]; r != "" {
					e.SetReason(r)
				}
				events = append(events, e)
			}
			if j := JournalOf(ctx); j != nil {
				j.addAudit(events)
				return v, nil
			}
			if err := client.AuditEvent.CreateBulk(events...).Exec(ctx); err != nil {
				return nil, fmt.Errorf("audit: %w", err)
			}
			return v, nil
		})
	}
}

// snapshotOf reads record id of the given type as a field map.
func snapshotOf(ctx context.Context, client *gen.Client, typ string, id int) (map[string]any, error) {
	entity, err := loadEntity(ctx, client, typ, id)
	if err != nil {
		return nil, err
	}
	return asMap(entity), nil
}

// loadEntity reads record id with all its fields. Unlike client.Noder it
// ignores the GraphQL selection in ctx, which would load only the fields the
// client asked for.
func loadEntity(ctx context.Context, client *gen.Client, typ string, id int) (any, error) {
	switch typ {
	case gen.TypeApplication:
		return client.Application.Get(ctx, id)
	case gen.TypeDependency:
		return client.Dependency.Get(ctx, id)
	case gen.TypeChange:
		return client.Change.Get(ctx, id)
	case gen.TypeRelease:
		return client.Release.Get(ctx, id)
	case gen.TypeEnvironment:
		return client.Environment.Get(ctx, id)
	case gen.TypeDeployment:
		return client.Deployment.Get(ctx, id)
	case gen.TypeFreezeWindow:
		return client.FreezeWindow.Get(ctx, id)
	case gen.TypeToken:
		return client.Token.Get(ctx, id)
	case gen.TypeDeploymentPlan:
		return client.DeploymentPlan.Get(ctx, id)
	case gen.TypeDeploymentStep:
		return client.DeploymentStep.Get(ctx, id)
	case gen.TypeReleasePackage:
		return client.ReleasePackage.Get(ctx, id)
	}
	return nil, fmt.Errorf("audit: cannot load %s records", typ)
}

// unaudited are fields whose change the audit trail does not repeat.
var unaudited = map[string]bool{"createdAt": true, "updatedAt": true, "edges": true,
	// A release's risk score is derived from the portfolio, not a fact
	// anyone wrote.
	"riskScore": true}

// asMap turns an entity into its fields in GraphQL spelling, with JSON
// values. It reads the struct rather than its JSON encoding, whose omitempty
// would drop empty values and make "" indistinguishable from unset.
func asMap(entity any) map[string]any {
	v := reflect.Indirect(reflect.ValueOf(entity))
	out := map[string]any{}
	if v.Kind() != reflect.Struct {
		return out
	}
	for i := range v.NumField() {
		f := v.Type().Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || tag == "" || tag == "-" {
			continue
		}
		name := GraphQLName(tag)
		if unaudited[name] || name == "id" {
			continue
		}
		raw, err := json.Marshal(v.Field(i).Interface())
		if err != nil {
			continue
		}
		var value any
		if err := json.Unmarshal(raw, &value); err == nil {
			out[name] = value
		}
	}
	return out
}

// diff lists, per field, the old and new value of the fields that differ; a
// created record has only new values, a deleted one only old values.
func diff(before, after map[string]any) map[string]any {
	changes := map[string]any{}
	for k, nv := range after {
		ov, had := before[k]
		switch {
		case before == nil:
			changes[k] = map[string]any{"new": nv}
		case !had || !reflect.DeepEqual(ov, nv):
			changes[k] = map[string]any{"old": ov, "new": nv}
		}
	}
	if after == nil {
		for k, ov := range before {
			changes[k] = map[string]any{"old": ov}
		}
	}
	for k, ov := range before {
		if _, still := after[k]; after != nil && !still {
			changes[k] = map[string]any{"old": ov, "new": nil}
		}
	}
	return changes
}

// edgeWrites are the ids a write connects and disconnects, per edge.
type edgeWrites struct {
	added, removed map[string][]int
	cleared        []string
}

func edgeChanges(m ent.Mutation) edgeWrites {
	w := edgeWrites{added: map[string][]int{}, removed: map[string][]int{}, cleared: m.ClearedEdges()}
	for _, e := range m.AddedEdges() {
		w.added[e] = ids(m.AddedIDs(e))
	}
	for _, e := range m.RemovedEdges() {
		w.removed[e] = ids(m.RemovedIDs(e))
	}
	return w
}

func ids(values []ent.Value) []int {
	out := make([]int, 0, len(values))
	for _, v := range values {
		if id, ok := v.(int); ok {
			out = append(out, id)
		}
	}
	return out
}

// addTo records the edge writes in changes, except for edges already
// visible as a field (like releaseID).
func (w edgeWrites) addTo(changes map[string]any) {
	for e, added := range w.added {
		if _, isField := changes[GraphQLName(e)+"ID"]; isField {
			continue
		}
		edgeEntry(changes, e)["added"] = added
	}
	for e, removed := range w.removed {
		edgeEntry(changes, e)["removed"] = removed
	}
	for _, e := range w.cleared {
		if _, isField := changes[GraphQLName(e)+"ID"]; isField {
			continue
		}
		edgeEntry(changes, e)["cleared"] = true
	}
}

// GraphQLName spells a schema field name as GraphQL does: external_ref is
// externalRef, release_id is releaseID.
func GraphQLName(snake string) string {
	parts := strings.Split(snake, "_")
	for i := 1; i < len(parts); i++ {
		switch {
		case parts[i] == "id":
			parts[i] = "ID"
		case parts[i] != "":
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func edgeEntry(changes map[string]any, edge string) map[string]any {
	name := GraphQLName(edge)
	if e, ok := changes[name].(map[string]any); ok {
		return e
	}
	e := map[string]any{}
	changes[name] = e
	return e
}
