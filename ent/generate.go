// Package ent holds the data model's generated code; the hand-written schema
// lives in ent/schema and the generator configuration in entc.go.
package ent

//go:generate go run -mod=mod entc.go
