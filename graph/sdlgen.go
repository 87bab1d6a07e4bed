//go:build ignore

// sdlgen.go writes the public schema (graph.PublicSDL) to the file named by
// its argument: go generate writes ../schema.graphql with it, after gqlgen.
package main

import (
	"log"
	"os"

	"github.com/relgraph/relgraph/graph"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: go run sdlgen.go FILE")
	}
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}).Schema()
	if err := os.WriteFile(os.Args[1], []byte(graph.PublicSDL(schema)), 0o644); err != nil {
		log.Fatal(err)
	}
}
