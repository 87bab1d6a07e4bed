package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/relgraph/relgraph/internal/fault"
)

// This file holds what one request may ask of the server (the caps of
// Options), all judged once per operation, before anything runs, on the
// document rather than field by field (a field middleware costs about a fifth
// of a large response's time). Two passes:
//
//   - limits.MutateOperationParameters reads the document's size and shape
//     before gqlgen validates it: some of gqlparser's validation rules take
//     time quadratic in the fields of a selection set (10,000 __typename
//     take seconds, 50,000 minutes), others several microseconds per
//     directive or variable, and gqlgen's complexity walk expands every
//     fragment spread anew (fragments that double per level cost 2^levels).
//     So tokens are counted here, then fields, aliases and mutation fields,
//     each fragment once (memoized), and a document over a cap is refused
//     unvalidated.
//   - limits.MutateOperationContext reads the arguments, now that variables
//     are known: page sizes, cursors and where-filters. Then gqlgen's
//     FixedComplexityLimit prices the operation with pricedSchema.Complexity;
//     its walk is bounded by MaxFields, and each field's cost by
//     ComplexityLimit+1, so no sum can overflow.

// limits is the handler extension that enforces Options' caps.
type limits struct {
	opts   Options
	schema *ast.Schema
	// cache is the executor's query cache: a document found there passed
	// the shape check when it was first seen.
	cache graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = (*limits)(nil)

func (*limits) ExtensionName() string { return "RelgraphLimits" }

func (*limits) Validate(graphql.ExecutableSchema) error { return nil }

func limitError(format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": string(fault.ComplexityLimit)}}
}

func inputError(field, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(fault.BadUserInput), "field": field}}
}

// MutateOperationParameters refuses a document whose size or shape is over
// a cap before gqlgen parses and validates it. Unless the document is
// cached (it passed when first seen), it is read here once more: its tokens
// counted up to MaxTokens+1, then parsed (both linear, and bounded by
// MaxTokens; validation is neither), and its shape counted.
func (l *limits) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if _, ok := l.cache.Get(ctx, params.Query); ok {
		return nil
	}
	src := &ast.Source{Input: params.Query}
	lx := lexer.New(src)
	for n := 0; ; n++ {
		tok, err := lx.ReadToken()
		if err != nil {
			return nil // gqlgen reports it
		}
		if tok.Kind == lexer.EOF {
			break
		}
		if n == l.opts.MaxTokens {
			return limitError("the document has more than %d tokens", l.opts.MaxTokens)
		}
	}
	doc, err := parser.ParseQuery(src)
	if err != nil {
		return nil // gqlgen reports it
	}
	return l.checkShape(doc)
}

// shape counts what a selection set asks for once its fragment spreads are
// expanded; counts saturate.
type shape struct {
	fields  int // fields at any depth
	aliases int // fields given an alias
	top     int // fields at the selection set's own level (a mutation's writes)
}

func (s *shape) add(o shape) {
	s.fields = satAdd(s.fields, o.fields)
	s.aliases = satAdd(s.aliases, o.aliases)
	s.top = satAdd(s.top, o.top)
}

// checkShape counts the selections of the document as written and the
// fields, aliases and mutation fields of each operation with its fragments
// expanded, each fragment counted once.
func (l *limits) checkShape(doc *ast.QueryDocument) *gqlerror.Error {
	written := 0
	var count func(ast.SelectionSet)
	count = func(set ast.SelectionSet) {
		for _, sel := range set {
			written++
			switch sel := sel.(type) {
			case *ast.Field:
				count(sel.SelectionSet)
			case *ast.InlineFragment:
				count(sel.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		count(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		count(f.SelectionSet)
	}
	if written > l.opts.MaxFields {
		return limitError("the document holds more than %d selections", l.opts.MaxFields)
	}

	fragments := make(map[string]*ast.FragmentDefinition, len(doc.Fragments))
	for _, f := range doc.Fragments {
		fragments[f.Name] = f
	}
	memo := map[string]*shape{}
	var expand func(ast.SelectionSet) shape
	expand = func(set ast.SelectionSet) shape {
		var s shape
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				child := expand(sel.SelectionSet)
				s.add(shape{fields: satAdd(1, child.fields), aliases: child.aliases, top: 1})
				if sel.Alias != "" && sel.Alias != sel.Name {
					s.aliases = satAdd(s.aliases, 1)
				}
			case *ast.InlineFragment:
				s.add(expand(sel.SelectionSet))
			case *ast.FragmentSpread:
				f := fragments[sel.Name]
				if f == nil {
					continue // validation reports it
				}
				m, done := memo[sel.Name]
				if !done {
					// A cycle counts nothing more; validation refuses it.
					memo[sel.Name] = &shape{}
					e := expand(f.SelectionSet)
					m = &e
					memo[sel.Name] = m
				}
				s.add(*m)
			}
		}
		return s
	}
	for _, op := range doc.Operations {
		s := expand(op.SelectionSet)
		if op.Operation == ast.Mutation && s.top > l.opts.MaxMutationFields {
			return limitError("a request runs at most %d mutation fields", l.opts.MaxMutationFields)
		}
		if s.fields > l.opts.MaxFields {
			return limitError("an operation selects at most %d fields, counting each fragment spread in full", l.opts.MaxFields)
		}
		if s.aliases > l.opts.MaxAliases {
			return limitError("an operation uses at most %d aliases", l.opts.MaxAliases)
		}
	}
	return nil
}

// MutateOperationContext checks the arguments of every field of the
// operation, with the request's variables: page sizes, cursors and filters.
// Each fragment is checked once: a field's arguments mean the same wherever
// its fragment is spread.
func (l *limits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	seen := map[string]bool{}
	var walk func(ast.SelectionSet) *gqlerror.Error
	walk = func(set ast.SelectionSet) *gqlerror.Error {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if err := checkConditions(sel.Directives, oc.Variables); err != nil {
					return err
				}
				if err := readable(sel.Arguments, oc.Variables); err != nil {
					return err
				}
				if err := l.checkArguments(sel, oc.Variables); err != nil {
					return err
				}
				if err := walk(sel.SelectionSet); err != nil {
					return err
				}
			case *ast.InlineFragment:
				if err := checkConditions(sel.Directives, oc.Variables); err != nil {
					return err
				}
				if err := walk(sel.SelectionSet); err != nil {
					return err
				}
			case *ast.FragmentSpread:
				if err := checkConditions(sel.Directives, oc.Variables); err != nil {
					return err
				}
				if seen[sel.Name] || sel.Definition == nil {
					continue
				}
				seen[sel.Name] = true
				if err := walk(sel.Definition.SelectionSet); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(oc.Operation.SelectionSet)
}

// argument returns the value of f's argument name, and whether it was given
// a non-null value.
func argument(f *ast.Field, name string, vars map[string]any) (any, bool) {
	arg := f.Arguments.ForName(name)
	if arg == nil {
		return nil, false
	}
	v, err := arg.Value.Value(vars)
	if err != nil || v == nil {
		return nil, false
	}
	return v, true
}

// argType names the type of f's argument name ("" if unknown).
func argType(f *ast.Field, name string) string {
	if f.Definition == nil {
		return ""
	}
	if a := f.Definition.Arguments.ForName(name); a != nil {
		return a.Type.Name()
	}
	return ""
}

// checkArguments checks the paging arguments of a connection (first/last
// within MaxPageSize, not both, cursors this server issued for this
// ordering) and any where-filter.
func (l *limits) checkArguments(f *ast.Field, vars map[string]any) *gqlerror.Error {
	if len(f.Arguments) == 0 {
		return nil
	}
	given := 0
	for _, name := range []string{"first", "last"} {
		v, ok := argument(f, name, vars)
		if !ok {
			continue
		}
		given++
		n, isInt := toInt(v)
		switch {
		case !isInt:
			return inputError(name, fmt.Sprintf("%s must be a whole number", name))
		case n < 0:
			return inputError(name, fmt.Sprintf("%s must not be negative", name))
		case n > int64(l.opts.MaxPageSize):
			return inputError(name, fmt.Sprintf("%s must be at most %d", name, l.opts.MaxPageSize))
		}
	}
	if given == 2 {
		return inputError("last", "pass first or last, not both")
	}
	for _, name := range []string{"after", "before"} {
		if v, ok := argument(f, name, vars); ok && argType(f, name) == "Cursor" {
			if err := l.checkCursor(f, name, v, vars); err != nil {
				return err
			}
		}
	}
	if v, ok := argument(f, "where", vars); ok {
		b := filterBudget{limits: l}
		if err := b.check(v, 1); err != nil {
			return err
		}
	}
	if f.Definition != nil {
		for _, def := range f.Definition.Arguments {
			if v, ok := argument(f, def.Name, vars); ok {
				if err := l.checkIDLists(def.Name, def.Type, v, 0); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkIDLists refuses a list of ids, anywhere in an argument (an input
// object's releaseIDs, applicationIDs, ...), longer than MaxBulkItems: a
// write or a lookup of that many records is a bulk job, and one statement
// naming them would pass the databases' bound-parameter limits (SQLite
// 32,766), which they report only as an error of their own.
func (l *limits) checkIDLists(path string, t *ast.Type, v any, depth int) *gqlerror.Error {
	if t == nil || depth > 8 {
		return nil
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			return nil
		}
		if t.Elem.Name() == "ID" && t.Elem.Elem == nil && len(list) > l.opts.MaxBulkItems {
			return inputError(path, fmt.Sprintf("%s names %d ids: at most %d per request", path, len(list), l.opts.MaxBulkItems))
		}
		if def := l.schema.Types[t.Elem.Name()]; def != nil && def.Kind == ast.InputObject {
			for i, item := range list {
				if err := l.checkIDLists(fmt.Sprintf("%s[%d]", path, i), t.Elem, item, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	def := l.schema.Types[t.Name()]
	obj, ok := v.(map[string]any)
	if def == nil || def.Kind != ast.InputObject || !ok {
		return nil
	}
	for _, field := range def.Fields {
		if fv, ok := obj[field.Name]; ok {
			if err := l.checkIDLists(path+"."+field.Name, field.Type, fv, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkCursor refuses a cursor that is not one this server could have
// issued for the connection f with its orderBy: Ent's pager reads a cursor
// as its id and one value per orderBy term (none without orderBy) and
// compares them with the columns in SQL, so a cursor of another shape, or
// with a value no column of that term holds, is the client's mistake, which
// the pager reports only as untyped text or the driver as an SQL error.
func (l *limits) checkCursor(f *ast.Field, name string, v any, vars map[string]any) *gqlerror.Error {
	var c entgql.Cursor[int]
	if c.UnmarshalGQL(v) != nil {
		return inputError(name, "the cursor is not one this server issued")
	}
	if f.Definition != nil && f.Definition.Type.Name() == "ImpactedApplicationConnection" {
		return nil // no orderBy: its resolver reads the cursor (impactedKey)
	}
	terms := l.orderTerms(f, vars)
	var values []any
	switch cv := c.Value.(type) {
	case nil:
	case []any:
		values = cv
	default:
		return inputError(name, "the cursor is not one this server issued")
	}
	if len(values) != len(terms) {
		return inputError(name, "the cursor does not belong to this ordering: pass the orderBy it was issued with")
	}
	for i, value := range values {
		if !terms[i].holds(value) {
			return inputError(name, "the cursor does not belong to this ordering: pass the orderBy it was issued with")
		}
	}
	return nil
}

// orderTerm is the field an orderBy term sorts on, as the node type
// declares it (nil if the schema does not tell).
type orderTerm struct{ field *ast.FieldDefinition }

// holds reports whether a cursor value decoded from MessagePack can be a
// value of the term's field: a scalar of the field's type (any scalar if
// the schema does not tell), or nil if the field is nullable.
func (t orderTerm) holds(v any) bool {
	var kind string
	switch v.(type) {
	case nil:
		return t.field == nil || !t.field.Type.NonNull
	case time.Time:
		kind = "Time"
	case bool:
		kind = "Boolean"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		kind = "Int"
	case float32, float64:
		kind = "Float"
	case string:
		kind = "String"
	default:
		return false
	}
	if t.field == nil {
		return true
	}
	switch want := t.field.Type.NamedType; want {
	case "Time", "Boolean", "Int", "Float":
		return kind == want
	default: // String, ID, enums
		return kind == "String" && t.field.Type.Elem == nil
	}
}

// orderTerms returns the terms of f's orderBy argument, in order: each
// term's field enum (CREATED_AT) names the node's field (createdAt).
func (l *limits) orderTerms(f *ast.Field, vars map[string]any) []orderTerm {
	v, ok := argument(f, "orderBy", vars)
	if !ok {
		return nil
	}
	list, isList := v.([]any)
	if !isList {
		list = []any{v} // a single term for a list argument
	}
	node := l.nodeType(f)
	terms := make([]orderTerm, 0, len(list))
	for _, item := range list {
		var t orderTerm
		if m, ok := item.(map[string]any); ok && node != nil {
			if name, ok := m["field"].(string); ok {
				t.field = node.Fields.ForName(camel(name))
			}
		}
		terms = append(terms, t)
	}
	return terms
}

// nodeType returns the node type of the connection field f
// (XConnection.edges.node), or nil.
func (l *limits) nodeType(f *ast.Field) *ast.Definition {
	if f.Definition == nil {
		return nil
	}
	conn := l.schema.Types[f.Definition.Type.Name()]
	if conn == nil {
		return nil
	}
	edges := conn.Fields.ForName("edges")
	if edges == nil {
		return nil
	}
	edge := l.schema.Types[edges.Type.Name()]
	if edge == nil {
		return nil
	}
	node := edge.Fields.ForName("node")
	if node == nil {
		return nil
	}
	return l.schema.Types[node.Type.Name()]
}

// camel turns an order field enum value (STARTS_AT) into the GraphQL field
// it sorts on (startsAt).
func camel(enum string) string {
	var b strings.Builder
	for i, part := range strings.Split(strings.ToLower(enum), "_") {
		if i > 0 && part != "" {
			part = strings.ToUpper(part[:1]) + part[1:]
		}
		b.WriteString(part)
	}
	return b.String()
}

// filterBudget counts one where-argument against the filter caps: the
// database refuses what they keep out (SQLite: 32,766 variables, expression
// trees 1,000 deep; a 5,000-way or is "Expression tree is too large"), and a
// long pattern costs a scan per row.
type filterBudget struct {
	*limits
	conditions int
	values     int
}

func (b *filterBudget) check(v any, depth int) *gqlerror.Error {
	switch v := v.(type) {
	case map[string]any:
		// entgql refuses an empty filter inside another (not: {}) with an
		// untyped error; it is the client's, so say so before it runs.
		if depth > 0 && emptyFilter(v) {
			return inputError("where", "an empty filter inside not, and, or or has...With selects nothing: leave it out")
		}
		if depth > b.opts.MaxFilterDepth {
			return inputError("where", fmt.Sprintf("filters nest at most %d deep (and, or, not, has...With)", b.opts.MaxFilterDepth))
		}
		for _, x := range v {
			if b.conditions++; b.conditions > b.opts.MaxFilterConditions {
				return inputError("where", fmt.Sprintf("a filter holds at most %d conditions", b.opts.MaxFilterConditions))
			}
			if err := b.check(x, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range v {
			if _, isFilter := x.(map[string]any); !isFilter {
				if b.values++; b.values > b.opts.MaxFilterValues {
					return inputError("where", fmt.Sprintf("the lists of a filter (idIn, nameIn, ...) hold at most %d values in all", b.opts.MaxFilterValues))
				}
			}
			// A list's filters (and, or) nest no deeper than the list.
			if err := b.check(x, depth); err != nil {
				return err
			}
		}
	case string:
		if len(v) > b.opts.MaxFilterString && utf8.RuneCountInString(v) > b.opts.MaxFilterString {
			return inputError("where", fmt.Sprintf("a filter's strings are at most %d characters long", b.opts.MaxFilterString))
		}
	}
	return nil
}

// readable refuses arguments whose literal cannot be read as a value (a
// number out of float64's range: 1e400); gqlgen's complexity walk and
// executor would panic on them.
func readable(args ast.ArgumentList, vars map[string]any) *gqlerror.Error {
	for _, a := range args {
		if _, err := a.Value.Value(vars); err != nil {
			return inputError(a.Name, fmt.Sprintf("argument %s cannot be read: %s", a.Name, strings.TrimPrefix(err.Error(), "strconv.")))
		}
	}
	return nil
}

// checkConditions refuses an @include or @skip whose if is not a boolean:
// gqlparser lets an object literal through there, and gqlgen's executor
// panics on it.
func checkConditions(directives ast.DirectiveList, vars map[string]any) *gqlerror.Error {
	for _, d := range directives {
		if d.Name != "include" && d.Name != "skip" {
			continue
		}
		arg := d.Arguments.ForName("if")
		if arg == nil {
			continue
		}
		if v, err := arg.Value.Value(vars); err != nil {
			return inputError("if", fmt.Sprintf("@%s(if:) must be a Boolean", d.Name))
		} else if _, ok := v.(bool); !ok {
			return inputError("if", fmt.Sprintf("@%s(if:) must be a Boolean", d.Name))
		}
	}
	return nil
}

// emptyFilter reports a filter that entgql turns into no predicate: no
// conditions, or only nulls, empty lists and xIsNil/xNotNil: false.
func emptyFilter(f map[string]any) bool {
	for k, v := range f {
		switch v := v.(type) {
		case nil:
		case []any:
			if len(v) > 0 {
				return false
			}
		case bool:
			if v || !(strings.HasSuffix(k, "IsNil") || strings.HasSuffix(k, "NotNil")) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// toInt reads an integer argument in any form gqlgen may hand it over:
// int64 from a literal or a coerced variable, *int from generated argument
// code, json.Number or float64 from an uncoerced variable.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint:
		return clampUint(uint64(n)), true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return clampUint(n), true
	case *int:
		if n != nil {
			return int64(*n), true
		}
	case *int64:
		if n != nil {
			return *n, true
		}
	case *int32:
		if n != nil {
			return int64(*n), true
		}
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		if f, err := n.Float64(); err == nil {
			return toInt(f)
		}
	case float64:
		return floatToInt(n)
	case float32:
		return floatToInt(float64(n))
	}
	return 0, false
}

func clampUint(n uint64) int64 {
	if n > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(n)
}

func floatToInt(f float64) (int64, bool) {
	switch {
	case math.IsNaN(f) || f != math.Trunc(f):
		return 0, false
	case f >= math.MaxInt64:
		return math.MaxInt64, true
	case f <= math.MinInt64:
		return math.MinInt64, true
	}
	return int64(f), true
}

// satAdd and satMul are saturating: costs and counts stop at math.MaxInt
// instead of wrapping to a small number. Operands are not negative.
func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func satMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt/b {
		return math.MaxInt
	}
	return a * b
}

// ListComplexity is what a list field without paging arguments (dependsOn,
// impacted, path, ...) multiplies the cost of its selection by.
const ListComplexity = 20

// fieldPrice says how a field multiplies the cost of its selection.
type fieldPrice int

const (
	pricePlain      fieldPrice = iota // once
	priceConnection                   // by first/last, else the default page
	priceList                         // ListComplexity times
	priceIDs                          // once per id asked for (nodes(ids:))
	pricePage                         // by first, else the largest page (impactedApplications)
)

// pricedSchema prices each field: one, plus its selection's cost times the
// number of records it may return (a connection's first/last, or its
// default page; len(ids) for nodes; ListComplexity for other lists), so
// nesting lists cannot multiply a small query into a huge response
// unnoticed. Costs saturate, and no field costs more than limit+1: as no
// operation selects more than MaxFields fields, gqlgen's sum of them cannot
// overflow either.
type pricedSchema struct {
	graphql.ExecutableSchema
	prices map[string]fieldPrice // by "Type.field"
	query  string                // the query root's type name
	// limit is the complexity limit; maxPage bounds first/last and is the
	// page of a top-level connection given neither (Resolver.page applies
	// it); nested prices a nested connection given neither.
	limit, maxPage, nested int
}

func newPricedSchema(es graphql.ExecutableSchema, opts Options) pricedSchema {
	p := pricedSchema{
		ExecutableSchema: es,
		prices:           map[string]fieldPrice{},
		limit:            opts.ComplexityLimit,
		maxPage:          opts.MaxPageSize,
		nested:           opts.NestedPageCost,
	}
	schema := es.Schema()
	if schema.Query != nil {
		p.query = schema.Query.Name
	}
	for _, t := range schema.Types {
		// Introspection's lists are as long as the schema is: short. A
		// connection's edges are priced by the connection's page size.
		if strings.HasPrefix(t.Name, "__") || strings.HasSuffix(t.Name, "Connection") {
			continue
		}
		for _, f := range t.Fields {
			key := t.Name + "." + f.Name
			switch {
			case f.Arguments.ForName("first") != nil && f.Arguments.ForName("last") != nil:
				p.prices[key] = priceConnection
			case f.Arguments.ForName("first") != nil && strings.HasSuffix(f.Type.Name(), "Connection"):
				// A forward-only connection over an answer computed whole:
				// its default page is the largest.
				p.prices[key] = pricePage
			case f.Type.Elem != nil && f.Arguments.ForName("ids") != nil && f.Arguments.ForName("ids").Type.Elem != nil:
				p.prices[key] = priceIDs
			case f.Type.Elem != nil:
				p.prices[key] = priceList
			}
		}
	}
	return p
}

func (p pricedSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	child = max(child, 0)
	n := 1
	switch p.prices[typeName+"."+field] {
	case priceConnection:
		n = p.nested
		if typeName == p.query {
			n = p.maxPage
		}
		for _, name := range []string{"first", "last"} {
			if size, ok := toInt(args[name]); ok {
				n = int(min(max(size, 0), int64(satAdd(p.maxPage, 1))))
			}
		}
	case pricePage:
		n = p.maxPage
		if size, ok := toInt(args["first"]); ok {
			n = int(min(max(size, 0), int64(satAdd(p.maxPage, 1))))
		}
	case priceList:
		n = ListComplexity
	case priceIDs:
		n = 0
		if ids := reflect.ValueOf(args["ids"]); ids.Kind() == reflect.Slice {
			n = min(ids.Len(), satAdd(p.maxPage, 1))
		} else if ids.IsValid() {
			n = 1 // one id for a list argument
		}
	default:
		if c, ok := p.ExecutableSchema.Complexity(ctx, typeName, field, child, args); ok {
			return min(max(c, 1), satAdd(p.limit, 1)), true
		}
	}
	return min(satAdd(1, satMul(child, n)), satAdd(p.limit, 1)), true
}
