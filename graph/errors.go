package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/graph/scalar"
	"github.com/relgraph/relgraph/internal/fault"
)

// This file is relgraph's one error mapping: every error a client sees passes
// through presentError and leaves with an extensions.code. Messages of
// unexpected errors never reach the client; they are logged instead.

// presentError returns the error presenter: it classifies err and logs what
// the client must not see.
func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := graphql.DefaultErrorPresenter(ctx, err)
		code, msg, ext := classify(err)
		if code == fault.Internal {
			logger.ErrorContext(ctx, "internal error", "path", out.Path.String(), "err", err)
			msg = "internal error"
		}
		presented := &gqlerror.Error{
			Message:    msg,
			Path:       out.Path,
			Locations:  out.Locations,
			Extensions: map[string]any{"code": string(code)},
		}
		for k, v := range ext {
			presented.Extensions[k] = v
		}
		return presented
	}
}

// recoverPanic turns a resolver panic into an INTERNAL error, logging the
// stack.
func recoverPanic(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return &fault.Error{Code: fault.Internal, Message: "internal error"}
	}
}

// classify maps an error to its code, a client-safe message and extensions.
func classify(err error) (fault.Code, string, map[string]any) {
	var (
		fe      *fault.Error
		inputE  *scalar.InputError
		validE  *ent.ValidationError
		notFndE *ent.NotFoundError
		constrE *ent.ConstraintError
		gqlErr  *gqlerror.Error
	)
	switch {
	case errors.As(err, &fe):
		ext := map[string]any{}
		for k, v := range fe.Extensions {
			ext[k] = v
		}
		if fe.Field != "" {
			ext["field"] = fe.Field
		}
		return fe.Code, fe.Message, ext
	case errors.As(err, &inputE):
		return fault.BadUserInput, inputE.Msg, nil
	case errors.As(err, &validE):
		field := schema.GraphQLName(validE.Name)
		return fault.BadUserInput, fmt.Sprintf("invalid %s: %s", field, validationReason(validE)),
			map[string]any{"field": field}
	case errors.As(err, &notFndE):
		return fault.NotFound, strings.TrimPrefix(notFndE.Error(), "ent: "), nil
	case errors.As(err, &constrE):
		return constraint(constrE)
	case isUnknownNodeID(err):
		return fault.NotFound, "no record has this id", nil
	}
	if errors.As(err, &gqlErr) {
		if code, ok := gqlErr.Extensions["code"].(string); ok {
			switch code {
			case "COMPLEXITY_LIMIT_EXCEEDED":
				code = string(fault.ComplexityLimit)
			case "INVALID_PAGINATION":
				code = string(fault.BadUserInput)
			}
			ext := map[string]any{}
			for k, v := range gqlErr.Extensions {
				if k != "code" {
					ext[k] = v
				}
			}
			return fault.Code(code), gqlErr.Message, ext
		}
	}
	// What is left is the client's only when it is a request gqlgen could
	// not read; anything else (a resolver's error, a driver's) is ours.
	msg := err.Error()
	if errors.As(err, &gqlErr) {
		msg = gqlErr.Message
	}
	switch {
	case strings.HasPrefix(msg, "json request body could not be decoded"):
		return fault.BadUserInput, "the request body is not a GraphQL request: a JSON object with a string query and object variables", nil
	case strings.Contains(msg, "cannot decode cursor"):
		return fault.BadUserInput, "the cursor is not one this server issued", nil
	}
	return fault.Internal, "", nil
}

func validationReason(e *ent.ValidationError) string {
	cause := errors.Unwrap(e)
	if cause == nil {
		return "invalid value"
	}
	switch msg := cause.Error(); {
	case strings.Contains(msg, "less than the required length"):
		return "must not be empty"
	case strings.Contains(msg, "greater than the required length"):
		return "is too long"
	case strings.HasPrefix(msg, "ent: missing required"):
		return "is required"
	default:
		if i := strings.LastIndex(msg, "\": "); i >= 0 {
			return msg[i+3:]
		}
		return strings.TrimPrefix(msg, "ent: ")
	}
}

// isUnknownNodeID reports Ent's node resolver failing to find a type for an
// id outside every type's range.
func isUnknownNodeID(err error) bool {
	return strings.Contains(err.Error(), "cannot resolve table from id")
}

// uniqueViolation extracts the table and columns from SQLite's and
// PostgreSQL's unique-violation messages.
var (
	sqliteUnique   = regexp.MustCompile(`UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)`)
	postgresUnique = regexp.MustCompile(`duplicate key value violates unique constraint "(\w+)"`)
	// alreadyConnected matches Ent's refusal to steal a child from another parent.
	alreadyConnected = regexp.MustCompile(`one of \[([\d ]*)\] is already connected to a different`)
)

// uniqueMessages says, per violated constraint (SQLite "table.column" list or
// PostgreSQL index name), which input field clashes and how to say so.
var uniqueMessages = []struct {
	sqlite, postgres, field, msg string
}{
	{"applications.name", "applications_name_key", "name", "an application with this name already exists"},
	{"releases.name", "releases_name_key", "name", "a release with this name already exists"},
	{"environments.name", "environments_name_key", "name", "an environment with this name already exists"},
	{"dependencies.consumer_id, dependencies.provider_id", "dependency_consumer_id_provider_id", "providerID", "the consumer already depends on this provider"},
}

func constraint(e *ent.ConstraintError) (fault.Code, string, map[string]any) {
	msg := e.Error()
	if strings.Contains(msg, "FOREIGN KEY constraint failed") || strings.Contains(msg, "violates foreign key constraint") {
		return fault.NotFound, "a referenced record does not exist", nil
	}
	// Ent connects one-to-many edges only to records that exist and have no
	// parent yet, e.g. changes not scheduled in another release.
	if m := alreadyConnected.FindStringSubmatch(msg); m != nil {
		return fault.Conflict, fmt.Sprintf("records [%s] do not exist or already belong elsewhere (a change already scheduled in another release, say): detach them there first", m[1]), nil
	}
	var key string
	if m := sqliteUnique.FindStringSubmatch(msg); m != nil {
		key = m[1]
	} else if m := postgresUnique.FindStringSubmatch(msg); m != nil {
		key = m[1]
	}
	for _, u := range uniqueMessages {
		if key != "" && (key == u.sqlite || key == u.postgres) {
			return fault.Conflict, u.msg, map[string]any{"field": u.field}
		}
	}
	return fault.Conflict, "the write conflicts with an existing record", nil
}
