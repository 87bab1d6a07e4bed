package lifecycle

import (
	"fmt"
	"io"
	"strconv"
)

// Status is where a release stands in its lifecycle. The Ent schema stores
// it and GraphQL exposes it as the ReleaseStatus enum; this is the one
// place its values are spelled.
type Status string

// The release statuses. DEPLOYED and CANCELLED are final.
const (
	Draft      Status = "DRAFT"
	Planned    Status = "PLANNED"
	InProgress Status = "IN_PROGRESS"
	Deployed   Status = "DEPLOYED"
	Cancelled  Status = "CANCELLED"
)

// Statuses lists every status in lifecycle order.
func Statuses() []Status {
	return []Status{Draft, Planned, InProgress, Deployed, Cancelled}
}

// Values lists the status names; Ent uses it for the enum column.
func (Status) Values() []string {
	out := make([]string, 0, 5)
	for _, s := range Statuses() {
		out = append(out, string(s))
	}
	return out
}

// String returns the status name.
func (s Status) String() string { return string(s) }

// MarshalGQL writes the status as a GraphQL enum value.
func (s Status) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(s)))
}

// UnmarshalGQL reads a GraphQL enum value.
func (s *Status) UnmarshalGQL(v any) error {
	str, ok := v.(string)
	if !ok {
		return fmt.Errorf("enum ReleaseStatus must be a string, got %T", v)
	}
	for _, known := range Statuses() {
		if Status(str) == known {
			*s = known
			return nil
		}
	}
	return fmt.Errorf("%q is not a valid ReleaseStatus", str)
}
