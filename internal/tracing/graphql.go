package tracing

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
)

// AnalysisFields are the fields that get a span of their own: the graph
// analyses, whose cost depends on the portfolio rather than the query.
var AnalysisFields = []string{
	"impact", "conflicts", "deploymentOrder", "freezeViolations",
	"releaseConflicts", "environmentConflicts", "calendar", "dependencyGraph",
}

// GraphQL is the gqlgen extension that traces operations: a span per
// operation, named "query OperationName", with its type, name, complexity
// and the codes of its response's errors; and a span per resolved analysis
// field (AnalysisFields). Use it only when Enabled: every field passes
// through its field interceptor.
type GraphQL struct{}

var (
	_ graphql.HandlerExtension     = GraphQL{}
	_ graphql.OperationInterceptor = GraphQL{}
	_ graphql.FieldInterceptor     = GraphQL{}
)

// ExtensionName names the extension to gqlgen.
func (GraphQL) ExtensionName() string { return "RelgraphTracing" }

// Validate accepts any schema.
func (GraphQL) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation starts the operation's span, ending it once the
// response is made.
func (GraphQL) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	kind, name := "operation", oc.OperationName
	if oc.Operation != nil {
		kind = string(oc.Operation.Operation)
		if name == "" {
			name = oc.Operation.Name
		}
	}
	spanName := kind
	if name != "" {
		spanName += " " + name
	}
	attrs := []attribute.KeyValue{
		attribute.String("graphql.operation.type", kind),
		attribute.String("graphql.operation.name", name),
	}
	if stats := extension.GetComplexityStats(ctx); stats != nil {
		attrs = append(attrs, attribute.Int("graphql.operation.complexity", stats.Complexity))
	}
	ctx, span := Start(ctx, spanName, attrs...)
	respond := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		rsp := respond(ctx)
		if rsp != nil && len(rsp.Errors) > 0 {
			var errCodes []string
			for _, e := range rsp.Errors {
				if c, ok := e.Extensions["code"].(string); ok && c != "" {
					errCodes = append(errCodes, c)
				}
			}
			slices.Sort(errCodes)
			errCodes = slices.Compact(errCodes)
			span.SetAttributes(attribute.StringSlice("graphql.error.codes", errCodes))
			span.SetStatus(codes.Error, rsp.Errors.Error())
		}
		span.End()
		return rsp
	}
}

// InterceptField runs an analysis field's resolver in a span of its own,
// and any other field as it is.
func (GraphQL) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver || !slices.Contains(AnalysisFields, fc.Field.Name) {
		return next(ctx)
	}
	ctx, span := Start(ctx, fc.Object+"."+fc.Field.Name,
		attribute.String("graphql.field.path", fc.Path().String()))
	res, err := next(ctx)
	End(span, err)
	return res, err
}
