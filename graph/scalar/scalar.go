// Package scalar holds relgraph's GraphQL scalar marshalers. A value that
// cannot be read is a *fault.Error (BAD_USER_INPUT), like every client error. IDs are Ent's
// global integer ids, exchanged as strings so clients treat them as opaque;
// times are RFC 3339 and always UTC inside relgraph.
package scalar

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/internal/fault"
)

// MarshalID writes an id as a GraphQL ID string.
func MarshalID(id int) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(strconv.Itoa(id)))
	})
}

// UnmarshalID reads an id given as a string or an integer.
func UnmarshalID(v any) (int, error) {
	switch v := v.(type) {
	case string:
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return 0, fault.Invalid("", "%q is not a valid id", v)
		}
		return int(id), nil
	case json.Number:
		return UnmarshalID(string(v))
	case int:
		return UnmarshalID(strconv.Itoa(v))
	case int64:
		return UnmarshalID(strconv.FormatInt(v, 10))
	default:
		return 0, fault.Invalid("", "%v is not a valid id", v)
	}
}

// MarshalTime writes a time as RFC 3339 in UTC, with sub-second digits only
// when it has them.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// UnmarshalTime reads an RFC 3339 time with any offset and returns it in UTC,
// so that stored times and filter arguments compare correctly everywhere.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fault.Invalid("", "%v is not a time: use an RFC 3339 string such as 2026-12-01T09:00:00Z", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !validOffset(s) {
		return time.Time{}, fault.Invalid("", "%q is not a time: use an RFC 3339 string such as 2026-12-01T09:00:00Z", s)
	}
	if err := schema.StorableTime(t); err != nil {
		return time.Time{}, fault.Invalid("", "%q: a time %s", s, err)
	}
	return t.UTC(), nil
}

// validOffset reports whether an RFC 3339 time ends in Z or an offset of at
// most ±23:59 (time.Parse takes +24:00 and beyond).
func validOffset(s string) bool {
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		return true
	}
	if len(s) < 6 {
		return false
	}
	hh, mm := s[len(s)-5:len(s)-3], s[len(s)-2:]
	h, herr := strconv.Atoi(hh)
	m, merr := strconv.Atoi(mm)
	return herr == nil && merr == nil && h <= 23 && m <= 59
}
