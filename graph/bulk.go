package graph

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/graph/model"
	"github.com/relgraph/relgraph/internal/catalog"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/viewer"
)

// Bulk writes run every record through the same hooks as its single-record
// mutation, one after the other in the request's transaction; what makes
// them cheap is the transaction's journal (schema.Journal): one generation
// bump and bulk inserts of the change log and audit events at commit,
// instead of both per record. A refused record fails the request, with
// extensions.index naming it.

// DefaultMaxBulkItems bounds the records of one bulk write.
const DefaultMaxBulkItems = 5000

// lookupBatch bounds the values of one IN (...) lookup.
const lookupBatch = 1000

// requireEditor refuses a viewer who may not write, before a mutation that
// may find nothing to write (an upsert, an import of what is already
// stored) or reads its input first: the privacy policy only judges writes.
func requireEditor(ctx context.Context) error {
	if v, ok := viewer.From(ctx); ok && !v.Role.Allows(viewer.Editor) {
		return fault.Denied("%s needs the %s role (%s has %s)", graphql.GetFieldContext(ctx).Field.Name, viewer.Editor, v.Actor, v.Role)
	}
	return nil
}

// checkBulk refuses a viewer who may not write, and an oversized input.
func (r *Resolver) checkBulk(ctx context.Context, n int) error {
	if err := requireEditor(ctx); err != nil {
		return err
	}
	if n > r.maxBulk {
		return fault.Invalid("input", "at most %d records a request, got %d: split the input", r.maxBulk, n)
	}
	return nil
}

// eachItem runs write for every item, stopping at the first failure, which
// it reports as that item's.
func eachItem[In, Out any](items []In, write func(i int, item In) (Out, error)) ([]Out, error) {
	out := make([]Out, 0, len(items))
	for i, item := range items {
		v, err := write(i, item)
		if err != nil {
			return nil, &fault.ItemError{Argument: "input", Index: i, Err: err}
		}
		out = append(out, v)
	}
	return out, nil
}

// inBatches runs lookup on ids (or names) lookupBatch at a time.
func inBatches[K any](keys []K, lookup func([]K) error) error {
	for len(keys) > 0 {
		n := min(len(keys), lookupBatch)
		if err := lookup(keys[:n]); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// upsertApplications creates or updates applications by name.
func (r *Resolver) upsertApplications(ctx context.Context, input []*ent.CreateApplicationInput) (*model.ApplicationUpserts, error) {
	db := r.db(ctx)
	byName := map[string]*ent.Application{}
	names := make([]string, len(input))
	for i, in := range input {
		names[i] = strings.TrimSpace(in.Name)
	}
	err := inBatches(names, func(batch []string) error {
		found, err := db.Application.Query().Where(application.NameIn(batch...)).All(ctx)
		for _, a := range found {
			byName[a.Name] = a
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &model.ApplicationUpserts{}
	out.Results, err = eachItem(input, func(i int, in *ent.CreateApplicationInput) (*model.ApplicationUpsert, error) {
		a, outcome, err := catalog.UpsertApplication(ctx, db, *in, byName[names[i]])
		if err != nil {
			return nil, err
		}
		byName[a.Name] = a
		result := &model.ApplicationUpsert{Application: a}
		switch outcome {
		case catalog.Created:
			out.Created++
			result.Outcome = model.UpsertOutcomeCreated
		case catalog.Updated:
			out.Updated++
			result.Outcome = model.UpsertOutcomeUpdated
		default:
			out.Unchanged++
			result.Outcome = model.UpsertOutcomeUnchanged
		}
		return result, nil
	})
	return out, err
}

// upsertChanges creates or updates changes by external reference.
func (r *Resolver) upsertChanges(ctx context.Context, input []*ent.CreateChangeInput, intent viewer.Intent) (*model.ChangeUpserts, error) {
	db := r.db(ctx)
	refs := make([]string, len(input))
	for i, in := range input {
		if in.ExternalRef == nil || strings.TrimSpace(*in.ExternalRef) == "" {
			return nil, &fault.ItemError{Argument: "input", Index: i,
				Err: fault.Invalid("externalRef", "upsertChanges finds changes by externalRef: give each one")}
		}
		refs[i] = strings.TrimSpace(*in.ExternalRef)
	}
	byRef := map[string][]*ent.Change{}
	err := inBatches(refs, func(batch []string) error {
		found, err := db.Change.Query().Where(change.ExternalRefIn(batch...)).WithApplications(func(q *ent.ApplicationQuery) {
			q.Select(application.FieldID)
		}).All(ctx)
		for _, c := range found {
			byRef[*c.ExternalRef] = append(byRef[*c.ExternalRef], c)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &model.ChangeUpserts{}
	out.Results, err = eachItem(input, func(i int, in *ent.CreateChangeInput) (*model.ChangeUpsert, error) {
		matches := byRef[refs[i]]
		switch len(matches) {
		case 0:
			c, err := db.Change.Create().SetInput(*in).Save(viewer.WithIntent(ctx, viewer.NewRecord, intent))
			if err != nil {
				return nil, err
			}
			byRef[refs[i]] = []*ent.Change{withApplications(c, in.ApplicationIDs)}
			out.Created++
			return &model.ChangeUpsert{Outcome: model.UpsertOutcomeCreated, Change: c}, nil
		case 1:
		default:
			return nil, &fault.Error{Code: fault.Conflict, Field: "externalRef",
				Message: "changes " + idList(matches) + " share externalRef " + refs[i] + ": keep one"}
		}
		cur := matches[0]
		update := db.Change.UpdateOne(cur)
		changed := false
		if in.Title != cur.Title {
			update.SetTitle(in.Title)
			changed = true
		}
		if v := in.Description; v != nil && *v != cur.Description {
			update.SetDescription(*v)
			changed = true
		}
		if v := in.Kind; v != nil && *v != cur.Kind {
			update.SetKind(*v)
			changed = true
		}
		if v := in.Risk; v != nil && *v != cur.Risk {
			update.SetRisk(*v)
			changed = true
		}
		if v := in.ReleaseID; v != nil && (cur.ReleaseID == nil || *cur.ReleaseID != *v) {
			update.SetReleaseID(*v)
			changed = true
		}
		var have []int
		for _, a := range cur.Edges.Applications {
			have = append(have, a.ID)
		}
		want := uniqueSorted(in.ApplicationIDs)
		have = uniqueSorted(have)
		if add := without(want, have); len(add) > 0 {
			update.AddApplicationIDs(add...)
			changed = true
		}
		if remove := without(have, want); len(remove) > 0 {
			update.RemoveApplicationIDs(remove...)
			changed = true
		}
		if !changed {
			out.Unchanged++
			return &model.ChangeUpsert{Outcome: model.UpsertOutcomeUnchanged, Change: cur}, nil
		}
		c, err := update.Save(viewer.WithIntent(ctx, cur.ID, intent))
		if err != nil {
			return nil, err
		}
		byRef[refs[i]] = []*ent.Change{withApplications(c, want)}
		out.Updated++
		return &model.ChangeUpsert{Outcome: model.UpsertOutcomeUpdated, Change: c}, nil
	})
	return out, err
}

// withApplications is a copy of c that remembers its applications' ids, for
// a later item of the same upsert with the same externalRef.
func withApplications(c *ent.Change, ids []int) *ent.Change {
	copied := *c
	copied.Edges.Applications = make([]*ent.Application, len(ids))
	for i, id := range ids {
		copied.Edges.Applications[i] = &ent.Application{ID: id}
	}
	return &copied
}

// without returns the sorted ids of a that are not in sorted b.
func without(a, b []int) []int {
	var out []int
	for _, id := range a {
		if _, found := slices.BinarySearch(b, id); !found {
			out = append(out, id)
		}
	}
	return out
}

func idList(changes []*ent.Change) string {
	ids := make([]string, len(changes))
	for i, c := range changes {
		ids[i] = strconv.Itoa(c.ID)
	}
	return strings.Join(ids, ", ")
}
