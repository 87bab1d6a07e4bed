package graph_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/contrib/entgql"

	"github.com/relgraph/relgraph/graph"
)

// refused runs a request that must be refused with code before any SQL
// statement runs, its message mentioning mentions.
func (s *testServer) refused(t *testing.T, code, mentions, query string, vars map[string]any) {
	t.Helper()
	before := s.statements.Load()
	e := s.fails(t, code, query, vars)
	if !strings.Contains(e.Message, mentions) {
		t.Errorf("message %q does not mention %q", e.Message, mentions)
	}
	if n := s.statements.Load() - before; n != 0 {
		t.Errorf("the refused request ran %d SQL statements", n)
	}
}

// repeat joins n copies of format, each formatted with its index.
func repeat(n int, format string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, format, i)
		b.WriteByte(' ')
	}
	return b.String()
}

// doubling returns fragments F0..Fn on typ where each F(i) holds wrap
// (around a spread of F(i-1)) twice, so Fn expands to 2^n copies of F0.
func doubling(n int, typ, leaf, wrap string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "fragment F0 on %s { %s }\n", typ, leaf)
	for i := 1; i <= n; i++ {
		inner := fmt.Sprintf(wrap, fmt.Sprintf("...F%d", i-1))
		fmt.Fprintf(&b, "fragment F%d on %s { %s %s }\n", i, typ, inner, inner)
	}
	return b.String()
}

// TestCostLimit: every connection is priced by its first/last in whatever
// form it arrives, an unpaged one by its default page, and costs saturate,
// so nesting connections cannot multiply (or overflow) past the limit.
func TestCostLimit(t *testing.T) {
	s := newTestServer(t)
	const nesting = `{applications(first:1000){edges{node{changes(first:1000){edges{node{applications(first:1000){edges{node{name}}}}}}}}}}`
	s.refused(t, "COMPLEXITY_LIMIT", "complexity", nesting, nil)
	s.refused(t, "COMPLEXITY_LIMIT", "complexity",
		`query($n:Int){applications(first:$n){edges{node{changes(last:$n){edges{node{applications(first:$n){edges{node{name}}}}}}}}}}`,
		vars("n", 1000))
	// Unpaged: the top level pages by 1000, nested connections are priced
	// at 10 each, lists at 20 each.
	s.refused(t, "COMPLEXITY_LIMIT", "complexity",
		`{ applications { edges { node { changes { edges { node { applications { edges { node { dependsOn { dependents { name } } } } } } } } } } } }`, nil)

	// Padded so that a connection costs about 2^62 (first: 2^30 twice), and
	// four of them 2^64, which plain int arithmetic wraps to a small number.
	big := newTestServer(t, func(o *graph.Options) { o.MaxPageSize = 1 << 30 })
	const padded = `applications(first:1073741824){edges{node{changes(first:1073741824){edges{node{id title risk}}}}}}`
	big.refused(t, "COMPLEXITY_LIMIT", "complexity", "{ "+padded+" }", nil)
	big.refused(t, "COMPLEXITY_LIMIT", "complexity", "{ a: "+padded+" b: "+padded+" c: "+padded+" d: "+padded+" }", nil)
	big.refused(t, "COMPLEXITY_LIMIT", "complexity",
		`{applications(first:1073741824){edges{node{changes(first:1073741824){edges{node{applications(first:1073741824){edges{node{changes(first:1073741824){totalCount}}}}}}}}}}}`, nil)

	// The price follows first/last: 1 + n*(edges + node + name) against a
	// limit of 100, as a literal, a variable, an unpaged top-level
	// connection (its default page) and a nested one.
	small := newTestServer(t, func(o *graph.Options) {
		o.ComplexityLimit, o.MaxPageSize, o.NestedPageCost = 100, 40, 30
	})
	small.ok(t, `{ applications(first:33) { edges { node { name } } } }`, nil, nil)
	small.refused(t, "COMPLEXITY_LIMIT", "complexity", `{ applications(first:34) { edges { node { name } } } }`, nil)
	small.ok(t, `query($n:Int) { applications(last:$n) { edges { node { name } } } }`, vars("n", 33), nil)
	small.refused(t, "COMPLEXITY_LIMIT", "complexity", `query($n:Int) { applications(last:$n) { edges { node { name } } } }`, vars("n", 34))
	small.refused(t, "COMPLEXITY_LIMIT", "complexity", `{ applications { edges { node { name } } } }`, nil)
	small.ok(t, `{ applications(first:1) { edges { node { changes { edges { node { title } } } } } } }`, nil, nil) // 1+1*(2+1+30*3)
	small.refused(t, "COMPLEXITY_LIMIT", "complexity", `{ applications(first:2) { edges { node { changes { edges { node { title } } } } } } }`, nil)
	// nodes(ids:) costs its selection once per id.
	ids := make([]string, 34)
	for i := range ids {
		ids[i] = fmt.Sprint(i + 1)
	}
	small.refused(t, "COMPLEXITY_LIMIT", "complexity", `query($ids:[ID!]!) { nodes(ids:$ids) { id ... on Application { name owner criticality } } }`, vars("ids", ids))
	// A bad page size is the client's mistake, not a cost.
	small.refused(t, "BAD_USER_INPUT", "at most 40", `{ applications(first:100000) { edges { node { name } } } }`, nil)
	small.refused(t, "BAD_USER_INPUT", "negative", `query($n:Int) { applications(first:$n) { totalCount } }`, vars("n", -1))
}

// TestDocumentShapeLimits: documents too big to validate cheaply (many
// tokens, many fields, fragments that double per level, many aliases, many
// writes) are refused before validation and before any SQL.
func TestDocumentShapeLimits(t *testing.T) {
	s := newTestServer(t)
	app := s.createApp(t, "app")
	cases := []struct{ name, mentions, query string }{
		{"10,000 __typename", "selections", "{ " + strings.Repeat("__typename ", 10000) + "}"},
		{"50,000 __typename", "tokens", "{ " + strings.Repeat("__typename ", 50000) + "}"},
		{"100,000 directives", "tokens", "{ __typename " + strings.Repeat("@skip(if:false) ", 100000) + "}"},
		{"100,000 variables", "tokens", "query(" + strings.Repeat("$v:Int ", 100000) + ") { __typename }"},
		{"fragments doubling 24 levels", "fields", "{ ...F24 }\n" + doubling(24, "Query", "__typename", "__typename %s")},
		{"fragments doubling 64 levels", "fields", "{ ...F64 }\n" + doubling(64, "Query", "__typename", "__typename %s")},
		{"fragments doubling through nested lists", "fields",
			"{ applications(first:1) { edges { node { ...F30 } } } }\n" + doubling(30, "Application", "name", "dependsOn { %s }")},
		{"a big operation beside the one run", "selections",
			"query Small { __typename }\nquery Big { " + strings.Repeat("__typename ", 5000) + "}"},
		{"1,000 aliases of one field with different arguments", "",
			"{ " + repeat(1000, "a%[1]d: applications(first:%[1]d) { totalCount }") + "}"},
		{"101 aliases", "aliases", "{ " + repeat(101, "a%d: __typename") + "}"},
		{"12,000 aliased mutations", "", "mutation { " +
			repeat(12000, `m%d: updateApplication(id:"`+app+`", input:{owner:"x"}) { id }`) + "}"},
		{"101 mutations", "mutation fields", "mutation { " +
			repeat(101, `m%d: updateApplication(id:"`+app+`", input:{owner:"x"}) { id }`) + "}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.refused(t, "COMPLEXITY_LIMIT", tc.mentions, tc.query, nil)
		})
	}
	// Each cap holds on its own: aliases and mutation fields with the
	// token and field caps out of the way.
	wide := newTestServer(t, func(o *graph.Options) { o.MaxTokens, o.MaxFields = 1000000, 100000 })
	wide.refused(t, "COMPLEXITY_LIMIT", "aliases", "{ "+repeat(1000, "a%[1]d: applications(first:%[1]d) { totalCount }")+"}", nil)
	wide.refused(t, "COMPLEXITY_LIMIT", "mutation fields", "mutation { "+
		repeat(12000, `m%d: updateApplication(id:"`+app+`", input:{owner:"x"}) { id }`)+"}", nil)

	// Nothing was written.
	var out struct{ Node struct{ Owner string } }
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Application { owner } } }`, vars("id", app), &out)
	if out.Node.Owner == "x" {
		t.Fatal("a refused mutation wrote")
	}
	// Up to the caps, requests run: 100 writes in one request, a
	// fragment spread many times within the field cap.
	s.ok(t, "mutation { "+repeat(100, `m%d: updateApplication(id:"`+app+`", input:{owner:"y"}) { id }`)+"}", nil, nil)
	s.ok(t, "{ ...F8 }\n"+doubling(8, "Query", "__typename", "__typename %s"), nil, nil)
}

// TestFilterLimits: where-filters the database would refuse or choke on
// (too many list values or conditions, too deep, too long a pattern) are
// the client's mistake, however they arrive, and refused before any SQL.
func TestFilterLimits(t *testing.T) {
	s := newTestServer(t)
	s.createApp(t, "app")
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint(i + 1)
		}
		return out
	}
	ors := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"name": fmt.Sprint(i)}
		}
		return out
	}
	nots := func(n int) map[string]any {
		w := map[string]any{"name": "app"}
		for range n {
			w = map[string]any{"not": w}
		}
		return w
	}
	const byVar = `query($w:ApplicationWhereInput) { applications(where:$w) { totalCount } }`
	long := strings.Repeat("x", 100*1024)
	cases := []struct {
		name, mentions, query string
		vars                  map[string]any
	}{
		{"huge idIn", "values", `query($ids:[ID!]) { applications(where:{idIn:$ids}) { totalCount } }`, vars("ids", ids(50000))},
		{"idIn over the cap", "values", byVar, vars("w", map[string]any{"idIn": ids(1001)})},
		{"idIn as a literal", "values", `{ applications(where:{idIn:[` + strings.Repeat(`"1",`, 1001) + `]}) { totalCount } }`, nil},
		{"lists over the cap together", "values", byVar, vars("w", map[string]any{"idIn": ids(600), "nameIn": ids(600)})},
		{"5,000-way or", "conditions", byVar, vars("w", map[string]any{"or": ors(5000)})},
		{"101 conditions", "conditions", byVar, vars("w", map[string]any{"and": ors(100)})},
		{"nested too deep", "deep", byVar, vars("w", nots(10))},
		{"100 KB contains pattern", "characters", byVar, vars("w", map[string]any{"nameContains": long})},
		{"long equalFold in a literal", "characters", `{ applications(where:{nameEqualFold:"` + long + `"}) { totalCount } }`, nil},
		{"long pattern deep inside", "characters", `query($p:String) { dependencies(where:{hasProviderWith:{or:[{nameHasPrefix:$p}]}}) { totalCount } }`, vars("p", long)},
		{"in a nested connection, in a fragment", "characters",
			`query($p:String) { applications(first:1) { edges { node { ...C } } } } fragment C on Application { changes(where:{titleContains:$p}) { totalCount } }`, vars("p", long)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.refused(t, "BAD_USER_INPUT", tc.mentions, tc.query, tc.vars)
		})
	}
	// Up to the caps, filters run.
	var out struct{ Applications struct{ TotalCount int } }
	for _, w := range []map[string]any{
		{"idIn": ids(1000)},
		{"or": ors(50)},
		{"nameContains": strings.Repeat("x", 1000)},
	} {
		s.ok(t, byVar, vars("w", w), &out)
	}
	if s.ok(t, byVar, vars("w", nots(8)), &out); out.Applications.TotalCount != 1 {
		t.Fatalf("not^8 of name app matched %d", out.Applications.TotalCount)
	}
}

// cursor encodes a cursor as entgql does, with any value.
func cursor(id int, value any) string {
	var b bytes.Buffer
	entgql.Cursor[int]{ID: id, Value: value}.MarshalGQL(&b)
	return strings.Trim(b.String(), `"`)
}

// TestCursorLimits: a cursor of the wrong shape for its connection (not a
// cursor, not this ordering's, values no column holds) is BAD_USER_INPUT,
// not an internal error from the pager or the driver; cursors the server
// issued page as before.
func TestCursorLimits(t *testing.T) {
	s := newTestServer(t)
	app := s.createApp(t, "app")
	for i := range 4 {
		s.createChange(t, fmt.Sprintf("change-%d", i), s.createRelease(t, fmt.Sprintf("R%d", i),
			fmt.Sprintf("2027-01-0%dT04:00:00Z", 4-i), fmt.Sprintf("2027-01-0%dT06:00:00Z", 4-i)), app)
	}
	at := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
	const byStart = `query($c:Cursor) { releases(first:2, after:$c, orderBy:{field:STARTS_AT}) { edges { node { name } } } }`
	const byID = `query($c:Cursor) { releases(first:2, after:$c) { edges { node { name } } } }`
	cases := []struct {
		name, mentions, query string
		vars                  map[string]any
	}{
		{"not a cursor", "issued", `{ releases(first:2, after:"bm90IGEgY3Vyc29y") { totalCount } }`, nil},
		{"a value that is not a list", "issued", `{ releases(first:2, after:"gqFpAaF2oXg") { edges { node { name } } } }`, nil},
		{"one value, no orderBy", "ordering", byID, vars("c", cursor(1, []any{"x"}))},
		{"no value, an orderBy", "ordering", byStart, vars("c", cursor(1, nil))},
		{"two values, one orderBy term", "ordering", byStart, vars("c", cursor(1, []any{at, at}))},
		{"a string for a time", "ordering", byStart, vars("c", cursor(1, []any{"x"}))},
		{"a map for a time", "ordering", byStart, vars("c", cursor(1, []any{map[string]any{"a": 1}}))},
		{"a list for a name", "ordering",
			`query($c:Cursor) { applications(first:2, after:$c, orderBy:[{field:NAME}]) { totalCount } }`, vars("c", cursor(1, []any{[]any{"x"}})),
		},
		{"null for a name", "ordering",
			`query($c:Cursor) { applications(first:2, before:$c, orderBy:[{field:NAME}]) { totalCount } }`, vars("c", cursor(1, []any{nil})),
		},
		{"in a nested connection", "issued",
			`{ applications(first:1) { edges { node { changes(first:1, after:"gqFpAaF2oXg") { totalCount } } } } }`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.refused(t, "BAD_USER_INPUT", tc.mentions, tc.query, tc.vars)
		})
	}
	// The cursors the server issues page through, forwards and backwards,
	// by id and by a time.
	type page struct {
		Releases struct {
			Edges    []struct{ Node struct{ Name string } }
			PageInfo struct {
				EndCursor, StartCursor string
			}
		}
	}
	for _, order := range []string{"", `, orderBy:{field:STARTS_AT}`, `, orderBy:[{field:NAME, direction:DESC}, {field:STARTS_AT}]`} {
		var first, next, back page
		q := `query($c:Cursor) { releases(first:2, after:$c` + order + `) { edges { node { name } } pageInfo { startCursor endCursor } } }`
		s.ok(t, q, nil, &first)
		s.ok(t, q, vars("c", first.Releases.PageInfo.EndCursor), &next)
		s.ok(t, `query($c:Cursor) { releases(last:2, before:$c`+order+`) { edges { node { name } } } }`,
			vars("c", next.Releases.PageInfo.StartCursor), &back)
		if len(first.Releases.Edges) != 2 || len(next.Releases.Edges) != 2 || len(back.Releases.Edges) != 2 ||
			next.Releases.Edges[0].Node.Name == first.Releases.Edges[1].Node.Name ||
			back.Releases.Edges[1].Node.Name != first.Releases.Edges[1].Node.Name {
			t.Fatalf("paging%s: %+v, then %+v, back %+v", order, first, next, back)
		}
	}
}

// TestOrdinaryQueriesPass: what clients ordinarily send is within every
// cap: the README's examples, nested connections of ten, and the
// introspection query GraphiQL sends.
func TestOrdinaryQueriesPass(t *testing.T) {
	s := newTestServer(t)
	a, b := s.createApp(t, "customer-db"), s.createApp(t, "crm-portal")
	s.createDep(t, b, a)
	rel := s.createRelease(t, "2026.12 Checkout revamp", "2026-12-01T10:00:00Z", "2026-12-02T10:00:00Z")
	s.createChange(t, "Change", rel, a, b)
	queries := []string{
		`{ applications(first: 3, orderBy: {field: NAME}) { totalCount pageInfo { hasNextPage endCursor } edges { node { id name owner criticality } } } }`,
		`{ releases(where: {startsAtNotNil: true}, orderBy: {field: STARTS_AT}) { edges { node { name status startsAt endsAt changes { edges { node { title risk externalRef applications { edges { node { name } } } } } } } } } }`,
		`{ dependencies(where: {hasProviderWith: {name: "customer-db"}}) { totalCount edges { node { kind consumer { name owner } } } } }`,
		`{ impact(applicationIDs: ["` + a + `"], maxDepth: 2) { changed { name } impacted { distance application { name owner criticality } path { name } } shared { name } } }`,
		`{ releaseConflicts(from: "2026-12-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { releases { name status } overlapStart overlapEnd sharedApplications { name } } }`,
		`{ releases(where: {name: "2026.12 Checkout revamp"}) { edges { node { name deploymentOrder { name } } } } }`,
		`{ dependencyCycles { name } }`,
		`{ applications(where: {name: "customer-db"}) { edges { node { id } } } }`,
		`{ environmentConflicts(from: "2026-12-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { environment { name } overlapStart overlapEnd deployments { status startsAt endsAt release { name } } } }`,
		`{ calendar(from: "2026-12-15T00:00:00Z", to: "2027-01-15T00:00:00Z") { releases { name } deployments { startsAt status environment { name } release { name } } freezeWindows { name startsAt endsAt } } }`,
		`{ auditEvents(where: {actor: "bob"}) { totalCount edges { node { at action entityType entityID changes reason } } } }`,
		`{ applications(first:10) { edges { node { name changes(first:10) { edges { node { title applications(first:10) { edges { node { name dependsOn { name } } } } } } } } } } }`,
		introspectionQuery,
	}
	for _, q := range queries {
		s.ok(t, q, nil, nil)
	}
	s.ok(t, `mutation($in: CreateApplicationInput!) { createApplication(input: $in) { id name criticality } }`,
		vars("in", map[string]any{"name": "tax-service", "owner": "Finance", "criticality": "HIGH"}), nil)
	var schema struct {
		Schema struct{ Types []struct{ Name string } } `json:"__schema"`
	}
	s.ok(t, introspectionQuery, nil, &schema)
	if len(schema.Schema.Types) < 50 {
		t.Fatalf("introspection returned %d types", len(schema.Schema.Types))
	}
}

// introspectionQuery is the query GraphiQL sends for the schema, with every
// option of graphql-js's getIntrospectionQuery on.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}

fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  isOneOf
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes { ...TypeRef }
}

fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}

fragment TypeRef on __Type {
  kind
  name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`

// Empty filters inside others are the client's mistake, not the server's.
func TestEmptyNestedFilters(t *testing.T) {
	s := newTestServer(t)
	s.createApp(t, "a")
	for _, where := range []string{`{not: {}}`, `{and: [{}]}`, `{or: [{kind: RUNTIME}, {}]}`, `{hasProviderWith: [{}]}`} {
		s.fails(t, "BAD_USER_INPUT", `{ dependencies(where: `+where+`) { totalCount } }`, nil)
	}
	s.fails(t, "BAD_USER_INPUT", `{ deployments(where: {or: [{startsAtIsNil: false}]}) { totalCount } }`, nil)
	for _, where := range []string{`{}`, `{or: []}`, `{and: []}`, `{startsAtIsNil: false}`} {
		res := s.query(t, `{ deployments(where: `+where+`) { totalCount } }`, nil)
		if len(res.Errors) > 0 && res.Errors[0].Extensions["code"] == "INTERNAL" {
			t.Errorf("where %s: INTERNAL", where)
		}
	}
}

// @include and @skip take a Boolean; an object there is refused, not a panic.
func TestConditionsMustBeBooleans(t *testing.T) {
	s := newTestServer(t)
	for _, q := range []string{
		`{ applications @include(if: {}) { totalCount } }`,
		`{ applications { ... on ApplicationConnection @skip(if: {}) { totalCount } } }`,
	} {
		e := s.fails(t, "BAD_USER_INPUT", q, nil)
		if e.Extensions["field"] != "if" {
			t.Errorf("%s: %+v", q, e)
		}
	}
	s.ok(t, `query($b: Boolean!) { applications @include(if: $b) { totalCount } }`, vars("b", true), nil)
}

// The attacks of the hostile-client probe are refused without the server's
// memory growing with them: each refusal comes before execution, so twenty
// rounds of all of them leave the heap about where it was.
func TestAttacksLeaveMemoryFlat(t *testing.T) {
	s := newTestServer(t)
	attacks := []string{
		`{applications(first:1000){edges{node{changes(first:1000){edges{node{applications(first:1000){edges{node{name}}}}}}}}}}`,
		"{ " + strings.Repeat("__typename ", 50000) + "}",
		"{ ...F24 }\n" + doubling(24, "Query", "__typename", "__typename %s"),
		"mutation {" + strings.Repeat(` u: createApplication(input:{name:"x"}) { id }`, 2000) + "}",
		`{ releases(where: {or: [` + strings.Repeat(`{name: "x"},`, 5000) + `]}) { totalCount } }`,
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	for _, q := range attacks { // warm caches and pools once
		s.query(t, q, nil)
	}
	before := heap()
	for range 20 {
		for _, q := range attacks {
			if res := s.query(t, q, nil); len(res.Errors) == 0 {
				t.Fatalf("attack not refused: %.80s", q)
			}
		}
	}
	if after := heap(); after > before+64<<20 {
		t.Fatalf("heap in use grew from %d MiB to %d MiB over 100 refused attacks", before>>20, after>>20)
	}
}

// TestLongIDListsAreRefused proves a list of ids longer than MaxBulkItems,
// wherever it stands in the arguments, is the client's mistake
// (BAD_USER_INPUT naming it), not the database's bound-parameter limit
// surfacing as INTERNAL; at the limit it is judged as usual.
func TestLongIDListsAreRefused(t *testing.T) {
	s := newTestServer(t, func(o *graph.Options) { o.MaxBulkItems = 100 })
	app := s.createApp(t, "a")
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = strconv.Itoa(12884901888 + 1000 + i) // release ids that do not exist
		}
		return out
	}
	for name, c := range map[string]struct {
		query string
		vars  map[string]any
	}{
		"a package's releases": {`mutation($ids:[ID!]) { createReleasePackage(input:{name:"P", releaseIDs:$ids}) { id } }`, vars("ids", ids(101))},
		"a change's applications": {`mutation($ids:[ID!]!) { createChange(input:{title:"c", kind:FEATURE, risk:LOW, applicationIDs:$ids}) { id } }`,
			vars("ids", append(ids(100), app))},
		"a where filter": {`query($ids:[ID!]) { releases(where:{idIn:$ids}) { totalCount } }`, vars("ids", ids(101))},
		"the what-if":    {`query($ids:[ID!]!) { impact(applicationIDs:$ids) { changed { name } } }`, vars("ids", ids(101))},
	} {
		t.Run(name, func(t *testing.T) {
			e := s.fails(t, "BAD_USER_INPUT", c.query, c.vars)
			if !strings.Contains(e.Message, "at most 100") {
				t.Errorf("message %q does not give the limit", e.Message)
			}
		})
	}
	// At the limit, the usual answer: the first unknown release.
	s.fails(t, "NOT_FOUND", `mutation($ids:[ID!]) { createReleasePackage(input:{name:"P", releaseIDs:$ids}) { id } }`, vars("ids", ids(100)))
}
