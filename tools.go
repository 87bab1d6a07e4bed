//go:build tools

// Package main pins the code generators in go.mod so `go generate ./...`
// runs the same versions on every machine.
package main

import (
	_ "entgo.io/contrib/entgql"
	_ "entgo.io/ent/cmd/ent"
	_ "github.com/99designs/gqlgen"
	_ "honnef.co/go/tools/cmd/staticcheck"
)
