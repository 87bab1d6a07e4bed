package graph

import (
	"fmt"
	"sort"

	"github.com/vektah/gqlparser/v2/ast"
)

// BreakingChanges lists what a client written against old could see break
// in current, one line each, sorted: a type, field, argument, input field,
// enum value, union member or interface removed; a field or input turned to
// another type, an output made nullable or an input made required; a required
// argument or input field added. Additions that old clients never ask for
// are not breaking.
func BreakingChanges(old, current *ast.Schema) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for name, was := range old.Types {
		if was.BuiltIn {
			continue
		}
		now := current.Types[name]
		switch {
		case now == nil:
			add("type %s removed", name)
			continue
		case now.Kind != was.Kind:
			add("type %s changed from %s to %s", name, was.Kind, now.Kind)
			continue
		}
		switch was.Kind {
		case ast.Object, ast.Interface:
			for _, f := range was.Fields {
				nf := now.Fields.ForName(f.Name)
				if nf == nil {
					add("field %s.%s removed", name, f.Name)
					continue
				}
				if !outputCompatible(f.Type, nf.Type) {
					add("field %s.%s changed type from %s to %s", name, f.Name, f.Type, nf.Type)
				}
				for _, a := range f.Arguments {
					na := nf.Arguments.ForName(a.Name)
					if na == nil {
						add("argument %s.%s(%s) removed", name, f.Name, a.Name)
					} else if !inputCompatible(a.Type, na.Type) {
						add("argument %s.%s(%s) changed type from %s to %s", name, f.Name, a.Name, a.Type, na.Type)
					}
				}
				for _, na := range nf.Arguments {
					if f.Arguments.ForName(na.Name) == nil && na.Type.NonNull && na.DefaultValue == nil {
						add("required argument %s.%s(%s) added", name, f.Name, na.Name)
					}
				}
			}
			for _, i := range was.Interfaces {
				if !contains(now.Interfaces, i) {
					add("type %s no longer implements %s", name, i)
				}
			}
		case ast.InputObject:
			for _, f := range was.Fields {
				nf := now.Fields.ForName(f.Name)
				if nf == nil {
					add("input field %s.%s removed", name, f.Name)
				} else if !inputCompatible(f.Type, nf.Type) {
					add("input field %s.%s changed type from %s to %s", name, f.Name, f.Type, nf.Type)
				}
			}
			for _, nf := range now.Fields {
				if was.Fields.ForName(nf.Name) == nil && nf.Type.NonNull && nf.DefaultValue == nil {
					add("required input field %s.%s added", name, nf.Name)
				}
			}
		case ast.Enum:
			for _, v := range was.EnumValues {
				if now.EnumValues.ForName(v.Name) == nil {
					add("enum value %s.%s removed", name, v.Name)
				}
			}
		case ast.Union:
			for _, m := range was.Types {
				if !contains(now.Types, m) {
					add("union %s no longer includes %s", name, m)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// outputCompatible reports whether a client reading a value of type was can
// read one of type now: the same named type, as a list where it was one, and
// non-null wherever it was.
func outputCompatible(was, now *ast.Type) bool {
	switch {
	case was.NonNull && !now.NonNull:
		return false
	case (was.Elem == nil) != (now.Elem == nil):
		return false
	case was.Elem != nil:
		return outputCompatible(was.Elem, now.Elem)
	}
	return was.NamedType == now.NamedType
}

// inputCompatible reports whether a value a client sent for type was is
// still accepted as type now: the same named type, and nullable wherever it
// was.
func inputCompatible(was, now *ast.Type) bool {
	switch {
	case !was.NonNull && now.NonNull:
		return false
	case (was.Elem == nil) != (now.Elem == nil):
		return false
	case was.Elem != nil:
		return inputCompatible(was.Elem, now.Elem)
	}
	return was.NamedType == now.NamedType
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
