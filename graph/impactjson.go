package graph

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/graph/model"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/store"
)

// An impact can name every application of the portfolio; gqlgen would
// marshal each entry with a goroutine and a field context per field (about
// 64 allocations per impacted application), many times the engine's cost.
// So Impact.impacted writes its own JSON when the selection asks only for
// what an entry holds: distance, __typename, and the record fields of its
// application and path (id, name, ..., isShared). Any other selection (an
// application's changes, say) goes through gqlgen's generated marshalling,
// one entry after the other. Both write the same bytes for the same
// selection (impactjson_test.go).

// fastImpactJSON, when false, switches the hand-written path off: for
// tests that compare it with gqlgen's.
var fastImpactJSON atomic.Bool

func init() { fastImpactJSON.Store(true) }

// writeImpacted writes the JSON list the selection of the impacted field
// in ctx asks for: from the engine's entries and g's records when it can,
// otherwise by gqlgen's marshalling of the model entries (the same list,
// built only when writesOwnJSON is false, which it is whenever the
// selection cannot be planned).
func (r *Resolver) writeImpacted(ctx context.Context, w io.Writer, g *store.Graph, engine []impact.Impacted, items []*model.ImpactedApplication) error {
	oc := graphql.GetOperationContext(ctx)
	sel := graphql.GetFieldContext(ctx).Field.Selections
	if plan, ok := planImpacted(oc, sel); ok && fastImpactJSON.Load() {
		plan.write(w, g, engine)
		return nil
	}
	ec := newExecutionContext(oc, r.exec, nil)
	_, _ = io.WriteString(w, "[")
	for i, item := range items {
		if i > 0 {
			_, _ = io.WriteString(w, ",")
		}
		fc := &graphql.FieldContext{Index: &i, Result: item}
		ec._ImpactedApplication(graphql.WithFieldContext(ctx, fc), sel, item).MarshalGQL(w)
	}
	_, _ = io.WriteString(w, "]")
	return nil
}

// writesOwnJSON reports whether the Impact field in ctx asks only for what
// the hand-written JSON writes: every impacted selection plannable, and
// nothing else that hands its applications to gqlgen (changed, shared,
// impactedApplications hold only __typename if anything).
func writesOwnJSON(ctx context.Context) bool {
	if !fastImpactJSON.Load() {
		return false
	}
	oc := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "__typename":
		case "impacted":
			if _, ok := planImpacted(oc, f.Selections); !ok {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// impactedPlan is how to write one impacted entry: its fields in order.
type impactedPlan []impactedField

type impactedField struct {
	key  []byte // "alias":
	name string // distance, __typename, application or path
	app  applicationPlan
}

// applicationPlan is how to write an application: its fields in order.
type applicationPlan []applicationField

type applicationField struct {
	key  []byte
	name string
}

// recordFields are the Application fields an applicationPlan writes: the
// record's own, from the snapshot's copy, and isShared, from the snapshot.
var recordFields = map[string]bool{
	"__typename": true, "id": true, "createdAt": true, "updatedAt": true, "version": true,
	"name": true, "description": true, "owner": true, "criticality": true, "isShared": true,
}

// planImpacted plans the selection of an impacted list; false when it asks
// for something only gqlgen's marshalling writes.
func planImpacted(oc *graphql.OperationContext, sel ast.SelectionSet) (impactedPlan, bool) {
	var plan impactedPlan
	for _, f := range graphql.CollectFields(oc, sel, impactedApplicationImplementors) {
		field := impactedField{key: fieldKey(f.Alias), name: f.Name}
		switch f.Name {
		case "__typename", "distance":
		case "application", "path":
			app, ok := planApplication(oc, f.Selections)
			if !ok {
				return nil, false
			}
			field.app = app
		default:
			return nil, false
		}
		plan = append(plan, field)
	}
	return plan, true
}

func planApplication(oc *graphql.OperationContext, sel ast.SelectionSet) (applicationPlan, bool) {
	var plan applicationPlan
	for _, f := range graphql.CollectFields(oc, sel, applicationImplementors) {
		if !recordFields[f.Name] {
			return nil, false
		}
		plan = append(plan, applicationField{key: fieldKey(f.Alias), name: f.Name})
	}
	return plan, true
}

// fieldKey is a field's JSON key with its colon, quoted as gqlgen quotes.
func fieldKey(alias string) []byte {
	return append(appendQuoted(nil, alias), ':')
}

// flushAt is the buffered size at which write hands its bytes to w.
const flushAt = 32 << 10

// writeBuffers recycles write's buffers: a big answer would otherwise
// allocate one per request.
var writeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, flushAt+4<<10); return &b }}

func (p impactedPlan) write(w io.Writer, g *store.Graph, items []impact.Impacted) {
	pooled := writeBuffers.Get().(*[]byte)
	buf := append((*pooled)[:0], '[')
	written := 0
	for _, item := range items {
		a := g.Record(item.ID)
		if a == nil {
			continue
		}
		if written > 0 {
			buf = append(buf, ',')
		}
		start := len(buf)
		buf = p.append(buf, g, item, a)
		written++
		if written == 1 {
			// gqlgen collects the response in a bytes.Buffer: room for the
			// whole list, estimated from its first item, lets it grow once
			// instead of doubling its way up.
			if out, ok := w.(*bytes.Buffer); ok {
				out.Grow((len(buf) - start + 1) * len(items) * 9 / 8)
			}
		}
		if len(buf) >= flushAt {
			_, _ = w.Write(buf)
			buf = buf[:0]
		}
	}
	buf = append(buf, ']')
	_, _ = w.Write(buf)
	if cap(buf) <= 4*flushAt {
		*pooled = buf
		writeBuffers.Put(pooled)
	}
}

func (p impactedPlan) append(buf []byte, g *store.Graph, item impact.Impacted, a *ent.Application) []byte {
	buf = append(buf, '{')
	for i, f := range p {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, f.key...)
		switch f.name {
		case "__typename":
			buf = append(buf, `"ImpactedApplication"`...)
		case "distance":
			buf = strconv.AppendInt(buf, int64(item.Distance), 10)
		case "application":
			buf = f.app.append(buf, g, a)
		case "path":
			buf = append(buf, '[')
			k := 0
			for _, id := range item.Path {
				if step := g.Record(id); step != nil {
					if k > 0 {
						buf = append(buf, ',')
					}
					buf = f.app.append(buf, g, step)
					k++
				}
			}
			buf = append(buf, ']')
		}
	}
	return append(buf, '}')
}

func (p applicationPlan) append(buf []byte, g *store.Graph, a *ent.Application) []byte {
	buf = append(buf, '{')
	for i, f := range p {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, f.key...)
		switch f.name {
		case "__typename":
			buf = append(buf, `"Application"`...)
		case "id":
			buf = append(buf, '"')
			buf = strconv.AppendInt(buf, int64(a.ID), 10)
			buf = append(buf, '"')
		case "createdAt":
			buf = appendTime(buf, a.CreatedAt)
		case "updatedAt":
			buf = appendTime(buf, a.UpdatedAt)
		case "version":
			buf = strconv.AppendInt(buf, int64(a.Version), 10)
		case "name":
			buf = appendQuoted(buf, a.Name)
		case "description":
			buf = appendQuoted(buf, a.Description)
		case "owner":
			buf = appendQuoted(buf, a.Owner)
		case "criticality":
			buf = strconv.AppendQuote(buf, a.Criticality.String())
		case "isShared":
			buf = strconv.AppendBool(buf, g.Snapshot.IsShared(a.ID))
		}
	}
	return append(buf, '}')
}

// appendTime writes t as scalar.MarshalTime does.
func appendTime(buf []byte, t time.Time) []byte {
	buf = append(buf, '"')
	buf = t.UTC().AppendFormat(buf, time.RFC3339Nano)
	return append(buf, '"')
}

// appendQuoted writes s as a JSON string exactly as gqlgen's MarshalString
// does: control characters, backslash and quote escaped, the rest verbatim
// (bytes of invalid UTF-8 too, which gqlgen also copies as they are).
func appendQuoted(buf []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '\t':
			buf = append(buf, `\t`...)
		case '\r':
			buf = append(buf, `\r`...)
		case '\n':
			buf = append(buf, `\n`...)
		case '\\':
			buf = append(buf, `\\`...)
		case '"':
			buf = append(buf, `\"`...)
		default:
			buf = append(buf, `\u00`...)
			buf = append(buf, hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
