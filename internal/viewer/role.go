package viewer

import (
	"fmt"
	"io"
	"slices"
	"strconv"
)

// Role is what a viewer may do; each role may do what the ones before it
// may. The Ent schema stores it with each token and GraphQL exposes it as
// the Role enum.
type Role string

// The roles, least to most.
const (
	// Viewer may query.
	ViewerRole Role = "VIEWER"
	// Editor may also create, change and delete records.
	Editor Role = "EDITOR"
	// Admin may also manage tokens.
	Admin Role = "ADMIN"
)

// Roles lists every role, least to most.
func Roles() []Role { return []Role{ViewerRole, Editor, Admin} }

// Allows reports whether r may do what need requires.
func (r Role) Allows(need Role) bool {
	return slices.Index(Roles(), r) >= slices.Index(Roles(), need) && slices.Index(Roles(), need) >= 0
}

// Values lists the role names; Ent uses it for the enum column.
func (Role) Values() []string {
	return []string{string(ViewerRole), string(Editor), string(Admin)}
}

// String returns the role name.
func (r Role) String() string { return string(r) }

// MarshalGQL writes the role as a GraphQL enum value.
func (r Role) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(r))) }

// UnmarshalGQL reads a GraphQL enum value.
func (r *Role) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || !slices.Contains(Roles(), Role(s)) {
		return fmt.Errorf("%v is not a valid Role", v)
	}
	*r = Role(s)
	return nil
}

// Parse reads a role name as the command line gives it.
func Parse(s string) (Role, error) {
	var r Role
	if err := r.UnmarshalGQL(s); err != nil {
		return "", fmt.Errorf("%q is not a role: want VIEWER, EDITOR or ADMIN", s)
	}
	return r, nil
}
