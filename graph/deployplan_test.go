package graph_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/ent/auditevent"
)

// planStep is a deployment step as the tests read it.
type planStep struct {
	ID          string
	Version     int
	Kind        string
	Wave        int
	Position    int
	Status      string
	Owner       string
	Notes       string
	StartedAt   *string
	FinishedAt  *string
	Application struct{ Name string }
}

type planDifference struct {
	Kind        string
	Application struct{ Name string }
	PlanWave    *int
	CurrentWave *int
}

func (d planDifference) String() string {
	w := func(p *int) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("%s %s %s→%s", d.Kind, d.Application.Name, w(d.PlanWave), w(d.CurrentWave))
}

const stepFields = `id version kind wave position status owner notes startedAt finishedAt application { name }`

const generate = `mutation($r:ID!, $e:ID!, $replace:Boolean) {
  generateDeploymentPlan(releaseID:$r, environmentID:$e, replace:$replace) {
    created replaced
    differences { kind application { name } planWave currentWave }
    plan { id }
  }
}`

type generated struct {
	GenerateDeploymentPlan struct {
		Created, Replaced bool
		Differences       []planDifference
		Plan              struct{ ID string }
	}
}

// planFixture is a portfolio with a dependency cycle and a release whose
// changes deploy in several waves, with one production environment.
type planFixture struct {
	s                *testServer
	apps             map[string]string // name → id
	owners           map[string]string
	release, env     string
	change           string
	start, end       string
	otherRelease     string
	deployment       string
	otherDeployment  string
	outsideBooking   string
	freeze, farAway  string
	unrelatedFreeze  string
	prodOfAnotherEnv string
}

func newPlanFixture(t *testing.T) *planFixture {
	t.Helper()
	s := newTestServer(t)
	f := &planFixture{s: s, apps: map[string]string{}, owners: map[string]string{},
		start: "2027-03-01T20:00:00Z", end: "2027-03-02T04:00:00Z"}
	for _, a := range []struct{ name, owner string }{
		{"db", "Data"}, {"api", "Platform"}, {"x", "Orders"}, {"y", "Stock"}, {"web", "Storefront"}, {"cfg", "Platform"}, {"auth", "Identity"},
	} {
		var out struct{ CreateApplication struct{ ID string } }
		s.ok(t, `mutation($n:String!, $o:String) { createApplication(input:{name:$n, owner:$o}) { id } }`, vars("n", a.name, "o", a.owner), &out)
		f.apps[a.name], f.owners[a.name] = out.CreateApplication.ID, a.owner
	}
	// api depends on db; x and y depend on each other (the cycle), x on
	// api; web on y. auth is a provider of db, changed later.
	for _, d := range [][2]string{{"api", "db"}, {"x", "api"}, {"x", "y"}, {"y", "x"}, {"web", "y"}, {"db", "auth"}} {
		s.createDep(t, f.apps[d[0]], f.apps[d[1]])
	}
	f.release = s.createRelease(t, "R1", f.start, f.end)
	f.change = s.createChange(t, "c1", f.release, f.apps["db"], f.apps["x"], f.apps["y"], f.apps["web"], f.apps["cfg"])
	var env struct{ CreateEnvironment struct{ ID string } }
	s.ok(t, `mutation { createEnvironment(input:{name:"prod", stage:PRODUCTION}) { id } }`, nil, &env)
	f.env = env.CreateEnvironment.ID
	s.ok(t, `mutation { createEnvironment(input:{name:"uat", stage:USER_ACCEPTANCE}) { id } }`, nil, &env)
	uat := env.CreateEnvironment.ID

	book := func(rel, env, from, to string) string {
		var out struct{ CreateDeployment struct{ ID string } }
		s.ok(t, `mutation($r:ID!, $e:ID!, $s:Time!, $t:Time!) { createDeployment(input:{releaseID:$r, environmentID:$e, startsAt:$s, endsAt:$t}) { id } }`,
			vars("r", rel, "e", env, "s", from, "t", to), &out)
		return out.CreateDeployment.ID
	}
	f.otherRelease = s.createRelease(t, "R2", "2027-03-01T00:00:00Z", "2027-03-05T00:00:00Z")
	// Booked into prod overlapping R1's window: R2's first, then R1's.
	f.deployment = book(f.release, f.env, "2027-03-01T22:00:00Z", "2027-03-02T02:00:00Z")
	f.otherDeployment = book(f.otherRelease, f.env, "2027-03-01T19:00:00Z", "2027-03-01T21:00:00Z")
	// Not overlapping, or in another environment: not bookings of the plan.
	f.outsideBooking = book(f.otherRelease, f.env, "2027-03-02T04:00:00Z", "2027-03-02T06:00:00Z")
	f.prodOfAnotherEnv = book(f.otherRelease, uat, "2027-03-01T21:00:00Z", "2027-03-01T23:00:00Z")

	freeze := func(name, from, to string, apps ...string) string {
		var out struct{ CreateFreezeWindow struct{ ID string } }
		s.ok(t, `mutation($n:String!, $s:Time!, $t:Time!, $a:[ID!]) { createFreezeWindow(input:{name:$n, startsAt:$s, endsAt:$t, applicationIDs:$a}) { id } }`,
			vars("n", name, "s", from, "t", to, "a", apps), &out)
		return out.CreateFreezeWindow.ID
	}
	// web is impacted (changed); api only through db: both count.
	f.freeze = freeze("Audit", "2027-03-02T00:00:00Z", "2027-03-03T00:00:00Z", f.apps["api"])
	f.farAway = freeze("Later", "2027-04-01T00:00:00Z", "2027-04-02T00:00:00Z", f.apps["db"])
	f.unrelatedFreeze = freeze("Auth only", "2027-03-01T00:00:00Z", "2027-03-03T00:00:00Z", f.apps["auth"])
	return f
}

// order is the release's deploymentOrder, by application name per wave.
func (f *planFixture) order(t *testing.T) [][]string {
	t.Helper()
	var out struct {
		Node struct{ DeploymentOrder [][]struct{ Name string } }
	}
	f.s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { deploymentOrder { name } } } }`, vars("id", f.release), &out)
	var waves [][]string
	for _, w := range out.Node.DeploymentOrder {
		waves = append(waves, names(w))
	}
	return waves
}

func (f *planFixture) generate(t *testing.T, replace bool) generated {
	t.Helper()
	var out generated
	f.s.ok(t, generate, vars("r", f.release, "e", f.env, "replace", replace), &out)
	return out
}

// steps reads the plan's steps by position.
func (f *planFixture) steps(t *testing.T, plan string) []planStep {
	t.Helper()
	var out struct {
		Node struct {
			Steps struct{ Edges []struct{ Node planStep } }
		}
	}
	f.s.ok(t, `query($id:ID!) { node(id:$id) { ... on DeploymentPlan { steps(orderBy:[{field:POSITION}]) { edges { node { `+stepFields+` } } } } } }`,
		vars("id", plan), &out)
	steps := make([]planStep, len(out.Node.Steps.Edges))
	for i, e := range out.Node.Steps.Edges {
		steps[i] = e.Node
	}
	return steps
}

func byApp(steps []planStep, kind string) map[string]planStep {
	out := map[string]planStep{}
	for _, s := range steps {
		if s.Kind == kind {
			out[s.Application.Name] = s
		}
	}
	return out
}

// requireLayout checks steps against the release's deploymentOrder, read
// independently: DEPLOY steps wave by wave (a wave's by name) from
// position 1, then ROLLBACK steps in the exact reverse order, keeping
// their waves.
func requireLayout(t *testing.T, steps []planStep, order [][]string) {
	t.Helper()
	var want []string
	for w, wave := range order {
		for _, name := range wave {
			want = append(want, fmt.Sprintf("DEPLOY %s %d", name, w+1))
		}
	}
	for i := len(want) - 1; i >= 0; i-- {
		want = append(want, "ROLLBACK"+strings.TrimPrefix(want[i], "DEPLOY"))
	}
	got := make([]string, len(steps))
	for i, s := range steps {
		got[i] = fmt.Sprintf("%s %s %d", s.Kind, s.Application.Name, s.Wave)
		if s.Position != i+1 {
			t.Errorf("step %d at position %d", i, s.Position)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("steps\n%q\nwant\n%q", got, want)
	}
}

const moveStep = `mutation($id:ID!, $s:DeploymentStepStatus, $v:Int) { updateDeploymentStep(id:$id, input:{status:$s}, expectedVersion:$v) { ` + stepFields + ` } }`

func (f *planFixture) move(t *testing.T, step planStep, to string) planStep {
	t.Helper()
	var out struct{ UpdateDeploymentStep planStep }
	f.s.ok(t, moveStep, vars("id", step.ID, "s", to), &out)
	return out.UpdateDeploymentStep
}

func TestDeploymentPlanLifecycle(t *testing.T) {
	f := newPlanFixture(t)
	s := f.s
	order := f.order(t)
	if len(order) < 3 {
		t.Fatalf("the fixture should deploy in three waves or more, got %v", order)
	}

	// Generated: one DEPLOY step per changed application in wave order,
	// rollbacks reversed, each owned by its application's owner.
	gen := f.generate(t, false)
	if !gen.GenerateDeploymentPlan.Created || gen.GenerateDeploymentPlan.Replaced || len(gen.GenerateDeploymentPlan.Differences) != 0 {
		t.Fatalf("first generation: %+v", gen.GenerateDeploymentPlan)
	}
	plan := gen.GenerateDeploymentPlan.Plan.ID
	steps := f.steps(t, plan)
	requireLayout(t, steps, order)
	for _, st := range steps {
		if st.Owner != f.owners[st.Application.Name] || st.Status != "PENDING" || st.StartedAt != nil {
			t.Errorf("new step %+v: want owner %q, PENDING", st, f.owners[st.Application.Name])
		}
	}
	// waves groups the DEPLOY steps as deploymentOrder does.
	var w struct {
		Node struct{ Waves [][]planStep }
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on DeploymentPlan { waves { `+stepFields+` } } } }`, vars("id", plan), &w)
	var fromWaves [][]string
	for _, wave := range w.Node.Waves {
		var ns []string
		for _, st := range wave {
			ns = append(ns, st.Application.Name)
		}
		fromWaves = append(fromWaves, ns)
	}
	if fmt.Sprint(fromWaves) != fmt.Sprint(order) {
		t.Fatalf("waves %v, want deploymentOrder %v", fromWaves, order)
	}

	// Generating again changes nothing.
	again := f.generate(t, true)
	if again.GenerateDeploymentPlan.Created || again.GenerateDeploymentPlan.Replaced ||
		len(again.GenerateDeploymentPlan.Differences) != 0 || again.GenerateDeploymentPlan.Plan.ID != plan {
		t.Fatalf("second generation: %+v", again.GenerateDeploymentPlan)
	}

	// A wave-2 step cannot start while wave 1 is PENDING; the refusal names
	// the blocking steps.
	deploy := byApp(steps, "DEPLOY")
	second := deploy[order[1][0]]
	e := s.fails(t, "FAILED_PRECONDITION", moveStep, vars("id", second.ID, "s", "RUNNING"))
	var blocking []string
	for _, id := range e.Extensions["blockingStepIDs"].([]any) {
		blocking = append(blocking, fmt.Sprint(id))
	}
	var wave1 []string
	for _, name := range order[0] {
		wave1 = append(wave1, deploy[name].ID)
		if !strings.Contains(e.Message, fmt.Sprintf("%q (wave 1) is PENDING", name)) {
			t.Errorf("refusal %q does not name %s", e.Message, name)
		}
	}
	if !slices.Equal(blocking, wave1) {
		t.Errorf("blockingStepIDs %v, want wave 1's %v", blocking, wave1)
	}
	s.fails(t, "FAILED_PRECONDITION", moveStep, vars("id", second.ID, "s", "DONE"))

	// Wave 1 through, one step SKIPPED: SKIPPED counts as passed.
	f.move(t, deploy["cfg"], "SKIPPED")
	running := f.move(t, deploy["db"], "RUNNING")
	if running.StartedAt == nil || running.FinishedAt != nil {
		t.Fatalf("RUNNING step %+v", running)
	}
	done := f.move(t, running, "DONE")
	if done.FinishedAt == nil || done.Version != 3 {
		t.Fatalf("DONE step %+v, want finishedAt and version 3", done)
	}
	// A stale version is a CONFLICT.
	e = s.fails(t, "CONFLICT", moveStep, vars("id", done.ID, "s", "DONE", "v", 2))
	if e.Extensions["currentVersion"] != float64(3) {
		t.Errorf("currentVersion %v, want 3", e.Extensions["currentVersion"])
	}
	// Notes and owner change freely; a final status does not move.
	var edited struct{ UpdateDeploymentStep planStep }
	s.ok(t, `mutation($id:ID!) { updateDeploymentStep(id:$id, input:{owner:"Night shift", notes:"kubectl rollout status"}, expectedVersion:1) { `+stepFields+` } }`,
		vars("id", deploy["web"].ID), &edited)
	s.fails(t, "FAILED_PRECONDITION", moveStep, vars("id", done.ID, "s", "PENDING"))

	// The release's change now also touches auth, a provider of db: auth
	// takes wave 1 and everything after it moves a wave later. The plan
	// is left as it is and the differences are shown.
	s.ok(t, `mutation($id:ID!, $a:[ID!]) { updateChange(id:$id, input:{addApplicationIDs:$a}) { id } }`,
		vars("id", f.change, "a", []string{f.apps["auth"]}), nil)
	moved := f.order(t)
	wantDiff := expectedDifferences(order, moved)
	if len(wantDiff) < 2 {
		t.Fatalf("the change should move the waves: %v → %v", order, moved)
	}
	before := f.steps(t, plan)
	diff := f.generate(t, false)
	if diff.GenerateDeploymentPlan.Created || diff.GenerateDeploymentPlan.Replaced {
		t.Fatalf("generation without replace: %+v", diff.GenerateDeploymentPlan)
	}
	if got := fmt.Sprint(diff.GenerateDeploymentPlan.Differences); got != fmt.Sprint(wantDiff) {
		t.Fatalf("differences %s, want %s", got, wantDiff)
	}
	if after := f.steps(t, plan); !reflect.DeepEqual(after, before) {
		t.Fatalf("the plan changed without replace:\n%v\n%v", before, after)
	}
	var live struct {
		Node struct{ Differences []planDifference }
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on DeploymentPlan { differences { kind application { name } planWave currentWave } } } }`, vars("id", plan), &live)
	if fmt.Sprint(live.Node.Differences) != fmt.Sprint(wantDiff) {
		t.Fatalf("plan.differences %v, want %v", live.Node.Differences, wantDiff)
	}

	// A RUNNING step blocks the replacement.
	x := f.move(t, deploy["x"], "RUNNING")
	e = s.fails(t, "FAILED_PRECONDITION", generate, vars("r", f.release, "e", f.env, "replace", true))
	if !strings.Contains(e.Message, `deploy "x"`) {
		t.Errorf("refusal %q does not name the RUNNING step", e.Message)
	}
	x = f.move(t, x, "DONE")

	// Replaced: the new layout, and every application's steps keep their
	// status, owner, notes and times.
	rep := f.generate(t, true)
	if rep.GenerateDeploymentPlan.Created || !rep.GenerateDeploymentPlan.Replaced || rep.GenerateDeploymentPlan.Plan.ID != plan ||
		fmt.Sprint(rep.GenerateDeploymentPlan.Differences) != fmt.Sprint(wantDiff) {
		t.Fatalf("replacement: %+v", rep.GenerateDeploymentPlan)
	}
	replaced := f.steps(t, plan)
	requireLayout(t, replaced, moved)
	old := map[string]planStep{}
	for _, st := range before {
		old[st.Kind+st.Application.Name] = st
	}
	old["DEPLOYx"] = x
	for _, st := range replaced {
		prev, had := old[st.Kind+st.Application.Name]
		if !had {
			if st.Status != "PENDING" || st.Owner != f.owners[st.Application.Name] {
				t.Errorf("added step %+v", st)
			}
			continue
		}
		if st.Status != prev.Status || st.Owner != prev.Owner || st.Notes != prev.Notes ||
			!reflect.DeepEqual(st.StartedAt, prev.StartedAt) || !reflect.DeepEqual(st.FinishedAt, prev.FinishedAt) {
			t.Errorf("step %s %s: %+v, was %+v", st.Kind, st.Application.Name, st, prev)
		}
	}
	if web := byApp(replaced, "DEPLOY")["web"]; web.Owner != "Night shift" || web.Notes != "kubectl rollout status" {
		t.Errorf("web's edits were lost: %+v", web)
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on DeploymentPlan { differences { kind application { name } planWave currentWave } } } }`, vars("id", plan), &live)
	if len(live.Node.Differences) != 0 {
		t.Fatalf("differences after the replacement: %v", live.Node.Differences)
	}

	// Walking every DEPLOY step to DONE in order succeeds; rollbacks go
	// from the last wave back.
	for _, st := range replaced {
		if st.Kind == "DEPLOY" && st.Status == "PENDING" {
			f.move(t, st, "DONE")
		}
	}
	undo := byApp(replaced, "ROLLBACK")
	s.fails(t, "FAILED_PRECONDITION", moveStep, vars("id", undo[moved[0][0]].ID, "s", "RUNNING"))
	last := moved[len(moved)-1]
	for _, name := range last {
		f.move(t, undo[name], "DONE")
	}

	// Every write is in the audit trail.
	c := s.DB.Client
	ctx := t.Context()
	audit := func(typ string, action auditevent.Action) int {
		return c.AuditEvent.Query().Where(auditevent.EntityType(typ), auditevent.ActionEQ(action)).CountX(ctx)
	}
	if n := audit("DeploymentPlan", auditevent.ActionCREATE); n != 1 {
		t.Errorf("%d plan creations audited, want 1", n)
	}
	creates, deletes := audit("DeploymentStep", auditevent.ActionCREATE), audit("DeploymentStep", auditevent.ActionDELETE)
	if creates-deletes != len(replaced) || deletes == 0 {
		t.Errorf("%d step creations and %d deletions audited for %d steps", creates, deletes, len(replaced))
	}
	if n := audit("DeploymentStep", auditevent.ActionTRANSITION); n < 8 {
		t.Errorf("%d step transitions audited", n)
	}
	var carried int
	for _, ev := range c.AuditEvent.Query().Where(auditevent.EntityType("DeploymentStep"), auditevent.ActionEQ(auditevent.ActionCREATE)).AllX(ctx) {
		if ev.Reason != nil && strings.Contains(*ev.Reason, "keeping its status") {
			carried++
		}
	}
	if carried == 0 {
		t.Error("no carried-over step has its reason in the audit trail")
	}

	// Deleted with its steps, audited.
	var del struct{ DeleteDeploymentPlan string }
	s.ok(t, `mutation($id:ID!) { deleteDeploymentPlan(id:$id) }`, vars("id", plan), &del)
	if del.DeleteDeploymentPlan != plan {
		t.Fatalf("deleteDeploymentPlan = %q", del.DeleteDeploymentPlan)
	}
	if n := c.DeploymentStep.Query().CountX(ctx); n != 0 {
		t.Fatalf("%d steps left", n)
	}
	if audit("DeploymentPlan", auditevent.ActionDELETE) != 1 || audit("DeploymentStep", auditevent.ActionDELETE) != deletes+len(replaced) {
		t.Error("deletion not audited")
	}
	s.fails(t, "NOT_FOUND", `mutation($id:ID!) { deleteDeploymentPlan(id:$id) }`, vars("id", plan))
}

// expectedDifferences derives the differences from two deploymentOrders,
// by application name.
func expectedDifferences(was, now [][]string) []planDifference {
	waveOf := func(order [][]string) map[string]int {
		m := map[string]int{}
		for w, wave := range order {
			for _, n := range wave {
				m[n] = w + 1
			}
		}
		return m
	}
	a, b := waveOf(was), waveOf(now)
	var all []string
	for n := range a {
		all = append(all, n)
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			all = append(all, n)
		}
	}
	slices.Sort(all)
	var out []planDifference
	for _, n := range all {
		d := planDifference{}
		d.Application.Name = n
		pw, had := a[n]
		cw, has := b[n]
		switch {
		case !had:
			d.Kind, d.CurrentWave = "ADDED", &cw
		case !has:
			d.Kind, d.PlanWave = "REMOVED", &pw
		case pw != cw:
			d.Kind, d.PlanWave, d.CurrentWave = "MOVED", &pw, &cw
		default:
			continue
		}
		out = append(out, d)
	}
	return out
}

func TestDeploymentPlanConstraints(t *testing.T) {
	f := newPlanFixture(t)
	s := f.s
	plan := f.generate(t, false).GenerateDeploymentPlan.Plan.ID
	var out struct {
		Node struct {
			FreezeWindows []struct{ Name string }
			Bookings      []struct{ ID string }
		}
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on DeploymentPlan { freezeWindows { name } bookings { id } } } }`, vars("id", plan), &out)
	var freezes []string
	for _, fw := range out.Node.FreezeWindows {
		freezes = append(freezes, fw.Name)
	}
	if !slices.Equal(freezes, []string{"Audit"}) {
		t.Errorf("freezeWindows %v, want [Audit]: overlapping the window and covering the impact", freezes)
	}
	var bookings []string
	for _, b := range out.Node.Bookings {
		bookings = append(bookings, b.ID)
	}
	if want := []string{f.otherDeployment, f.deployment}; !slices.Equal(bookings, want) {
		t.Errorf("bookings %v, want %v (prod, overlapping R1's window, by start)", bookings, want)
	}

	// A release without a window has no bookings.
	s.ok(t, `mutation($id:ID!) { updateRelease(id:$id, input:{clearStartsAt:true, clearEndsAt:true}) { id } }`, vars("id", f.release), nil)
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on DeploymentPlan { freezeWindows { name } bookings { id } } } }`, vars("id", plan), &out)
	if len(out.Node.Bookings) != 0 || len(out.Node.FreezeWindows) != 0 {
		t.Errorf("without a window: %+v", out.Node)
	}
}

func TestDeploymentPlanRefusals(t *testing.T) {
	f := newPlanFixture(t)
	s := f.s
	empty := s.createRelease(t, "Empty")
	cancelled := s.createRelease(t, "Cancelled")
	s.createChange(t, "c", cancelled, f.apps["db"])
	s.ok(t, `mutation($id:ID!) { transitionRelease(id:$id, to:CANCELLED) { id } }`, vars("id", cancelled), nil)
	cases := []struct {
		name, code string
		release    string
		env        string
		want       string
	}{
		{"unknown release", "NOT_FOUND", "999999", f.env, "release"},
		{"an application's id as the release", "NOT_FOUND", f.apps["db"], f.env, "release"},
		{"an application's id as the environment", "NOT_FOUND", f.release, f.apps["db"], "environment"},
		{"nothing to deploy", "FAILED_PRECONDITION", empty, f.env, "no changes"},
		{"cancelled", "FAILED_PRECONDITION", cancelled, f.env, "CANCELLED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := s.fails(t, tc.code, generate, vars("r", tc.release, "e", tc.env))
			if !strings.Contains(e.Message, tc.want) {
				t.Errorf("message %q does not mention %q", e.Message, tc.want)
			}
		})
	}
	if n := s.DB.Client.DeploymentPlan.Query().CountX(t.Context()); n != 0 {
		t.Fatalf("%d plans after refusals", n)
	}
	s.fails(t, "NOT_FOUND", moveStep, vars("id", f.apps["db"], "s", "DONE"))
	s.fails(t, "NOT_FOUND", `mutation($id:ID!) { deleteDeploymentPlan(id:$id) }`, vars("id", f.release))

	// A generation that fails half way writes nothing: the second field
	// of the request is refused, so the first one's plan is rolled back.
	res := s.query(t, `mutation($r:ID!, $e:ID!, $bad:ID!) {
  a: generateDeploymentPlan(releaseID:$r, environmentID:$e) { created }
  b: generateDeploymentPlan(releaseID:$bad, environmentID:$e) { created }
}`, vars("r", f.release, "e", f.env, "bad", empty))
	if len(res.Errors) == 0 {
		t.Fatal("the request did not fail")
	}
	if n := s.DB.Client.DeploymentPlan.Query().CountX(t.Context()); n != 0 {
		t.Fatalf("%d plans after a failed request", n)
	}
}
