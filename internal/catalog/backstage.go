package catalog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/dependency"
)

// The annotations relgraph reads from a Backstage entity's metadata.
const (
	// NameAnnotation names the application an entity becomes, instead of
	// its metadata.name.
	NameAnnotation = "relgraph.io/name"
	// CriticalityAnnotation sets the application's criticality: CRITICAL,
	// HIGH, MEDIUM or LOW.
	CriticalityAnnotation = "relgraph.io/criticality"
)

// EntityRef names a Backstage entity. Kind is lower case; Namespace is
// "default" unless the entity or the reference says otherwise.
type EntityRef struct {
	Kind, Namespace, Name string
}

// String returns the reference as Backstage spells it in full:
// "kind:namespace/name".
func (r EntityRef) String() string { return r.Kind + ":" + r.Namespace + "/" + r.Name }

// key is r compared as Backstage compares references: case-insensitively.
func (r EntityRef) key() string { return strings.ToLower(r.String()) }

// Relation is one reference of an entity's spec to another entity.
type Relation struct {
	Position
	// Field is the spec field: dependsOn, dependencyOf, consumesApis or
	// providesApis.
	Field  string
	Target EntityRef
}

// Document is one entity of a Backstage catalog file, as relgraph reads it.
type Document struct {
	// Position is where the entity starts.
	Position
	APIVersion string
	// Kind is the kind as written (Component, API, ...).
	Kind string
	Ref  EntityRef
	// Application is the name of the application the entity becomes; empty
	// when it is skipped.
	Application string
	// Skipped says why the entity is not imported, when it is not.
	Skipped string
	// Type and Lifecycle are spec.type and spec.lifecycle.
	Type, Lifecycle string
	// Description, Owner and Criticality are what the application gets;
	// nil leaves the application's own.
	Description *string
	Owner       *string
	Criticality *application.Criticality
	// Relations are the entity's references that become dependencies.
	Relations []Relation
	// Targets are a Location's spec.target and spec.targets, in order.
	Targets []Target
}

// Target is a file, glob pattern or URL that a Location names.
type Target struct {
	Position
	// Field is spec.target or spec.targets.
	Field string
	// Target is the target as written, trimmed.
	Target string
}

// ParseBackstage reads the Backstage entities of one YAML stream (one or
// more documents separated by "---"); name is the file's name in problems.
// A bad document is a problem with the file and line; the error (see
// Problems) lists every problem found.
func ParseBackstage(name string, data []byte) ([]Document, error) {
	var probs problems
	docs := parseBackstage(name, data, &probs)
	if err := probs.err(); err != nil {
		return nil, err
	}
	return docs, nil
}

// ReadBackstage reads and parses the Backstage catalog files at paths and
// the files their Locations name, recursively (the package documentation
// tells how), each file once; it lists the problems of all of them
// together. A file of paths that cannot be read is an error of its own.
func ReadBackstage(paths ...string) ([]Document, error) {
	f := follower{read: map[string]bool{}}
	for _, path := range paths {
		if err := f.file(path, nil); err != nil {
			return nil, err
		}
	}
	if err := f.probs.err(); err != nil {
		return nil, err
	}
	return f.docs, nil
}

// Import upserts the applications and dependencies of docs (as
// ParseBackstage or ReadBackstage returns them) through client, in the
// caller's transaction if ctx and client carry one (the package
// documentation tells what it writes). A problem with the documents (a
// duplicate entity, a reference to nothing) fails the import before
// anything is written.
func Import(ctx context.Context, client *ent.Client, docs []Document, opts ...Option) (Summary, error) {
	p, err := backstagePlan(docs)
	if err != nil {
		return Summary{}, err
	}
	return apply(ctx, client, p, opts)
}

var (
	yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	// refPattern is a Backstage entity reference, [kind:][namespace/]name.
	refPattern = regexp.MustCompile(`^(?:([^:/]+):)?(?:([^:/]+)/)?([^:/]+)$`)
	// namePattern is a Backstage entity name or namespace: at most 63
	// characters (checked apart), letters and digits in runs separated by
	// single "-", "_" or ".".
	namePattern = regexp.MustCompile(`^[a-zA-Z0-9]+(?:[-_.][a-zA-Z0-9]+)*$`)
)

// importedKinds are the kinds that become applications, by lower-case kind.
var importedKinds = map[string]bool{"component": true, "api": true, "resource": true}

// relationFields are the spec fields read as dependencies, per kind, with
// the default kind of their references.
var relationFields = map[string][]struct{ field, defaultKind string }{
	"component": {{"dependsOn", ""}, {"dependencyOf", ""}, {"consumesApis", "api"}, {"providesApis", "api"}},
	"resource":  {{"dependsOn", ""}, {"dependencyOf", ""}},
}

func parseBackstage(file string, data []byte, probs *problems) []Document {
	r := reader{file: file, probs: probs}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []Document
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, msg := 0, strings.TrimPrefix(err.Error(), "yaml: ")
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = m[2]
			}
			probs.add(Position{file, line}, "not valid YAML: %s", msg)
			break
		}
		if len(n.Content) == 0 || isNull(n.Content[0]) {
			continue // an empty document, as after a trailing "---"
		}
		if d, ok := r.entity(n.Content[0]); ok {
			docs = append(docs, d)
		}
	}
	return docs
}

// reader reads entities from YAML nodes, reporting what is wrong.
type reader struct {
	file  string
	probs *problems
}

func (r reader) at(n *yaml.Node) Position { return Position{r.file, n.Line} }

// entity reads one entity; ok is false when it had problems.
func (r reader) entity(root *yaml.Node) (d Document, ok bool) {
	before := len(r.probs.list) + r.probs.more
	defer func() { ok = ok && len(r.probs.list)+r.probs.more == before }()
	top, topKeys, ok := r.mapping(root, "a catalog entity")
	if !ok {
		return d, false
	}
	d.Position = r.at(root)
	apiVersion := r.required(top, d.Position, "apiVersion", "apiVersion")
	kind := r.required(top, d.Position, "kind", "kind")
	mdNode, found := top["metadata"]
	if !found {
		r.probs.add(d.Position, "missing metadata")
		return d, false
	}
	md, _, ok := r.mapping(mdNode, "metadata")
	if !ok {
		return d, false
	}
	name := r.required(md, r.at(topKeys["metadata"]), "name", "metadata.name")
	namespace := "default"
	if ns := r.str(md, "namespace", "metadata.namespace"); ns != nil {
		namespace = *ns
		r.entityName(md["namespace"], namespace, "metadata.namespace")
	}
	if apiVersion == nil || kind == nil || name == nil {
		return d, false
	}
	if !r.entityName(md["name"], *name, "metadata.name") {
		return d, false
	}
	d.APIVersion, d.Kind = *apiVersion, *kind
	d.Ref = EntityRef{Kind: strings.ToLower(*kind), Namespace: namespace, Name: *name}
	switch {
	case d.Ref.Kind == "system":
		d.Skipped = "a System groups applications; relgraph imports its Components, APIs and Resources, not the System itself"
	case d.Ref.Kind == "location" && knownAPIVersion(d.APIVersion):
		// ReadBackstage follows the targets and says so instead.
		d.Skipped = "a Location: relgraph cannot read the files it names from YAML text; import them with `relgraph import backstage FILE`, which follows Locations"
		d.Targets = r.targets(top["spec"])
	case !importedKinds[d.Ref.Kind]:
		d.Skipped = fmt.Sprintf("relgraph imports Components, APIs and Resources, not %ss", d.Kind)
	case !knownAPIVersion(d.APIVersion):
		d.Skipped = fmt.Sprintf("apiVersion %q: relgraph reads backstage.io/v1alpha1 entities", d.APIVersion)
	}
	if d.Skipped != "" {
		return d, true
	}

	d.Application = applicationName(d.Ref)
	if description := r.str(md, "description", "metadata.description"); description != nil {
		trimmed := strings.TrimSpace(*description)
		d.Description = &trimmed
	}
	if n, found := md["annotations"]; found && !isNull(n) {
		if annotations, _, ok := r.mapping(n, "metadata.annotations"); ok {
			if v := r.str(annotations, NameAnnotation, "the annotation "+NameAnnotation); v != nil {
				if strings.TrimSpace(*v) == "" {
					r.probs.add(r.at(annotations[NameAnnotation]), "the annotation %s is empty", NameAnnotation)
				}
				d.Application = strings.TrimSpace(*v)
			}
			if v := r.str(annotations, CriticalityAnnotation, "the annotation "+CriticalityAnnotation); v != nil {
				c := application.Criticality(strings.ToUpper(strings.TrimSpace(*v)))
				if application.CriticalityValidator(c) != nil {
					r.probs.add(r.at(annotations[CriticalityAnnotation]), "the annotation %s is %q: want CRITICAL, HIGH, MEDIUM or LOW", CriticalityAnnotation, *v)
				}
				d.Criticality = &c
			}
		}
	}
	specNode, found := top["spec"]
	if !found || isNull(specNode) {
		return d, true
	}
	spec, _, ok := r.mapping(specNode, "spec")
	if !ok {
		return d, false
	}
	if owner := r.str(spec, "owner", "spec.owner"); owner != nil {
		o := ownerName(*owner)
		d.Owner = &o
	}
	if v := r.str(spec, "type", "spec.type"); v != nil {
		d.Type = *v
	}
	if v := r.str(spec, "lifecycle", "spec.lifecycle"); v != nil {
		d.Lifecycle = *v
	}
	for _, f := range relationFields[d.Ref.Kind] {
		for _, n := range r.strings(spec, f.field, "spec."+f.field) {
			target, err := parseRef(n.Value, f.defaultKind, namespace)
			if err != nil {
				r.probs.add(r.at(n), "spec.%s: %q %v", f.field, n.Value, err)
				continue
			}
			switch {
			case f.defaultKind == "api" && target.Kind != "api":
				r.probs.add(r.at(n), "spec.%s: %q is a %s; %s names APIs", f.field, n.Value, target.Kind, f.field)
				continue
			case !importedKinds[target.Kind]:
				r.probs.add(r.at(n), "spec.%s: %q is a %s; relgraph reads dependencies on Components, APIs and Resources", f.field, n.Value, target.Kind)
				continue
			}
			d.Relations = append(d.Relations, Relation{Position: r.at(n), Field: f.field, Target: target})
		}
	}
	return d, true
}

// entityName reports a name or namespace Backstage would refuse.
func (r reader) entityName(n *yaml.Node, v, what string) bool {
	if len(v) > 63 || !namePattern.MatchString(v) {
		r.probs.add(r.at(n), "%s %q is not a Backstage entity name: at most 63 letters, digits and single -, _ or . between them", what, v)
		return false
	}
	return true
}

// mapping returns a mapping node's values and keys by key, reporting a
// node that is not a mapping and a key given twice.
func (r reader) mapping(n *yaml.Node, what string) (values, keys map[string]*yaml.Node, ok bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		r.probs.add(r.at(n), "%s must be a mapping, not %s", what, describe(n))
		return nil, nil, false
	}
	values = make(map[string]*yaml.Node, len(n.Content)/2)
	keys = make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if _, dup := values[k.Value]; dup {
			r.probs.add(r.at(k), "%s has %q twice", what, k.Value)
			continue
		}
		values[k.Value], keys[k.Value] = resolve(n.Content[i+1]), k
	}
	return values, keys, true
}

// str returns the string at key of m, nil when it is absent or null;
// anything else is a problem.
func (r reader) str(m map[string]*yaml.Node, key, what string) *string {
	n, found := m[key]
	if !found || isNull(n) {
		return nil
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		r.probs.add(r.at(n), "%s must be a string, not %s", what, describe(n))
		return nil
	}
	return &n.Value
}

// required is str for a field that must be there and not be blank;
// parent is where its absence is reported.
func (r reader) required(m map[string]*yaml.Node, parent Position, key, what string) *string {
	v := r.str(m, key, what)
	if v == nil {
		if n, found := m[key]; !found || isNull(n) {
			r.probs.add(parent, "missing %s", what)
		}
		return nil
	}
	if strings.TrimSpace(*v) == "" {
		r.probs.add(r.at(m[key]), "%s is empty", what)
		return nil
	}
	return v
}

// strings returns the string nodes at key of m: a list of strings, or a
// single string as Backstage also accepts.
func (r reader) strings(m map[string]*yaml.Node, key, what string) []*yaml.Node {
	n, found := m[key]
	if !found || isNull(n) {
		return nil
	}
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []*yaml.Node
	for _, item := range items {
		item = resolve(item)
		if item.Kind != yaml.ScalarNode || item.ShortTag() != "!!str" {
			r.probs.add(r.at(item), "%s must list entity references (strings), not %s", what, describe(item))
			continue
		}
		out = append(out, item)
	}
	return out
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a node is, for problems.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "null"
		case "!!str":
			return strconv.Quote(n.Value)
		}
		return fmt.Sprintf("%s %s", n.ShortTag(), n.Value)
	}
	return "a document"
}

// parseRef reads a Backstage entity reference with the given defaults.
func parseRef(s, defaultKind, defaultNamespace string) (EntityRef, error) {
	m := refPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return EntityRef{}, errors.New("is not an entity reference: want [kind:][namespace/]name")
	}
	ref := EntityRef{Kind: strings.ToLower(m[1]), Namespace: m[2], Name: m[3]}
	if ref.Kind == "" {
		ref.Kind = defaultKind
	}
	if ref.Kind == "" {
		return EntityRef{}, errors.New("names no kind: write component:NAME, resource:NAME or api:NAME")
	}
	if ref.Namespace == "" {
		ref.Namespace = defaultNamespace
	}
	return ref, nil
}

// applicationName is the application an entity becomes without a
// NameAnnotation: its name, qualified by its namespace unless that is the
// default one.
func applicationName(ref EntityRef) string {
	if strings.EqualFold(ref.Namespace, "default") {
		return ref.Name
	}
	return ref.Namespace + "/" + ref.Name
}

// ownerName is the team an owner reference names: without its kind, and
// without its namespace when that is "default". What is not a reference is
// kept as it is, trimmed.
func ownerName(s string) string {
	s = strings.TrimSpace(s)
	m := refPattern.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	if m[2] == "" || strings.EqualFold(m[2], "default") {
		return m[3]
	}
	return m[2] + "/" + m[3]
}

// backstagePlan turns documents into the applications and dependencies
// they describe, checking what only the documents together can tell.
func backstagePlan(docs []Document) (*plan, error) {
	var probs problems
	p := &plan{prune: true}
	byRef := make(map[string]*Document, len(docs))
	byApp := make(map[string]*Document, len(docs))
	var imported []*Document
	for i := range docs {
		d := &docs[i]
		if prev, dup := byRef[d.Ref.key()]; dup {
			probs.add(d.Position, "%s is defined twice: also at %s", d.Ref, prev.Position)
			continue
		}
		byRef[d.Ref.key()] = d
		if d.Application == "" {
			reason := d.Skipped
			if reason == "" {
				reason = "it names no application"
			}
			p.skipped = append(p.skipped, Skipped{Position: d.Position, Entity: d.Ref.String(), Reason: reason})
			continue
		}
		if prev, clash := byApp[d.Application]; clash {
			probs.add(d.Position, "%s and %s (%s) would both be application %q: give one of them a %s annotation",
				d.Ref, prev.Ref, prev.Position, d.Application, NameAnnotation)
			continue
		}
		byApp[d.Application] = d
		imported = append(imported, d)
		p.apps = append(p.apps, appSpec{pos: d.Position, name: d.Application,
			description: d.Description, owner: d.Owner, criticality: d.Criticality})
	}
	declared := map[Pair]bool{}
	for _, d := range imported {
		for _, rel := range d.Relations {
			target, inImport := byRef[rel.Target.key()]
			name := applicationName(rel.Target)
			if inImport {
				if target.Application == "" {
					probs.add(rel.Position, "%s %s: %s is skipped (%s)", rel.Field, rel.Target, rel.Target, target.Skipped)
					continue
				}
				name = target.Application
			}
			missing := fmt.Sprintf("%s %s: no such entity in this import, and relgraph has no application %q", rel.Field, rel.Target, name)
			dep := depSpec{pos: rel.Position, consumer: d.Application, provider: name, providerMissing: missing,
				description: ptr("Backstage: " + rel.Field)}
			providerRef, providerDoc := rel.Target, target
			if rel.Field == "dependencyOf" || rel.Field == "providesApis" {
				dep.consumer, dep.provider = name, d.Application
				dep.consumerMissing, dep.providerMissing = missing, ""
				providerRef, providerDoc = d.Ref, d
			}
			if dep.consumer == dep.provider {
				probs.add(rel.Position, "%s %s: an application cannot depend on itself", rel.Field, rel.Target)
				continue
			}
			pair := Pair{dep.consumer, dep.provider}
			if declared[pair] {
				continue
			}
			declared[pair] = true
			kind := dependency.KindRUNTIME
			if providerRef.Kind == "resource" {
				kind = dependency.KindINFRASTRUCTURE
				if providerDoc != nil && strings.EqualFold(providerDoc.Type, "database") {
					kind = dependency.KindDATA
				}
			}
			dep.kind = &kind
			p.deps = append(p.deps, dep)
		}
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return p, nil
}

func ptr[T any](v T) *T { return &v }
