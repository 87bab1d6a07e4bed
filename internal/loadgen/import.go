package loadgen

import (
	"context"
	"fmt"
	"time"

	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/impact/impacttest"
)

// ImportConfig says what Import loads and where.
type ImportConfig struct {
	// URL and Token are as for Run; the URL must be on a loopback address.
	URL, Token string
	// Apps applications with about DepsPerApp dependencies each
	// (impacttest.Portfolio), sent Batch records a request.
	Apps, DepsPerApp, Batch int
	Seed                    int64
}

// ImportReport is what an import took.
type ImportReport struct {
	Apps, Dependencies, Requests int
	// AppsTime and DepsTime are the wall time of each phase.
	AppsTime, DepsTime time.Duration
}

// Import loads a synthetic portfolio through the public API, as an import
// script would: createApplications, then createDependencies, Batch records a
// request, one request at a time.
func Import(ctx context.Context, cfg ImportConfig) (ImportReport, error) {
	if cfg.Batch <= 0 {
		cfg.Batch = 5000
	}
	if err := CheckLoopback(ctx, cfg.URL); err != nil {
		return ImportReport{}, err
	}
	r := &runner{cfg: Config{URL: cfg.URL, Token: cfg.Token, RequestTimeout: 5 * time.Minute}, client: newClient(1)}
	ids, all := impacttest.Portfolio(cfg.Apps, float64(cfg.DepsPerApp), cfg.Seed)
	// The engine collapses repeated pairs and ignores self-loops; the
	// database refuses them.
	seen := make(map[impact.Dependency]bool, len(all))
	var deps []impact.Dependency
	for _, d := range all {
		if !seen[d] && d.Consumer != d.Provider {
			seen[d] = true
			deps = append(deps, d)
		}
	}
	var rep ImportReport
	dbID := make(map[int]string, len(ids))
	start := time.Now()
	for lo := 0; lo < len(ids); lo += cfg.Batch {
		part := ids[lo:min(lo+cfg.Batch, len(ids))]
		input := make([]map[string]any, len(part))
		for i, id := range part {
			input[i] = map[string]any{"name": fmt.Sprintf("import-%d", id)}
		}
		var out struct {
			CreateApplications []struct{ ID string } `json:"createApplications"`
		}
		if err := r.query(ctx, `mutation($in:[CreateApplicationInput!]!) { createApplications(input:$in) { id } }`, map[string]any{"in": input}, &out); err != nil {
			return rep, fmt.Errorf("applications %d-%d: %w", lo, lo+len(part), err)
		}
		for i, a := range out.CreateApplications {
			dbID[part[i]] = a.ID
		}
		rep.Apps += len(out.CreateApplications)
		rep.Requests++
	}
	rep.AppsTime = time.Since(start)
	start = time.Now()
	for lo := 0; lo < len(deps); lo += cfg.Batch {
		part := deps[lo:min(lo+cfg.Batch, len(deps))]
		input := make([]map[string]any, len(part))
		for i, d := range part {
			input[i] = map[string]any{"consumerID": dbID[d.Consumer], "providerID": dbID[d.Provider]}
		}
		var out struct {
			CreateDependencies []struct{ ID string } `json:"createDependencies"`
		}
		if err := r.query(ctx, `mutation($in:[CreateDependencyInput!]!) { createDependencies(input:$in) { id } }`, map[string]any{"in": input}, &out); err != nil {
			return rep, fmt.Errorf("dependencies %d-%d: %w", lo, lo+len(part), err)
		}
		rep.Dependencies += len(out.CreateDependencies)
		rep.Requests++
	}
	rep.DepsTime = time.Since(start)
	return rep, nil
}
