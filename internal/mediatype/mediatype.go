// Package mediatype decides which media type a GraphQL-over-HTTP answer
// takes, so that every part of relgraph that writes one (gqlgen's
// transports, the edge's refusals, replayed Idempotency-Key responses)
// answers a request alike.
package mediatype

import (
	"mime"
	"net/http"
	"strings"
)

// The two media types of GraphQL over HTTP.
const (
	JSON            = "application/json"
	GraphQLResponse = "application/graphql-response+json"
)

// Of is the media type r is answered with: the first of application/json
// and application/graphql-response+json that its Accept header names
// (application/json for none, */* or application/*), else
// application/graphql-response+json, as gqlgen's transports decide.
func Of(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return JSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", JSON:
			return JSON
		case GraphQLResponse:
			return GraphQLResponse
		}
	}
	return GraphQLResponse
}
