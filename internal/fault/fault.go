// Package fault defines the domain errors that relgraph reports to clients.
// Each carries a machine-readable code; the GraphQL error presenter turns it
// into extensions.code. Lower layers (schema hooks, the analysis engine's
// callers) return these instead of formatting GraphQL errors themselves.
package fault

import "fmt"

// Code is the machine-readable class of an error, as listed in the contract.
type Code string

// The codes of the public contract.
const (
	BadUserInput       Code = "BAD_USER_INPUT"
	NotFound           Code = "NOT_FOUND"
	Conflict           Code = "CONFLICT"
	Unauthenticated    Code = "UNAUTHENTICATED"
	Forbidden          Code = "FORBIDDEN"
	FailedPrecondition Code = "FAILED_PRECONDITION"
	ComplexityLimit    Code = "COMPLEXITY_LIMIT"
	Internal           Code = "INTERNAL"
)

// Error is an error meant for the client: its message is safe to show.
type Error struct {
	Code    Code
	Message string
	// Field names the offending input field, in GraphQL spelling, if any.
	Field string
	// Extensions are extra machine-readable details (e.g. currentVersion).
	Extensions map[string]any
}

func (e *Error) Error() string { return e.Message }

// Invalid reports bad input in the named field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Missing reports a record that does not exist.
func Missing(format string, args ...any) *Error {
	return &Error{Code: NotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflicting reports a write that clashes with the stored state.
func Conflicting(format string, args ...any) *Error {
	return &Error{Code: Conflict, Message: fmt.Sprintf(format, args...)}
}

// Precondition reports a request refused by a rule of the release
// lifecycle; the message names the rule.
func Precondition(format string, args ...any) *Error {
	return &Error{Code: FailedPrecondition, Message: fmt.Sprintf(format, args...)}
}

// StaleVersion reports an update refused because the record moved past the
// version the caller expected; extensions.currentVersion tells the caller
// what to re-read.
func StaleVersion(entity string, id, expected, current int) *Error {
	return &Error{
		Code: Conflict,
		Message: fmt.Sprintf("%s %d was changed by someone else: you expected version %d, it is now at version %d; read it again and retry",
			entity, id, expected, current),
		Field:      "expectedVersion",
		Extensions: map[string]any{"currentVersion": current},
	}
}

// Denied reports a request the viewer's role does not allow.
func Denied(format string, args ...any) *Error {
	return &Error{Code: Forbidden, Message: fmt.Sprintf(format, args...)}
}

// Unavailable is the code of a request refused for now: the database is
// busy or the request ran out of time. Retrying later may succeed.
const Unavailable Code = "UNAVAILABLE"

// Busy reports a request that could not get its turn in time; the client
// may retry it.
func Busy(format string, args ...any) *Error {
	return &Error{Code: Unavailable, Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"retryable": true}}
}

// ItemError is the failure of one item of a list argument (a bulk write's
// input): the presenter reports the item's error with extensions.index.
type ItemError struct {
	Argument string
	Index    int
	Err      error
}

func (e *ItemError) Error() string { return fmt.Sprintf("%s[%d]: %v", e.Argument, e.Index, e.Err) }

func (e *ItemError) Unwrap() error { return e.Err }
