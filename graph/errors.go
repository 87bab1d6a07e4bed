package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/requestid"
	"github.com/relgraph/relgraph/internal/tracing"
	"github.com/relgraph/relgraph/store"
)

// This file is relgraph's one error mapping: every error a client sees passes
// through presentError and leaves with an extensions.code. Messages of
// unexpected errors never reach the client; they are logged instead.

// presentError returns the error presenter: it classifies err and logs what
// the client must not see.
func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := graphql.DefaultErrorPresenter(ctx, err)
		code, msg, ext := classify(ctx, err)
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
		// The request and its trace, to find the server's side of a report.
		if id := requestid.From(ctx); id != "" {
			presented.Extensions["requestId"] = id
		}
		if id := tracing.TraceID(ctx); id != "" {
			presented.Extensions["traceId"] = id
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

// classify maps an error to its code, a client-safe message and
// extensions, by the error's type alone: the rules' own *fault.Error, Ent's
// typed errors, the driver's constraint violations (store.ConstraintViolation),
// gqlgen's coded errors, a body over the limit (*http.MaxBytesError); and,
// for gqlgen's uncoded errors, by where they arose: before an operation
// document existed, or while a field's arguments were read.
func classify(ctx context.Context, err error) (fault.Code, string, map[string]any) {
	var item *fault.ItemError
	if errors.As(err, &item) {
		code, msg, ext := classify(ctx, item.Err)
		if ext == nil {
			ext = map[string]any{}
		}
		ext["index"] = item.Index
		return code, fmt.Sprintf("%s[%d]: %s", item.Argument, item.Index, msg), ext
	}
	var (
		validE  *ent.ValidationError
		fe      *fault.Error
		notFndE *ent.NotFoundError
		constrE *ent.ConstraintError
		gqlErr  *gqlerror.Error
	)
	// A validator's fault says why; the ValidationError around it says which
	// field, so it goes first.
	if errors.As(err, &validE) {
		field := schema.GraphQLName(validE.Name)
		reason := "is missing or not valid"
		if errors.As(validE, &fe) {
			reason = fe.Message
		}
		return fault.BadUserInput, fmt.Sprintf("invalid %s: %s", field, reason), map[string]any{"field": field}
	}
	var reqE *requestError
	if errors.As(err, &reqE) {
		return fault.BadUserInput, reqE.msg, nil
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return fault.BadUserInput, fmt.Sprintf("the request body is larger than the limit of %d bytes", tooLarge.Limit), nil
	}
	if errors.As(err, &fe) {
		ext := map[string]any{}
		for k, v := range fe.Extensions {
			ext[k] = v
		}
		if fe.Field != "" {
			ext["field"] = fe.Field
		}
		return fe.Code, fe.Message, ext
	}
	if v := store.ConstraintViolation(err); v.Kind != store.NoViolation {
		return violation(v)
	}
	switch {
	case store.Retryable(err):
		return fault.Unavailable, "the database is busy: retry shortly", map[string]any{"retryable": true}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		// The driver may report the interrupted statement in its own words;
		// the request's deadline says why.
		return fault.Unavailable, "the request ran out of time (see --request-timeout); narrow it or retry", map[string]any{"retryable": true}
	}
	switch {
	case errors.As(err, &notFndE):
		// "application not found"; an id outside every type's range is "node not found".
		return fault.NotFound, strings.TrimPrefix(notFndE.Error(), "ent: "), nil
	case errors.As(err, &constrE):
		// Ent's own refusals, e.g. connecting a child that has a parent.
		return fault.Conflict, "the write conflicts with an existing record", nil
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
	// gqlgen reports a request it could not read (a body that is not a JSON
	// GraphQL request) before any operation exists.
	if !graphql.HasOperationContext(ctx) {
		return fault.BadUserInput, "the request body is not a GraphQL request: a JSON object with a string query and object variables", nil
	}
	// Before the document is parsed only the request's parameters have been
	// looked at: the persisted-query extension refuses a hash that does not
	// match its query, an unknown version or malformed extension data with
	// uncoded errors whose messages are written for clients.
	if graphql.GetOperationContext(ctx).Doc == nil && gqlErr != nil {
		return fault.BadUserInput, gqlErr.Message, nil
	}
	// A field's arguments are read from the document and its variables
	// alone, before its resolver runs: an error while the field context has
	// no arguments yet, though the field is given some, is the client's
	// input that no unmarshaler accepts. gqlparser checks enum variables
	// case-insensitively, so "draft" for DRAFT is refused only here.
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Args == nil && fc.Field.Field != nil && len(fc.Field.Arguments) > 0 {
		msg := err.Error()
		if gqlErr != nil {
			msg = gqlErr.Message
		}
		return fault.BadUserInput, msg, nil
	}
	// Anything else that is left (a resolver's error, a driver's) is ours.
	return fault.Internal, "", nil
}

// violation words a database constraint violation for the client, naming
// the clashing fields as the schema does.
func violation(v store.Violation) (fault.Code, string, map[string]any) {
	if v.Kind == store.ForeignKeyViolation {
		return fault.NotFound, "a referenced record does not exist", nil
	}
	if v.Table == "" || len(v.Columns) == 0 {
		return fault.Conflict, "the write conflicts with an existing record", nil
	}
	fields := make([]string, len(v.Columns))
	for i, c := range v.Columns {
		fields[i] = schema.GraphQLName(c)
	}
	noun := singular(v.Table)
	article := "a"
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		article = "an"
	}
	return fault.Conflict, fmt.Sprintf("%s %s with this %s already exists", article, noun, strings.Join(fields, " and ")),
		map[string]any{"field": fields[len(fields)-1]}
}

// singular turns a table name into the record it holds, in words:
// "freeze_windows" is "freeze window", "dependencies" is "dependency".
func singular(table string) string {
	words := strings.ReplaceAll(table, "_", " ")
	if stem, ok := strings.CutSuffix(words, "ies"); ok {
		return stem + "y"
	}
	return strings.TrimSuffix(words, "s")
}
