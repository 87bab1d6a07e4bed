// Package catalog brings a service catalog into relgraph and takes the
// portfolio out again: Backstage catalog files (catalog-info.yaml) and CSV
// files of applications and dependencies for spreadsheet users.
//
// Every import works the same way. The input is first read into a plan (the
// applications it describes, the dependencies it declares), with every
// problem reported at its file and line; then the plan is applied through the
// Ent client, so every schema hook, privacy rule and audit event applies:
//
//   - Applications are upserted by name: a missing one is created, an
//     existing one gets only the fields that differ, one that already
//     matches is not written at all (no new version, no audit event).
//     A field the input leaves out is left as it is. Applications are never
//     deleted by an import.
//   - Declared dependencies ("consumer depends on provider") are created if
//     missing. Among the applications an import describes, the import is the
//     whole truth: a dependency between two of them that it no longer
//     declares is removed. Dependencies with an end outside the import are
//     never removed.
//   - Both ends of a dependency must be described by the import or already
//     be applications in relgraph; anything else is a problem, never a
//     silently dropped dependency.
//
// So importing the same input twice writes nothing the second time, and a
// changed input updates records in place. Import and ImportCSV run in the
// caller's transaction (the GraphQL layer's, for a mutation); Apply opens
// one with store.DB.WithTx, whose journal keeps large imports cheap, and can
// roll it back for a dry run.
//
// # Backstage
//
// Backstage catalog files are YAML streams of entities
// (https://backstage.io/docs/features/software-catalog/descriptor-format).
// relgraph reads them as follows:
//
//   - Components, APIs and Resources (apiVersion backstage.io/v1alpha1 or
//     v1beta1) become applications. Systems, Domains, Groups, Users,
//     Locations, Templates and other kinds are skipped, each listed in the
//     summary: a System groups applications but is not one that is deployed
//     or changed. A Location is followed as Backstage follows a file
//     location: ReadBackstage reads the files its spec.target and
//     spec.targets name (relative to the Location's file; glob patterns,
//     ** included, expanded in sorted order), recursively and each file
//     once, and lists the Location among the skipped as followed; it
//     fetches no URL target, and ParseBackstage, given YAML text without a
//     directory, follows nothing.
//   - The application is named metadata.name, or "namespace/name" when
//     metadata.namespace is set to anything but "default". The annotation
//     relgraph.io/name overrides it (for an API named like the Component
//     that provides it, or to adopt an application relgraph already has
//     under another name): relgraph names are unique across kinds, Backstage's
//     only within a kind, and two entities of one import that would share a
//     name are a problem.
//   - metadata.description becomes the description (trimmed); spec.owner the
//     owner, without its kind ("group:", "user:") and without the namespace
//     when it is "default". The annotation relgraph.io/criticality (CRITICAL,
//     HIGH, MEDIUM or LOW) sets the criticality. spec.lifecycle is not mapped:
//     it says how mature a component is, not how much its failure costs, so
//     the criticality stays what it is (MEDIUM for a new application) unless
//     the annotation says otherwise. A field that is absent is left as it is.
//   - Relations become dependencies, read "consumer depends on provider":
//     spec.dependsOn (Components, Resources): this entity depends on the
//     target; spec.dependencyOf (Components, Resources): the target depends
//     on this entity; spec.consumesApis (Components): the component depends
//     on the API; spec.providesApis (Components): the API depends on the
//     component, so a change to the component impacts the API and, through
//     it, every consumer of the API. Entity references follow Backstage:
//     [kind:][namespace/]name, case-insensitive, the namespace defaulting to
//     the referring entity's, the kind to API for the *Apis fields and
//     required for the others. Like Backstage, relgraph ignores relation
//     fields on kinds that do not have them (an API's dependsOn).
//   - A new dependency on a Resource is of kind DATA when the resource's
//     spec.type is "database", INFRASTRUCTURE otherwise; any other is
//     RUNTIME. Its description names the relation ("Backstage: dependsOn").
//     Both are only set when relgraph creates the dependency: edit them in
//     relgraph and an import leaves them alone.
//   - A reference to an entity that is not in the import resolves to the
//     application its name would have by the "namespace/name" rule (its
//     annotations are not known), which relgraph must already have;
//     otherwise the import fails, naming the file and line of the reference.
//
// # CSV
//
// CSV files, for spreadsheet users: applications.csv with the header
// name,description,owner,criticality and dependencies.csv with the header
// consumer,provider,kind,description (consumer depends on provider).
//
// Export writes every application and every dependency, sorted by name
// (byte order), then by provider. Import takes the columns in any order;
// name (consumer and provider) is required, and a column left out leaves
// that field of existing records as it is. An empty description or owner
// cell clears the field; an empty criticality or kind cell leaves it (a new
// record gets MEDIUM and RUNTIME). Values are case-insensitive for
// criticality and kind. Applications are upserted by name, dependencies by
// their pair; when a dependencies file is imported, a dependency between
// two applications of the applications file that it no longer lists is
// removed, as with Backstage.
//
// A cell that a spreadsheet would run as a formula (one starting with =,
// +, -, @, a tab or a carriage return) is exported behind a single quote,
// which import takes off again: the round trip is exact for every value.
// A UTF-8 byte order mark at the start of a file is ignored.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/dependency"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/store"
)

// Position is a place in an input: the file's name as the caller gave it,
// and a line counted from 1 (0 when the problem concerns the whole file).
type Position struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// String returns "file:line", or the file alone when the line is unknown.
func (p Position) String() string {
	if p.Line <= 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Problem is one thing wrong with an input, at its place.
type Problem struct {
	Position
	Message string `json:"message"`
}

// String returns "file:line: message".
func (p Problem) String() string { return p.Position.String() + ": " + p.Message }

// MaxProblems bounds the problems one error lists.
const MaxProblems = 100

// Problems returns the problems an error of this package lists, in input
// order; nil if err is not about the input. Errors about the input are
// *fault.Error values (BAD_USER_INPUT for a bad input; the code of the
// refusing rule when a write was refused) whose message lists the problems
// one per line, and whose extensions carry them as "problems".
func Problems(err error) []Problem {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return nil
	}
	ps, _ := fe.Extensions["problems"].([]Problem)
	return ps
}

// problems collects what is wrong with an input.
type problems struct {
	list []Problem
	more int
}

func (ps *problems) add(pos Position, format string, args ...any) {
	if len(ps.list) == MaxProblems {
		ps.more++
		return
	}
	ps.list = append(ps.list, Problem{Position: pos, Message: fmt.Sprintf(format, args...)})
}

// err is nil without problems, else a BAD_USER_INPUT fault listing them.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	lines := make([]string, len(ps.list), len(ps.list)+1)
	for i, p := range ps.list {
		lines[i] = p.String()
	}
	if ps.more > 0 {
		lines = append(lines, fmt.Sprintf("... and %d more problems", ps.more))
	}
	return &fault.Error{Code: fault.BadUserInput, Message: strings.Join(lines, "\n"),
		Extensions: map[string]any{"problems": ps.list}}
}

// atRecord places an error of a write at the record it wrote, keeping its
// code when it is a rule's refusal.
func atRecord(pos Position, err error) error {
	var (
		ve *ent.ValidationError
		fe *fault.Error
	)
	var out *fault.Error
	switch {
	case errors.As(err, &ve):
		reason := ve.Error()
		if errors.As(ve, &fe) {
			reason = fe.Message
		}
		out = fault.Invalid("", "invalid %s: %s", ve.Name, reason)
	case errors.As(err, &fe):
		out = &fault.Error{Code: fe.Code, Field: fe.Field, Message: fe.Message, Extensions: maps.Clone(fe.Extensions)}
	default:
		return fmt.Errorf("%s: %w", pos, err)
	}
	p := Problem{Position: pos, Message: out.Message}
	out.Message = p.String()
	if out.Extensions == nil {
		out.Extensions = map[string]any{}
	}
	out.Extensions["problems"] = []Problem{p}
	return out
}

// Pair names a dependency by its ends: Consumer depends on Provider.
type Pair struct {
	Consumer string `json:"consumer"`
	Provider string `json:"provider"`
}

// String returns "consumer -> provider".
func (p Pair) String() string { return p.Consumer + " -> " + p.Provider }

func comparePairs(a, b Pair) int {
	if c := strings.Compare(a.Consumer, b.Consumer); c != 0 {
		return c
	}
	return strings.Compare(a.Provider, b.Provider)
}

// ApplicationOutcomes names the applications of an import by what happened
// to them, each list sorted by name.
type ApplicationOutcomes struct {
	Created   []string `json:"created"`
	Updated   []string `json:"updated"`
	Unchanged []string `json:"unchanged"`
}

// DependencyOutcomes names the dependencies of an import by what happened to
// them, each list sorted by consumer, then provider. Updated is only ever
// filled by CSV imports, which declare a dependency's kind and description.
type DependencyOutcomes struct {
	Created   []Pair `json:"created"`
	Updated   []Pair `json:"updated"`
	Removed   []Pair `json:"removed"`
	Unchanged []Pair `json:"unchanged"`
}

// Skipped is an entity of the input that does not become an application
// (a System, a Group, a kind relgraph does not know), and why.
type Skipped struct {
	Position
	Entity string `json:"entity"`
	Reason string `json:"reason"`
}

// Summary is what an import did, or with DryRun what it would have done.
// Counts are the lengths of the lists. It maps onto a GraphQL payload field
// by field, for instance:
//
//	type CatalogImport {
//	  applications: ApplicationOutcomes!   # created, updated, unchanged: [String!]! (names)
//	  dependencies: DependencyOutcomes!    # created, updated, removed, unchanged: [DependencyPair!]!
//	  skipped: [SkippedEntity!]!           # file, line, entity, reason
//	}
//	type DependencyPair { consumer: String!  provider: String! }
type Summary struct {
	Applications ApplicationOutcomes `json:"applications"`
	Dependencies DependencyOutcomes  `json:"dependencies"`
	Skipped      []Skipped           `json:"skipped"`
	// DryRun tells that the import was rolled back (Apply with dryRun).
	DryRun bool `json:"dryRun"`
}

// Writes counts the records the import created, updated or removed: 0 when
// the database already matched the input.
func (s Summary) Writes() int {
	return len(s.Applications.Created) + len(s.Applications.Updated) +
		len(s.Dependencies.Created) + len(s.Dependencies.Updated) + len(s.Dependencies.Removed)
}

// WriteText writes the summary for a terminal: a line of counts for
// applications and for dependencies, each followed by the records it
// created (+), updated (~) and removed (-), then the skipped entities.
func (s Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	a, d := s.Applications, s.Dependencies
	fmt.Fprintf(&b, "applications: %d created, %d updated, %d unchanged\n", len(a.Created), len(a.Updated), len(a.Unchanged))
	for _, list := range []struct {
		mark  string
		names []string
	}{{"+", a.Created}, {"~", a.Updated}} {
		for _, n := range list.names {
			fmt.Fprintf(&b, "  %s %s\n", list.mark, n)
		}
	}
	fmt.Fprintf(&b, "dependencies: %d created, %d updated, %d removed, %d unchanged\n", len(d.Created), len(d.Updated), len(d.Removed), len(d.Unchanged))
	for _, list := range []struct {
		mark  string
		pairs []Pair
	}{{"+", d.Created}, {"~", d.Updated}, {"-", d.Removed}} {
		for _, p := range list.pairs {
			fmt.Fprintf(&b, "  %s %s\n", list.mark, p)
		}
	}
	if len(s.Skipped) > 0 {
		fmt.Fprintf(&b, "skipped: %d\n", len(s.Skipped))
		for _, sk := range s.Skipped {
			fmt.Fprintf(&b, "  %s (%s): %s\n", sk.Entity, sk.Position, sk.Reason)
		}
	}
	if s.DryRun {
		b.WriteString("dry run: nothing was written\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Option adjusts an import.
type Option func(*options)

type options struct {
	progress func(done, total int)
}

// WithProgress has the import call f as it goes: once with done 0 when it
// knows how many records it will look at (total), then after each.
func WithProgress(f func(done, total int)) Option {
	return func(o *options) { o.progress = f }
}

// Apply runs import in one new transaction of db, as the GraphQL layer runs
// a mutation (store.DB.WithTx: journaled, so many writes stay cheap), and
// commits it if import succeeds. With dryRun it rolls the transaction back
// instead and returns the summary of what the import would have done.
//
//	s, err := catalog.Apply(ctx, db, false, func(ctx context.Context, c *ent.Client) (catalog.Summary, error) {
//		return catalog.Import(ctx, c, docs)
//	})
func Apply(ctx context.Context, db *store.DB, dryRun bool, run func(ctx context.Context, client *ent.Client) (Summary, error)) (Summary, error) {
	var s Summary
	err := db.WithTx(ctx, func(ctx context.Context, client *ent.Client) error {
		var err error
		if s, err = run(ctx, client); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		s.DryRun = true
		return s, nil
	}
	return s, err
}

var errDryRun = errors.New("dry run: rolled back")

// appSpec is an application as an input describes it; nil fields are left
// as they are (and take their defaults on creation).
type appSpec struct {
	pos                Position
	name               string
	description, owner *string
	criticality        *application.Criticality
}

// depSpec is a dependency an input declares.
type depSpec struct {
	pos                Position
	consumer, provider string
	// consumerMissing and providerMissing say what is wrong when that end
	// is neither described by the input nor an application in relgraph.
	consumerMissing, providerMissing string
	kind                             *dependency.Kind
	description                      *string
	// update brings an existing dependency's kind and description in line
	// with kind and description (CSV declares them; Backstage infers them
	// for new dependencies only).
	update bool
}

// plan is what an input says: the applications it describes and the
// dependencies it declares, each pair at most once.
type plan struct {
	apps []appSpec
	deps []depSpec
	// prune removes dependencies between described applications that deps
	// does not declare.
	prune   bool
	skipped []Skipped
}

// lookupBatch bounds the values of one IN (...) look-up.
const lookupBatch = 1000

// apply writes p through client and reports what it did.
func apply(ctx context.Context, client *ent.Client, p *plan, opts []Option) (Summary, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	// The privacy policy judges every write; an import that finds
	// everything as asked writes nothing, so judge the caller here too.
	if v, ok := viewer.From(ctx); ok && !v.Role.Allows(viewer.Editor) {
		return Summary{}, fault.Denied("importing a catalog needs the %s role (%s has %s)", viewer.Editor, v.Actor, v.Role)
	}
	described := make(map[string]bool, len(p.apps))
	for _, a := range p.apps {
		described[a.name] = true
	}
	wanted := maps.Clone(described)
	consumers := maps.Clone(described)
	for _, d := range p.deps {
		wanted[d.consumer], wanted[d.provider], consumers[d.consumer] = true, true, true
	}
	existing, err := loadApplications(ctx, client, slices.Sorted(maps.Keys(wanted)))
	if err != nil {
		return Summary{}, err
	}
	var probs problems
	for _, d := range p.deps {
		if !described[d.consumer] && existing[d.consumer] == nil {
			probs.add(d.pos, "%s", d.consumerMissing)
		}
		if !described[d.provider] && existing[d.provider] == nil {
			probs.add(d.pos, "%s", d.providerMissing)
		}
	}
	if err := probs.err(); err != nil {
		return Summary{}, err
	}

	ids := make(map[string]int, len(wanted))
	names := make(map[int]string, len(existing))
	var consumerIDs []int
	for name, a := range existing {
		ids[name], names[a.ID] = a.ID, name
		if consumers[name] {
			consumerIDs = append(consumerIDs, a.ID)
		}
	}
	slices.Sort(consumerIDs)
	have, err := loadDependencies(ctx, client, consumerIDs)
	if err != nil {
		return Summary{}, err
	}
	declared := make(map[Pair]bool, len(p.deps))
	for _, d := range p.deps {
		declared[Pair{d.consumer, d.provider}] = true
	}
	type removal struct {
		pair Pair
		id   int
	}
	var removals []removal
	if p.prune {
		for _, dep := range have {
			pair := Pair{names[dep.ConsumerID], names[dep.ProviderID]}
			if described[pair.Consumer] && described[pair.Provider] && !declared[pair] {
				removals = append(removals, removal{pair, dep.ID})
			}
		}
		slices.SortFunc(removals, func(a, b removal) int { return comparePairs(a.pair, b.pair) })
	}

	var s Summary
	total, done := len(p.apps)+len(removals)+len(p.deps), 0
	step := func() {
		done++
		if o.progress != nil {
			o.progress(done, total)
		}
	}
	if o.progress != nil {
		o.progress(0, total)
	}
	for _, a := range p.apps {
		app, outcome, err := UpsertApplication(ctx, client, ent.CreateApplicationInput{
			Name: a.name, Description: a.description, Owner: a.owner, Criticality: a.criticality,
		}, existing[a.name])
		if err != nil {
			return Summary{}, atRecord(a.pos, err)
		}
		ids[a.name] = app.ID
		switch outcome {
		case Created:
			s.Applications.Created = append(s.Applications.Created, a.name)
		case Updated:
			s.Applications.Updated = append(s.Applications.Updated, a.name)
		default:
			s.Applications.Unchanged = append(s.Applications.Unchanged, a.name)
		}
		step()
	}
	for _, r := range removals {
		if err := client.Dependency.DeleteOneID(r.id).Exec(ctx); err != nil {
			return Summary{}, fmt.Errorf("remove dependency %s: %w", r.pair, err)
		}
		s.Dependencies.Removed = append(s.Dependencies.Removed, r.pair)
		step()
	}
	for _, d := range p.deps {
		pair := Pair{d.consumer, d.provider}
		outcome, err := upsertDependency(ctx, client, d, ids[d.consumer], ids[d.provider], have[[2]int{ids[d.consumer], ids[d.provider]}])
		if err != nil {
			return Summary{}, atRecord(d.pos, err)
		}
		switch outcome {
		case Created:
			s.Dependencies.Created = append(s.Dependencies.Created, pair)
		case Updated:
			s.Dependencies.Updated = append(s.Dependencies.Updated, pair)
		default:
			s.Dependencies.Unchanged = append(s.Dependencies.Unchanged, pair)
		}
		step()
	}
	// Lists are sorted, and empty rather than nil (JSON [], not null).
	for _, list := range []*[]string{&s.Applications.Created, &s.Applications.Updated, &s.Applications.Unchanged} {
		*list = append([]string{}, *list...)
		slices.Sort(*list)
	}
	for _, list := range []*[]Pair{&s.Dependencies.Created, &s.Dependencies.Updated, &s.Dependencies.Removed, &s.Dependencies.Unchanged} {
		*list = append([]Pair{}, *list...)
		slices.SortFunc(*list, comparePairs)
	}
	s.Skipped = append([]Skipped{}, p.skipped...)
	return s, nil
}

// Outcome is what an upsert did to a record.
type Outcome int

// The outcomes of an upsert.
const (
	Unchanged Outcome = iota
	Created
	Updated
)

// UpsertApplication creates the application in, or, when cur is the stored
// application of that name, writes the fields of in that are given and
// differ from cur's: none, and nothing is written (no new version, no audit
// event). It is the one upsert by name that imports and the GraphQL
// upsertApplications share. The returned record is the stored one.
func UpsertApplication(ctx context.Context, client *ent.Client, in ent.CreateApplicationInput, cur *ent.Application) (*ent.Application, Outcome, error) {
	if cur == nil {
		app, err := client.Application.Create().SetInput(in).Save(ctx)
		if err != nil {
			return nil, 0, err
		}
		return app, Created, nil
	}
	update := client.Application.UpdateOne(cur)
	changed := false
	if v := in.Description; v != nil && *v != cur.Description {
		update.SetDescription(*v)
		changed = true
	}
	if v := in.Owner; v != nil && *v != cur.Owner {
		update.SetOwner(*v)
		changed = true
	}
	if v := in.Criticality; v != nil && *v != cur.Criticality {
		update.SetCriticality(*v)
		changed = true
	}
	if !changed {
		return cur, Unchanged, nil
	}
	app, err := update.Save(ctx)
	if err != nil {
		return nil, 0, err
	}
	return app, Updated, nil
}

// upsertDependency creates d between consumer and provider unless cur
// exists; an existing one is brought in line with d when d.update.
func upsertDependency(ctx context.Context, client *ent.Client, d depSpec, consumer, provider int, cur *ent.Dependency) (Outcome, error) {
	if cur == nil {
		err := client.Dependency.Create().
			SetConsumerID(consumer).
			SetProviderID(provider).
			SetNillableKind(d.kind).
			SetNillableDescription(d.description).
			Exec(ctx)
		if err != nil {
			return 0, err
		}
		return Created, nil
	}
	if !d.update {
		return Unchanged, nil
	}
	update := client.Dependency.UpdateOne(cur)
	changed := false
	if v := d.kind; v != nil && *v != cur.Kind {
		update.SetKind(*v)
		changed = true
	}
	if v := d.description; v != nil && *v != cur.Description {
		update.SetDescription(*v)
		changed = true
	}
	if !changed {
		return Unchanged, nil
	}
	if err := update.Exec(ctx); err != nil {
		return 0, err
	}
	return Updated, nil
}

// loadApplications returns the applications with the given names, by name.
func loadApplications(ctx context.Context, client *ent.Client, names []string) (map[string]*ent.Application, error) {
	out := make(map[string]*ent.Application, len(names))
	for batch := range slices.Chunk(names, lookupBatch) {
		found, err := client.Application.Query().Where(application.NameIn(batch...)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range found {
			out[a.Name] = a
		}
	}
	return out, nil
}

// loadDependencies returns the dependencies of the given consumers, by
// (consumer, provider) id pair.
func loadDependencies(ctx context.Context, client *ent.Client, consumers []int) (map[[2]int]*ent.Dependency, error) {
	out := map[[2]int]*ent.Dependency{}
	for batch := range slices.Chunk(consumers, lookupBatch) {
		found, err := client.Dependency.Query().Where(dependency.ConsumerIDIn(batch...)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range found {
			out[[2]int{d.ConsumerID, d.ProviderID}] = d
		}
	}
	return out, nil
}
