package store

import (
	"context"

	"github.com/relgraph/relgraph/regression"
)

// RegressionScope gathers the regression scope of release releaseID: the
// unbounded impact of its changed applications, less those, named from the
// graph's records (see package regression). It returns the graph too, so
// that callers name the scope's applications from the same records. The
// GraphQL field and the CSV export both come here, so they cannot differ.
func (g *GraphCache) RegressionScope(ctx context.Context, releaseID int) (*Graph, *regression.Scope, error) {
	graph, err := g.Current(ctx)
	if err != nil {
		return nil, nil, err
	}
	changed, err := g.ChangedApplications(ctx, releaseID)
	if err != nil {
		return nil, nil, err
	}
	scope := regression.Of(graph.Impact(changed, -1), func(id int) (regression.Application, bool) {
		a := graph.Record(id)
		if a == nil {
			return regression.Application{}, false
		}
		return regression.Application{ID: a.ID, Name: a.Name, Owner: a.Owner, Criticality: string(a.Criticality)}, true
	})
	return graph, scope, nil
}
