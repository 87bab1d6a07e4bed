package graph_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/relgraph/relgraph/ent/auditevent"
)

// The tests of Release.impactDiff compare it with an oracle that needs no
// audit trail: the release's impact asked of the API at a moment, and asked
// again after the writes. impactDiff(since: that moment) must be their set
// difference (deleted applications left out of left).

const impactDiffQuery = `query($id:ID!, $since:Time!) { node(id:$id) { ... on Release {
	impactDiff(since:$since) { since entered { name } left { name } } } } }`

// diffMoment returns a time strictly between the writes before and after it.
// Audit times are stored to the microsecond on PostgreSQL (to the
// nanosecond on SQLite), so a write within a microsecond of the diffMoment could
// be stored on the wrong side of it; the pauses rule that out.
func diffMoment() time.Time {
	time.Sleep(2 * time.Millisecond)
	t := time.Now().UTC()
	time.Sleep(2 * time.Millisecond)
	return t
}

// diffImpactNames returns the names in release rel's unbounded impact, asked
// of the API.
func diffImpactNames(t *testing.T, s *testServer, rel string) map[string]bool {
	t.Helper()
	var out struct {
		Node struct {
			Impact struct {
				Impacted []struct{ Application struct{ Name string } }
			}
		}
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { impact { impacted { application { name } } } } } }`,
		vars("id", rel), &out)
	names := map[string]bool{}
	for _, i := range out.Node.Impact.Impacted {
		names[i.Application.Name] = true
	}
	return names
}

// diffAppNames returns the names of every application that exists.
func diffAppNames(t *testing.T, s *testServer) map[string]bool {
	t.Helper()
	var out struct {
		Applications struct {
			Edges []struct{ Node struct{ Name string } }
		}
	}
	s.ok(t, `{ applications(first:1000) { edges { node { name } } } }`, nil, &out)
	names := map[string]bool{}
	for _, e := range out.Applications.Edges {
		names[e.Node.Name] = true
	}
	return names
}

// impactDiff asks release rel's impactDiff since the moment.
func askImpactDiff(t *testing.T, s *testServer, rel string, since time.Time) (entered, left []string) {
	t.Helper()
	var out struct {
		Node struct {
			ImpactDiff struct {
				Since         time.Time
				Entered, Left []struct{ Name string }
			}
		}
	}
	s.ok(t, impactDiffQuery, vars("id", rel, "since", since.Format(time.RFC3339Nano)), &out)
	d := out.Node.ImpactDiff
	if !d.Since.Equal(since) {
		t.Errorf("since = %v, want %v", d.Since, since)
	}
	entered, left = []string{}, []string{}
	for _, a := range d.Entered {
		entered = append(entered, a.Name)
	}
	for _, a := range d.Left {
		left = append(left, a.Name)
	}
	return entered, left
}

// diffMark is a moment with the release's impact as the API told it then.
type diffMark struct {
	at     time.Time
	impact map[string]bool
}

func newDiffMark(t *testing.T, s *testServer, rel string) diffMark {
	t.Helper()
	time.Sleep(2 * time.Millisecond)
	m := diffMark{impact: diffImpactNames(t, s, rel)}
	m.at = diffMoment()
	return m
}

// oracle returns what impactDiff since m must answer now: by name.
func (m diffMark) oracle(t *testing.T, s *testServer, rel string) (entered, left []string) {
	t.Helper()
	now, exists := diffImpactNames(t, s, rel), diffAppNames(t, s)
	entered, left = []string{}, []string{}
	for name := range now {
		if !m.impact[name] {
			entered = append(entered, name)
		}
	}
	for name := range m.impact {
		if !now[name] && exists[name] {
			left = append(left, name)
		}
	}
	sort.Strings(entered)
	sort.Strings(left)
	return entered, left
}

// expect checks impactDiff since m against the expected names (written by
// the test from the scenario) and against the oracle.
func (m diffMark) expect(t *testing.T, s *testServer, rel string, wantEntered, wantLeft []string) {
	t.Helper()
	entered, left := askImpactDiff(t, s, rel, m.at)
	oEntered, oLeft := m.oracle(t, s, rel)
	if !slices.Equal(oEntered, wantEntered) || !slices.Equal(oLeft, wantLeft) {
		t.Fatalf("the scenario is wrong: the API's impacts differ by entered %v, left %v; the test expects %v, %v",
			oEntered, oLeft, wantEntered, wantLeft)
	}
	if !slices.Equal(entered, wantEntered) || !slices.Equal(left, wantLeft) {
		t.Errorf("impactDiff: entered %v, left %v; want entered %v, left %v", entered, left, wantEntered, wantLeft)
	}
}

// diffApps creates applications by name and returns their ids.
func diffApps(t *testing.T, s *testServer, names ...string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, n := range names {
		ids[n] = s.createApp(t, n)
	}
	return ids
}

func diffDeleteDep(t *testing.T, s *testServer, id string) {
	t.Helper()
	s.ok(t, `mutation($id:ID!) { deleteDependency(id:$id) }`, vars("id", id), nil)
}

func diffUpdateChange(t *testing.T, s *testServer, id string, input map[string]any) {
	t.Helper()
	s.ok(t, `mutation($id:ID!, $in:UpdateChangeInput!) { updateChange(id:$id, input:$in) { id } }`,
		vars("id", id, "in", input), nil)
}

func diffUpdateRelease(t *testing.T, s *testServer, id string, input map[string]any) {
	t.Helper()
	s.ok(t, `mutation($id:ID!, $in:UpdateReleaseInput!) { updateRelease(id:$id, input:$in) { id } }`,
		vars("id", id, "in", input), nil)
}

// TestImpactDiffScenarios moves a release's impact in each way the issue
// names and checks what impactDiff reports.
func TestImpactDiffScenarios(t *testing.T) {
	t.Parallel()
	// Every scenario starts from: billing is changed by the release;
	// invoices depends on billing, portal on invoices; reports and audit
	// stand apart.
	setup := func(t *testing.T) (s *testServer, app map[string]string, rel, ch string, deps map[string]string) {
		s = newTestServer(t)
		app = diffApps(t, s, "billing", "invoices", "portal", "reports", "audit")
		deps = map[string]string{
			"invoices→billing": s.createDep(t, app["invoices"], app["billing"]),
			"portal→invoices":  s.createDep(t, app["portal"], app["invoices"]),
		}
		rel = s.createRelease(t, "R1")
		ch = s.createChange(t, "billing fix", rel, app["billing"])
		return s, app, rel, ch, deps
	}
	none := []string{}

	t.Run("nothing changed", func(t *testing.T) {
		s, app, rel, ch, _ := setup(t)
		m := newDiffMark(t, s, rel)
		// Writes that touch no impact: a title, another release, a
		// dependency's description.
		diffUpdateChange(t, s, ch, map[string]any{"title": "billing fix, reworded"})
		other := s.createRelease(t, "R2")
		s.createChange(t, "elsewhere", other, app["reports"])
		m.expect(t, s, rel, none, none)
	})

	t.Run("dependency added", func(t *testing.T) {
		s, app, rel, _, _ := setup(t)
		m := newDiffMark(t, s, rel)
		s.createDep(t, app["reports"], app["portal"])
		m.expect(t, s, rel, []string{"reports"}, none)
	})

	t.Run("dependency removed", func(t *testing.T) {
		s, _, rel, _, deps := setup(t)
		m := newDiffMark(t, s, rel)
		diffDeleteDep(t, s, deps["portal→invoices"])
		m.expect(t, s, rel, none, []string{"portal"})
	})

	t.Run("dependency removed and added back", func(t *testing.T) {
		s, app, rel, _, deps := setup(t)
		m := newDiffMark(t, s, rel)
		diffDeleteDep(t, s, deps["invoices→billing"])
		s.createDep(t, app["invoices"], app["billing"])
		m.expect(t, s, rel, none, none)
	})

	t.Run("several dependencies in one transaction", func(t *testing.T) {
		s, app, rel, _, _ := setup(t)
		m := newDiffMark(t, s, rel)
		s.ok(t, `mutation($in:[CreateDependencyInput!]!) { createDependencies(input:$in) { id } }`,
			vars("in", []map[string]any{
				{"consumerID": app["reports"], "providerID": app["invoices"]},
				{"consumerID": app["audit"], "providerID": app["reports"]},
			}), nil)
		m.expect(t, s, rel, []string{"audit", "reports"}, none)
	})

	t.Run("change joins and leaves through updateChange", func(t *testing.T) {
		s, app, rel, ch, _ := setup(t)
		other := s.createChange(t, "reports work", "", app["reports"])
		m := newDiffMark(t, s, rel)
		diffUpdateChange(t, s, other, map[string]any{"releaseID": rel})
		diffUpdateChange(t, s, ch, map[string]any{"clearRelease": true})
		m.expect(t, s, rel, []string{"reports"}, []string{"billing", "invoices", "portal"})
	})

	t.Run("change joins and leaves through updateRelease", func(t *testing.T) {
		s, app, rel, ch, _ := setup(t)
		other := s.createChange(t, "reports work", "", app["reports"])
		m := newDiffMark(t, s, rel)
		diffUpdateRelease(t, s, rel, map[string]any{"addChangeIDs": []string{other}})
		diffUpdateRelease(t, s, rel, map[string]any{"removeChangeIDs": []string{ch}})
		m.expect(t, s, rel, []string{"reports"}, []string{"billing", "invoices", "portal"})
	})

	t.Run("change moves to another release and back", func(t *testing.T) {
		s, _, rel, ch, _ := setup(t)
		other := s.createRelease(t, "R2")
		m := newDiffMark(t, s, rel)
		diffUpdateChange(t, s, ch, map[string]any{"releaseID": other})
		m.expect(t, s, rel, none, []string{"billing", "invoices", "portal"})
		diffUpdateChange(t, s, ch, map[string]any{"releaseID": rel})
		m.expect(t, s, rel, none, none)
	})

	t.Run("change created and deleted", func(t *testing.T) {
		s, app, rel, ch, _ := setup(t)
		m := newDiffMark(t, s, rel)
		s.createChange(t, "audit work", rel, app["audit"])
		s.ok(t, `mutation($id:ID!) { deleteChange(id:$id) }`, vars("id", ch), nil)
		m.expect(t, s, rel, []string{"audit"}, []string{"billing", "invoices", "portal"})
	})

	t.Run("applications added and removed on a change", func(t *testing.T) {
		s, app, rel, ch, _ := setup(t)
		m := newDiffMark(t, s, rel)
		diffUpdateChange(t, s, ch, map[string]any{"addApplicationIDs": []string{app["reports"], app["invoices"]}})
		diffUpdateChange(t, s, ch, map[string]any{"removeApplicationIDs": []string{app["billing"]}})
		m.expect(t, s, rel, []string{"reports"}, []string{"billing"})
	})

	t.Run("writes that change nothing", func(t *testing.T) {
		// The trail records the ids a write asked to add or remove, also
		// when the change already touched them or never did.
		s, app, rel, ch, _ := setup(t)
		m := newDiffMark(t, s, rel)
		diffUpdateChange(t, s, ch, map[string]any{"addApplicationIDs": []string{app["billing"]}})
		diffUpdateChange(t, s, ch, map[string]any{"removeApplicationIDs": []string{app["audit"]}})
		m.expect(t, s, rel, none, none)
	})

	t.Run("upsertChanges", func(t *testing.T) {
		s, app, rel, _, _ := setup(t)
		upsert := func(apps ...string) {
			s.ok(t, `mutation($in:[CreateChangeInput!]!) { upsertChanges(input:$in) { created updated } }`,
				vars("in", []map[string]any{{"title": "ticket", "externalRef": "T-1", "releaseID": rel, "applicationIDs": apps}}), nil)
		}
		upsert(app["reports"])
		m := newDiffMark(t, s, rel)
		upsert(app["audit"])
		m.expect(t, s, rel, []string{"audit"}, []string{"reports"})
	})

	t.Run("importCatalog", func(t *testing.T) {
		s, _, rel, _, _ := setup(t)
		m := newDiffMark(t, s, rel)
		// The catalog declares that reports depends on billing, and is the
		// whole truth about the dependencies between its applications.
		s.ok(t, `mutation($y:String!) { importCatalog(yaml:$y) { skipped { reason } } }`, vars("y", `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: reports
spec:
  type: service
  owner: finance
  dependsOn: [component:billing]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: billing
spec:
  type: service
  owner: finance
`), nil)
		m.expect(t, s, rel, []string{"reports"}, none)
	})

	t.Run("cycle", func(t *testing.T) {
		s, app, rel, _, deps := setup(t)
		// billing and invoices depend on each other.
		s.createDep(t, app["billing"], app["invoices"])
		m := newDiffMark(t, s, rel)
		s.createDep(t, app["reports"], app["invoices"])
		diffDeleteDep(t, s, deps["portal→invoices"])
		m.expect(t, s, rel, []string{"reports"}, []string{"portal"})
		// A cycle through the whole chain, then broken again at its entry.
		s.createDep(t, app["invoices"], app["reports"])
		s.createDep(t, app["audit"], app["reports"])
		diffDeleteDep(t, s, deps["invoices→billing"])
		m.expect(t, s, rel, none, []string{"invoices", "portal"})
	})

	t.Run("deleted and created applications", func(t *testing.T) {
		s, app, rel, _, deps := setup(t)
		m := newDiffMark(t, s, rel)
		// portal leaves the impact and the portfolio: not reported.
		diffDeleteDep(t, s, deps["portal→invoices"])
		s.ok(t, `mutation($id:ID!) { deleteApplication(id:$id) }`, vars("id", app["portal"]), nil)
		// A new application enters.
		ledger := s.createApp(t, "ledger")
		s.createDep(t, ledger, app["billing"])
		m.expect(t, s, rel, []string{"ledger"}, none)
	})

	t.Run("a path through an application deleted since", func(t *testing.T) {
		// At the moment, portal reached billing through invoices, which is
		// gone now: portal left, invoices is not reported.
		s, app, rel, _, deps := setup(t)
		m := newDiffMark(t, s, rel)
		diffDeleteDep(t, s, deps["invoices→billing"])
		diffDeleteDep(t, s, deps["portal→invoices"])
		s.ok(t, `mutation($id:ID!) { deleteApplication(id:$id) }`, vars("id", app["invoices"]), nil)
		m.expect(t, s, rel, none, []string{"portal"})
	})

	t.Run("before the release existed", func(t *testing.T) {
		s, _, rel, _, _ := setup(t)
		entered, left := askImpactDiff(t, s, rel, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
		if want := []string{"billing", "invoices", "portal"}; !slices.Equal(entered, want) || len(left) != 0 {
			t.Errorf("entered %v, left %v; want entered %v, left none", entered, left, want)
		}
	})

	t.Run("an empty release", func(t *testing.T) {
		s := newTestServer(t)
		rel := s.createRelease(t, "empty")
		m := newDiffMark(t, s, rel)
		m.expect(t, s, rel, none, none)
	})

	t.Run("inside a mutation", func(t *testing.T) {
		// The mutation's own writes count, though their audit events wait
		// for the commit.
		s, app, rel, _, _ := setup(t)
		m := newDiffMark(t, s, rel)
		var out struct {
			CreateChange struct {
				Release struct {
					ImpactDiff struct{ Entered []struct{ Name string } }
				}
			}
		}
		s.ok(t, `mutation($in:CreateChangeInput!, $since:Time!) { createChange(input:$in) {
			release { impactDiff(since:$since) { entered { name } } } } }`,
			vars("in", map[string]any{"title": "audit work", "kind": "FIX", "risk": "LOW", "releaseID": rel, "applicationIDs": []string{app["audit"]}},
				"since", m.at.Format(time.RFC3339Nano)), &out)
		if e := out.CreateChange.Release.ImpactDiff.Entered; len(e) != 1 || e[0].Name != "audit" {
			t.Errorf("entered %v inside the mutation, want [audit]", e)
		}
		m.expect(t, s, rel, []string{"audit"}, none)
	})
}

// TestImpactDiffWithoutTrail plays a database whose records are older than
// the audit trail (its events are wiped by hand): the writes since the
// diffMoment are still enough, and before the release was created it had no
// changes.
func TestImpactDiffWithoutTrail(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	app := diffApps(t, s, "billing", "invoices", "portal", "reports")
	dep := s.createDep(t, app["invoices"], app["billing"])
	s.createDep(t, app["portal"], app["invoices"])
	rel := s.createRelease(t, "R1")
	ch := s.createChange(t, "billing fix", rel, app["billing"])
	gone := s.createChange(t, "portal fix", rel, app["portal"])
	if _, err := s.DB.SQL().ExecContext(context.Background(), "DELETE FROM "+auditevent.Table); err != nil {
		t.Fatal(err)
	}
	m := newDiffMark(t, s, rel)
	diffDeleteDep(t, s, dep)
	diffUpdateChange(t, s, ch, map[string]any{"addApplicationIDs": []string{app["reports"]}})
	s.ok(t, `mutation($id:ID!) { deleteChange(id:$id) }`, vars("id", gone), nil)
	// portal left: the deleted change touched it, and invoices' path to
	// billing is gone. The trail never saw that change created, so what it
	// touched is unknown (package history's rule: none); portal's departure
	// is still found through the dependency.
	m.expect(t, s, rel, []string{"reports"}, []string{"invoices", "portal"})

	entered, left := askImpactDiff(t, s, rel, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	if want := []string{"billing", "reports"}; !slices.Equal(entered, want) || len(left) != 0 {
		t.Errorf("since before the release: entered %v, left %v; want entered %v, left none", entered, left, want)
	}
}

// TestImpactDiffRefusals: a diffMoment in the future, or not a time.
func TestImpactDiffRefusals(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	rel := s.createRelease(t, "R1")
	e := s.fails(t, "BAD_USER_INPUT", impactDiffQuery, vars("id", rel, "since", time.Now().Add(time.Hour).Format(time.RFC3339)))
	if e.Extensions["field"] != "since" {
		t.Errorf("error names field %v, want since: %q", e.Extensions["field"], e.Message)
	}
	s.fails(t, "BAD_USER_INPUT", impactDiffQuery, vars("id", rel, "since", "yesterday"))
	s.fails(t, "GRAPHQL_VALIDATION_FAILED", `query($id:ID!) { node(id:$id) { ... on Release { impactDiff { since } } } }`, vars("id", rel))
}

// TestImpactDiffRandomized drives a diffApps through seeded random writes
// of every kind impactDiff follows, marking moments on the way, and checks
// impactDiff since each mark against the oracle at later marks.
func TestImpactDiffRandomized(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			w := newDiffWriter(t, seed)
			var marks []diffMark
			for step := 0; step < 90; step++ {
				w.write(t)
				if step%10 == 9 {
					for _, m := range marks {
						entered, left := askImpactDiff(t, w.s, w.rel, m.at)
						oEntered, oLeft := m.oracle(t, w.s, w.rel)
						if !slices.Equal(entered, oEntered) || !slices.Equal(left, oLeft) {
							t.Fatalf("step %d, since %v: entered %v, left %v; the API's impacts differ by entered %v, left %v",
								step, m.at, entered, left, oEntered, oLeft)
						}
					}
					marks = append(marks, newDiffMark(t, w.s, w.rel))
				}
			}
		})
	}
}

// diffWriter keeps a model of the diffApps it writes, to pick writes
// the API accepts.
type diffWriter struct {
	s          *testServer
	rng        *rand.Rand
	rel, other string
	apps       []string // ids, in creation order; "" once deleted
	names      map[string]string
	deps       map[[2]string]string // (consumer, provider) -> dependency id
	changes    map[string]*diffChange
	order      []string // change ids, in creation order
	serial     int
}

type diffChange struct {
	apps    map[string]bool
	release string
	deleted bool
}

func newDiffWriter(t *testing.T, seed uint64) *diffWriter {
	w := &diffWriter{
		s:       newTestServer(t),
		rng:     rand.New(rand.NewPCG(seed, 13)),
		names:   map[string]string{},
		deps:    map[[2]string]string{},
		changes: map[string]*diffChange{},
	}
	w.rel = w.s.createRelease(t, "R")
	w.other = w.s.createRelease(t, "other")
	for range 8 {
		w.newApp(t)
	}
	return w
}

func (w *diffWriter) newApp(t *testing.T) string {
	w.serial++
	name := fmt.Sprintf("app%02d", w.serial)
	id := w.s.createApp(t, name)
	w.apps = append(w.apps, id)
	w.names[id] = name
	return id
}

// app returns a random application that exists.
func (w *diffWriter) app() string {
	for {
		if id := w.apps[w.rng.IntN(len(w.apps))]; id != "" {
			return id
		}
	}
}

// change returns a random change that exists and satisfies ok, "" if none.
func (w *diffWriter) change(ok func(*diffChange) bool) string {
	var ids []string
	for _, id := range w.order {
		if c := w.changes[id]; !c.deleted && ok(c) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return ids[w.rng.IntN(len(ids))]
}

func anyChange(*diffChange) bool { return true }

// newPair returns a dependency pair that does not exist yet.
func (w *diffWriter) newPair() (c, p string) {
	for {
		c, p = w.app(), w.app()
		if _, exists := w.deps[[2]string{c, p}]; c != p && !exists {
			return c, p
		}
	}
}

func (w *diffWriter) releaseFor() string {
	switch w.rng.IntN(5) {
	case 0, 1, 2:
		return w.rel
	case 3:
		return w.other
	}
	return ""
}

func (w *diffWriter) write(t *testing.T) {
	t.Helper()
	s := w.s
	switch w.rng.IntN(13) {
	case 0, 1: // a dependency
		c, p := w.newPair()
		w.deps[[2]string{c, p}] = s.createDep(t, c, p)
	case 2, 12: // a dependency deleted
		if len(w.deps) == 0 {
			return
		}
		pairs := make([][2]string, 0, len(w.deps))
		for pair := range w.deps {
			pairs = append(pairs, pair)
		}
		slices.SortFunc(pairs, func(a, b [2]string) int { return strings.Compare(a[0]+" "+a[1], b[0]+" "+b[1]) })
		pair := pairs[w.rng.IntN(len(pairs))]
		diffDeleteDep(t, s, w.deps[pair])
		delete(w.deps, pair)
	case 3: // dependencies in bulk
		var in []map[string]any
		var pairs [][2]string
		for range 1 + w.rng.IntN(3) {
			c, p := w.newPair()
			if !slices.Contains(pairs, [2]string{c, p}) {
				pairs = append(pairs, [2]string{c, p})
				in = append(in, map[string]any{"consumerID": c, "providerID": p})
			}
		}
		var out struct{ CreateDependencies []struct{ ID string } }
		s.ok(t, `mutation($in:[CreateDependencyInput!]!) { createDependencies(input:$in) { id } }`, vars("in", in), &out)
		for i, d := range out.CreateDependencies {
			w.deps[pairs[i]] = d.ID
		}
	case 4: // a change
		c := &diffChange{apps: map[string]bool{w.app(): true, w.app(): true}, release: w.releaseFor()}
		id := s.createChange(t, "change", c.release, diffKeys(c.apps)...)
		w.changes[id] = c
		w.order = append(w.order, id)
	case 5: // a change's applications, sometimes with ids that change nothing
		id := w.change(anyChange)
		if id == "" {
			return
		}
		c := w.changes[id]
		add, remove := w.app(), w.app()
		if len(c.apps) == 1 && c.apps[remove] && add != remove {
			remove = w.app()
		}
		next := map[string]bool{}
		for a := range c.apps {
			next[a] = a != remove
		}
		next[add] = true
		if len(diffTrueKeys(next)) == 0 {
			return
		}
		diffUpdateChange(t, s, id, map[string]any{"addApplicationIDs": []string{add}, "removeApplicationIDs": []string{remove}})
		c.apps = map[string]bool{}
		for _, a := range diffTrueKeys(next) {
			c.apps[a] = true
		}
	case 6: // a change moved by diffUpdateChange
		id := w.change(anyChange)
		if id == "" {
			return
		}
		to := w.releaseFor()
		if to == "" {
			diffUpdateChange(t, s, id, map[string]any{"clearRelease": true})
		} else {
			diffUpdateChange(t, s, id, map[string]any{"releaseID": to})
		}
		w.changes[id].release = to
	case 7: // a change moved by diffUpdateRelease
		if w.rng.IntN(2) == 0 {
			if id := w.change(func(c *diffChange) bool { return c.release == "" }); id != "" {
				diffUpdateRelease(t, s, w.rel, map[string]any{"addChangeIDs": []string{id}})
				w.changes[id].release = w.rel
			}
		} else if id := w.change(func(c *diffChange) bool { return c.release == w.rel }); id != "" {
			diffUpdateRelease(t, s, w.rel, map[string]any{"removeChangeIDs": []string{id}})
			w.changes[id].release = ""
		}
	case 8: // a change deleted
		if id := w.change(anyChange); id != "" {
			s.ok(t, `mutation($id:ID!) { deleteChange(id:$id) }`, vars("id", id), nil)
			w.changes[id].deleted = true
		}
	case 9: // an application created, with a dependency on it
		id := w.newApp(t)
		p := w.app()
		if p != id {
			w.deps[[2]string{id, p}] = s.createDep(t, id, p)
		}
	case 10: // an application nothing references deleted
		for i, id := range w.apps {
			if id != "" && !w.referenced(id) {
				s.ok(t, `mutation($id:ID!) { deleteApplication(id:$id) }`, vars("id", id), nil)
				w.apps[i] = ""
				return
			}
		}
	case 11: // upsertChanges sets a ticket's applications exactly
		ref := fmt.Sprintf("T-%d", w.rng.IntN(3))
		apps := map[string]bool{w.app(): true}
		rel := w.releaseFor()
		in := map[string]any{"title": ref, "externalRef": ref, "applicationIDs": diffKeys(apps)}
		if rel != "" {
			in["releaseID"] = rel
		}
		var out struct {
			UpsertChanges struct {
				Results []struct{ Change struct{ ID string } }
			}
		}
		s.ok(t, `mutation($in:[CreateChangeInput!]!) { upsertChanges(input:$in) { results { change { id } } } }`,
			vars("in", []map[string]any{in}), &out)
		id := out.UpsertChanges.Results[0].Change.ID
		c, known := w.changes[id]
		if !known {
			c = &diffChange{}
			w.changes[id] = c
			w.order = append(w.order, id)
		}
		c.apps = apps
		// A ticket left out of a release keeps the one it had.
		if rel != "" || !known {
			c.release = rel
		}
	}
}

// referenced reports whether a dependency or a change names application id.
func (w *diffWriter) referenced(id string) bool {
	for pair := range w.deps {
		if pair[0] == id || pair[1] == id {
			return true
		}
	}
	for _, c := range w.changes {
		if !c.deleted && c.apps[id] {
			return true
		}
	}
	return false
}

func diffKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func diffTrueKeys(set map[string]bool) []string {
	var out []string
	for k, v := range set {
		if v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
