//go:build ignore

// entc.go runs Ent's code generation with the entgql extension. It writes the
// generated Go code under ent/ and the GraphQL schema graph/ent.graphqls, which
// gqlgen then turns into graph/*.generated.go (one file per schema file).
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	ex, err := entgql.NewExtension(
		// entgql's templates, but pagination and field collection from
		// ent/template: a connection whose pageInfo is selected loads its
		// page (see the comment at the top of ent/template/pagination.tmpl).
		// First: later options (where inputs) add templates to these.
		entgql.WithTemplates(templates()...),
		entgql.WithConfigPath("../gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("../graph/ent.graphqls"),
		entgql.WithWhereInputs(true),
		entgql.WithNodeDescriptor(false),
		entgql.WithSchemaHook(describe),
	)
	if err != nil {
		log.Fatalf("creating entgql extension: %v", err)
	}
	err = entc.Generate("./schema", &gen.Config{
		Features: []gen.Feature{
			// Global ids: every type owns a 2^32 range of ids, so node(id:)
			// knows the type from the id alone, on SQLite and PostgreSQL alike.
			gen.FeatureGlobalID,
			// Privacy policies decide what a request's viewer may do, below
			// every resolver (ent/schema/policy.go).
			gen.FeaturePrivacy,
			// SELECT ... FOR UPDATE (ForUpdate, ForShare on queries): on
			// PostgreSQL an update or delete locks its rows before any
			// hook reads them, so two concurrent writers of a record are
			// judged one after the other (ent/schema/rowlock.go).
			gen.FeatureLock,
			// No FeatureModifier or FeatureExecQuery: their raw-SQL builders
			// would let a Go program write past every schema hook.
		},
		Templates: []*gen.Template{clientDialect, noKeyLock},
	}, entc.Extensions(ex),
		// The release state machine (a Release hook) must know which freeze
		// windows a release violates, which takes the dependency graph: the
		// client carries a lifecycle.FreezeFinder, set by store.Open.
		entc.Dependency(
			entc.DependencyName("Freezes"),
			entc.DependencyTypeInfo(&field.TypeInfo{
				Ident:   "lifecycle.FreezeFinder",
				PkgPath: "github.com/relgraph/relgraph/lifecycle",
			}),
		),
	)
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}

// clientDialect gives the generated Client a Dialect method: row locks
// (ent/schema/rowlock.go) are PostgreSQL's alone, and a schema hook knows
// the database only through the client it writes with. Ent offers no
// accessor, and FeatureExecQuery, which would, is refused above.
var clientDialect = gen.MustParse(gen.NewTemplate("dialect").Parse(`
{{ define "client/additional/dialect" }}
// Dialect is the SQL dialect of the database c writes to: dialect.SQLite
// or dialect.Postgres, a transaction's client included.
func (c *Client) Dialect() string {
	return c.driver.Dialect()
}
{{ end }}
`))

// noKeyLock gives every query builder ForNoKeyUpdate, PostgreSQL's lock
// for a row about to be updated (not deleted, its key unchanged): what its
// own UPDATE takes, so that rows referencing it (a foreign-key check takes
// FOR KEY SHARE) are not held up as FOR UPDATE would hold them.
var noKeyLock = gen.MustParse(gen.NewTemplate("nokeylock").Parse(`
{{ define "dialect/sql/query/additional/nokeylock" }}
{{ $builder := pascal $.Scope.Builder }}
{{ $receiver := $.Scope.Receiver }}
// ForNoKeyUpdate locks the selected rows as ForUpdate does, in PostgreSQL's
// weaker FOR NO KEY UPDATE mode: other sessions cannot update or delete
// them, but may still reference them (foreign keys) until the transaction
// ends.
func ({{ $receiver }} *{{ $builder }}) ForNoKeyUpdate(opts ...sql.LockOption) *{{ $builder }} {
	if {{ $receiver }}.driver.Dialect() == dialect.Postgres {
		{{ $receiver }}.Unique(false)
	}
	{{ $receiver }}.modifiers = append({{ $receiver }}.modifiers, func(s *sql.Selector) {
		s.For(sql.LockNoKeyUpdate, opts...)
	})
	return {{ $receiver }}
}
{{ end }}
`))

// templates are entgql.AllTemplates with the pagination and collection
// templates replaced by relgraph's copies.
func templates() []*gen.Template {
	replaced := map[*gen.Template]*gen.Template{
		entgql.PaginationTemplate: parseTemplate("template/pagination.tmpl"),
		entgql.CollectionTemplate: parseTemplate("template/collection.tmpl"),
	}
	out := make([]*gen.Template, len(entgql.AllTemplates))
	for i, t := range entgql.AllTemplates {
		out[i] = t
		if r, ok := replaced[t]; ok {
			out[i] = r
		}
	}
	return out
}

func parseTemplate(path string) *gen.Template {
	return gen.MustParse(gen.NewTemplate(path).Funcs(entgql.TemplateFuncs).ParseFiles(path))
}

// describe gives every generated type and field a description, so GraphiQL's
// documentation explorer explains the whole API: entity types take the
// schema.Comment of their Ent schema, edges their Comment, and the generic
// Relay and where-input members a description derived from their names.
func describe(g *gen.Graph, s *ast.Schema) error {
	for _, t := range g.Nodes {
		def := s.Types[t.Name]
		if def == nil {
			continue
		}
		if def.Description == "" {
			def.Description = typeComment(t)
		}
		for _, e := range t.Edges {
			if f := def.Fields.ForName(lowerCamel(e.Name)); f != nil && f.Description == "" {
				f.Description = e.Comment()
			}
		}
	}
	// Enums from Ent fields: entgql describes them as "X is enum for the
	// field x"; say what the field is, and what each value means.
	for _, t := range g.Nodes {
		for _, f := range t.Fields {
			if !f.IsEnum() {
				continue
			}
			def := enumDefinition(s, t, f)
			if def == nil {
				continue
			}
			if strings.Contains(def.Description, "is enum for the field") || def.Description == "" {
				def.Description = f.Comment()
			}
		}
	}
	for name, def := range s.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		if def.Description == "" {
			def.Description = genericTypeDescription(name)
		}
		for _, f := range def.Fields {
			if f.Description == "" {
				f.Description = genericFieldDescription(name, f.Name)
			}
			for _, a := range f.Arguments {
				if a.Description == "" {
					a.Description = argumentDescriptions[a.Name]
				}
			}
		}
		for _, v := range def.EnumValues {
			if v.Description != "" {
				continue
			}
			if meanings, ok := enumValueDescriptions[name]; ok {
				v.Description = meanings[v.Name]
			} else if strings.HasSuffix(name, "OrderField") {
				v.Description = fmt.Sprintf("Order by %s.", strings.ToLower(strings.ReplaceAll(v.Name, "_", " ")))
			}
		}
	}
	if c := s.Types["Cursor"]; c != nil {
		c.Description = "An opaque position in a connection, from an edge's cursor or pageInfo's startCursor/endCursor: " +
			"pass it back as after or before, unchanged, with the orderBy it was issued under. Clients treat it as a string."
	}
	return nil
}

// enumDefinition is the GraphQL enum type of Ent field f of t.
func enumDefinition(s *ast.Schema, t *gen.Type, f *gen.Field) *ast.Definition {
	def := s.Types[t.Name]
	if def == nil {
		return nil
	}
	field := def.Fields.ForName(lowerCamel(f.Name))
	if field == nil {
		return nil
	}
	return s.Types[field.Type.Name()]
}

// argumentDescriptions describe the arguments entgql generates.
var argumentDescriptions = map[string]string{
	"after":   "Return the records after this cursor (an edge's cursor or pageInfo.endCursor).",
	"before":  "Return the records before this cursor (an edge's cursor or pageInfo.startCursor).",
	"first":   "Return at most this many records from the start (or from after); at most 1,000.",
	"last":    "Return at most this many records from the end (or from before); at most 1,000. Not with first.",
	"orderBy": "The order of the records; by id if omitted. Cursors belong to the order they were issued under.",
	"where":   "Return only the records that match this filter.",
	"id":      "The id of a record of any type.",
	"ids":     "Ids of records of any types; the answer keeps their order, with null for an id that names no record.",
}

// enumValueDescriptions say what the values of the Ent enums mean, by
// GraphQL enum name.
var enumValueDescriptions = map[string]map[string]string{
	"AuditAction": {
		"CREATE":     "The record was created.",
		"UPDATE":     "Fields of the record were changed.",
		"DELETE":     "The record was deleted.",
		"TRANSITION": "A release moved to another status (transitionRelease).",
	},
	"ChangeKind": {
		"FEATURE":        "New or changed functionality.",
		"FIX":            "A defect fix.",
		"CONFIGURATION":  "A change of configuration only.",
		"INFRASTRUCTURE": "A change to the platform the application runs on.",
		"SECURITY":       "A security fix or hardening.",
	},
	"Criticality": {
		"LOW":      "An outage inconveniences a few users.",
		"MEDIUM":   "An outage disturbs the business.",
		"HIGH":     "An outage stops a business process.",
		"CRITICAL": "An outage stops the business.",
	},
	"DependencyKind": {
		"RUNTIME":        "The consumer calls the provider while it runs.",
		"DATA":           "The consumer reads or writes the provider's data.",
		"BUILD":          "The consumer is built from or with the provider.",
		"INFRASTRUCTURE": "The consumer runs on the provider.",
	},
	"DeploymentStatus": {
		"SCHEDULED":   "Booked for its window, not started.",
		"IN_PROGRESS": "Deploying now.",
		"SUCCEEDED":   "Deployed; in PRODUCTION it lets the release be DEPLOYED, in an earlier stage it passes the promotion gate.",
		"FAILED":      "The deployment failed; final.",
		"ROLLED_BACK": "Deployed, then undone; final.",
	},
	"DeploymentStepKind": {
		"DEPLOY":   "Deploys the application.",
		"ROLLBACK": "Undoes the application's deployment, if the release must be backed out.",
	},
	"DeploymentStepStatus": {
		"PENDING": "Not started.",
		"RUNNING": "Being carried out now.",
		"DONE":    "Carried out; lets the next wave start.",
		"FAILED":  "Tried and failed; may be retried (RUNNING) or SKIPPED.",
		"SKIPPED": "Deliberately not carried out; lets the next wave start.",
	},
	"EnvironmentStage": {
		"DEVELOPMENT":      "Developers' integration environment, the first stage.",
		"SYSTEM_TEST":      "System testing.",
		"INTEGRATION_TEST": "Testing with the systems around it.",
		"PERFORMANCE_TEST": "Load and performance testing.",
		"USER_ACCEPTANCE":  "Business users' acceptance testing, the last stage before production.",
		"PRODUCTION":       "Production.",
	},
	"ReleaseStatus": {
		"DRAFT":       "Being put together; changes and window may change freely.",
		"PLANNED":     "Scheduled: has a window and at least one change.",
		"IN_PROGRESS": "Deploying: its window, stages and changes are held by the lifecycle rules.",
		"DEPLOYED":    "Done, with a successful production deployment; read-only history.",
		"CANCELLED":   "Abandoned; read-only history.",
	},
	"Risk": {
		"LOW":    "Unlikely to cause trouble.",
		"MEDIUM": "May cause trouble; test as usual.",
		"HIGH":   "Likely to cause trouble; test and watch closely.",
	},
	"Role": {
		"VIEWER": "May read everything but tokens.",
		"EDITOR": "May also write the portfolio.",
		"ADMIN":  "May also manage tokens.",
	},
}

func typeComment(t *gen.Type) string {
	ant := &schema.CommentAnnotation{}
	raw, ok := t.Annotations[ant.Name()]
	if !ok {
		return ""
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return ""
	}
	_ = json.Unmarshal(b, ant)
	return ant.Text
}

func lowerCamel(snake string) string {
	parts := strings.Split(snake, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func genericTypeDescription(name string) string {
	switch {
	case strings.HasSuffix(name, "Connection"):
		return fmt.Sprintf("A Relay connection: one page of %s records.", strings.TrimSuffix(name, "Connection"))
	case strings.HasSuffix(name, "Edge"):
		return fmt.Sprintf("An edge of a %s connection: one record and its cursor.", strings.TrimSuffix(name, "Edge"))
	case strings.HasSuffix(name, "Order"):
		return fmt.Sprintf("How to order a list of %s records.", strings.TrimSuffix(name, "Order"))
	case name == "Mutation":
		return "Operations that create, change or delete records."
	case name == "Query":
		return "The entry points for reading the portfolio."
	}
	return ""
}

// predicateSuffixes maps the suffixes of entgql's where-input fields to what
// they test, longest first so that "NotIn" wins over "In".
var predicateSuffixes = []struct{ suffix, meaning string }{
	{"ContainsFold", "contains the value, ignoring case"},
	{"EqualFold", "equals the value, ignoring case"},
	{"HasPrefix", "starts with the value"},
	{"HasSuffix", "ends with the value"},
	{"Contains", "contains the value"},
	{"NotNil", "is set"},
	{"IsNil", "is not set"},
	{"NotIn", "is none of the values"},
	{"GTE", "is greater than or equal to the value"},
	{"LTE", "is less than or equal to the value"},
	{"NEQ", "differs from the value"},
	{"GT", "is greater than the value"},
	{"LT", "is less than the value"},
	{"In", "is one of the values"},
}

func genericFieldDescription(typeName, field string) string {
	switch field {
	case "not":
		return "Matches records that do not match this filter."
	case "and":
		return "Matches records that match every one of these filters."
	case "or":
		return "Matches records that match at least one of these filters."
	case "edges":
		return "The records of this page, each with its cursor."
	case "node":
		return "The record."
	case "cursor":
		return "Opaque position of the record, for after/before."
	case "pageInfo":
		return "Where this page lies in the whole list."
	case "totalCount":
		return "How many records match, on all pages."
	case "direction":
		return "Ascending or descending."
	case "id":
		return "Globally unique id of the record; node(id:) resolves it."
	}
	if typeName == "Query" {
		return fmt.Sprintf("Lists %s as a Relay connection, with paging, filters and ordering.", field)
	}
	for _, verb := range []string{"add", "remove", "clear", "append"} {
		if rest, ok := strings.CutPrefix(field, verb); ok && rest != "" {
			what := strings.TrimSuffix(rest, "IDs")
			switch verb {
			case "add":
				return fmt.Sprintf("Ids of %s records to connect.", what)
			case "remove":
				return fmt.Sprintf("Ids of %s records to disconnect.", what)
			case "append":
				return fmt.Sprintf("Values to append to %s.", rest)
			default:
				return fmt.Sprintf("Unsets %s.", rest)
			}
		}
	}
	if what, ok := strings.CutSuffix(field, "IDs"); ok {
		return fmt.Sprintf("Ids of the %s records to connect.", what)
	}
	if what, ok := strings.CutSuffix(field, "ID"); ok {
		return fmt.Sprintf("Id of the %s record to connect.", what)
	}
	if typeName == "OrderDirection" {
		return ""
	}
	if strings.HasPrefix(field, "has") {
		edge := strings.TrimPrefix(field, "has")
		if strings.HasSuffix(edge, "With") {
			return fmt.Sprintf("Matches records with a %s edge matching one of these filters.", strings.TrimSuffix(edge, "With"))
		}
		return fmt.Sprintf("Matches records that have (true) or lack (false) a %s edge.", edge)
	}
	for _, p := range predicateSuffixes {
		if strings.HasSuffix(field, p.suffix) && len(field) > len(p.suffix) {
			return fmt.Sprintf("Matches when %s %s.", strings.TrimSuffix(field, p.suffix), p.meaning)
		}
	}
	if strings.HasSuffix(typeName, "WhereInput") {
		return fmt.Sprintf("Matches when %s equals the value.", field)
	}
	return ""
}
