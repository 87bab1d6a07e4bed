// Package requestid carries the id of the HTTP request a context belongs
// to, so that packages below the HTTP layer (the GraphQL error presenter)
// can name the request without importing it.
package requestid

import "context"

type key struct{}

// With returns ctx carrying the request id id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// From returns the request id ctx carries, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}
