package lifecycle

import "context"

// FreezeFinder names the freeze windows a release violates: those whose
// time overlaps the release's window and that cover an application in the
// release's impact (a freeze listing no applications covers all). The state
// machine asks it before a release starts; store.GraphCache implements it on
// the graph snapshot, and the Ent client carries it as a dependency (see
// ent/entc.go), so every writer, not only GraphQL, meets the same check.
type FreezeFinder interface {
	ViolatedFreezes(ctx context.Context, releaseID int) ([]string, error)
}
