// Package migrations holds relgraph's versioned schema migrations, one Atlas
// migration directory per dialect (sqlite/, postgres/: numbered SQL files and
// their atlas.sum), embedded in the binary. They are written by
// `go run -mod=mod ./ent/migrate/gen NAME` from the Ent schema and never
// edited by hand once released; store.Migrate applies them.
package migrations

import "embed"

// FS holds the sqlite/ and postgres/ migration directories.
//
//go:embed sqlite/*.sql sqlite/atlas.sum postgres/*.sql postgres/atlas.sum
var FS embed.FS
