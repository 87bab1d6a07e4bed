package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

var allStages = []string{"DEVELOPMENT", "SYSTEM_TEST", "INTEGRATION_TEST", "PERFORMANCE_TEST", "USER_ACCEPTANCE", "PRODUCTION"}

// lifecycleFixture has one environment per stage and a release with a window
// and a change.
type lifecycleFixture struct {
	s       *testServer
	envs    map[string]string // stage -> environment id
	app     string
	release string
}

func newLifecycleFixture(t *testing.T, s *testServer) *lifecycleFixture {
	t.Helper()
	f := &lifecycleFixture{s: s, envs: map[string]string{}}
	for _, stage := range allStages {
		var out struct{ CreateEnvironment struct{ ID string } }
		s.ok(t, `mutation($n:String!,$s:EnvironmentStage!) { createEnvironment(input:{name:$n, stage:$s}) { id } }`,
			vars("n", strings.ToLower(stage), "s", stage), &out)
		f.envs[stage] = out.CreateEnvironment.ID
	}
	f.app = s.createApp(t, "billing")
	f.release = s.createRelease(t, "R1", "2027-02-01T00:00:00Z", "2027-02-10T00:00:00Z")
	s.createChange(t, "change", f.release, f.app)
	return f
}

func (f *lifecycleFixture) deploy(t *testing.T, release, stage, status string) string {
	t.Helper()
	var out struct{ CreateDeployment struct{ ID string } }
	f.s.ok(t, `mutation($r:ID!,$e:ID!,$st:DeploymentStatus!) { createDeployment(input:{releaseID:$r, environmentID:$e, status:$st}) { id } }`,
		vars("r", release, "e", f.envs[stage], "st", status), &out)
	return out.CreateDeployment.ID
}

func (f *lifecycleFixture) transition(t *testing.T, to string) {
	t.Helper()
	f.s.ok(t, `mutation($id:ID!,$to:ReleaseStatus!) { transitionRelease(id:$id, to:$to) { status } }`, vars("id", f.release, "to", to), nil)
}

func (f *lifecycleFixture) refuseTransition(t *testing.T, to, mentions string) {
	t.Helper()
	e := f.s.fails(t, "FAILED_PRECONDITION", `mutation($id:ID!,$to:ReleaseStatus!) { transitionRelease(id:$id, to:$to) { status } }`,
		vars("id", f.release, "to", to))
	if !strings.Contains(e.Message, mentions) {
		t.Fatalf("refusal %q does not mention %q", e.Message, mentions)
	}
}

func TestEnvironmentsAndDeploymentsCRUD(t *testing.T) {
	s := newTestServer(t)
	f := newLifecycleFixture(t, s)
	var envs struct {
		Environments struct {
			TotalCount int
			Edges      []struct{ Node struct{ Name, Stage string } }
		}
	}
	s.ok(t, `{ environments(orderBy:{field:NAME, direction:DESC}, where:{stageIn:[SYSTEM_TEST, PRODUCTION]}) { totalCount edges { node { name stage } } } }`, nil, &envs)
	if envs.Environments.TotalCount != 2 || envs.Environments.Edges[0].Node.Stage != "SYSTEM_TEST" {
		t.Fatalf("environments %+v", envs.Environments)
	}
	e := s.fails(t, "CONFLICT", `mutation { createEnvironment(input:{name:" production ", stage:PRODUCTION}) { id } }`, nil)
	if e.Extensions["field"] != "name" {
		t.Fatalf("duplicate environment: %+v", e)
	}
	s.fails(t, "GRAPHQL_VALIDATION_FAILED", `mutation { createEnvironment(input:{name:"x", stage:STAGING}) { id } }`, nil)

	f.transition(t, "PLANNED") // a DRAFT release can only book
	dep := f.deploy(t, f.release, "DEVELOPMENT", "SCHEDULED")
	var got struct {
		UpdateDeployment struct {
			Status, StartsAt, EndsAt string
			Release                  struct{ Name string }
			Environment              struct{ Stage string }
		}
	}
	s.ok(t, `mutation($id:ID!) { updateDeployment(id:$id, input:{status:SUCCEEDED, startsAt:"2027-02-01T10:00:00Z", endsAt:"2027-02-01T11:00:00Z"}) {
		status startsAt endsAt release { name } environment { stage } } }`, vars("id", dep), &got)
	if got.UpdateDeployment.Status != "SUCCEEDED" || got.UpdateDeployment.Release.Name != "R1" || got.UpdateDeployment.Environment.Stage != "DEVELOPMENT" {
		t.Fatalf("deployment %+v", got.UpdateDeployment)
	}
	s.fails(t, "BAD_USER_INPUT", `mutation($id:ID!) { updateDeployment(id:$id, input:{endsAt:"2027-02-01T09:00:00Z"}) { id } }`, vars("id", dep))
	var node struct {
		Node struct {
			Typename string `json:"__typename"`
		}
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { __typename } }`, vars("id", dep), &node)
	if node.Node.Typename != "Deployment" {
		t.Fatalf("node(deployment) = %s", node.Node.Typename)
	}
	// Environments and releases with deployments cannot be deleted.
	s.fails(t, "CONFLICT", `mutation($id:ID!) { deleteEnvironment(id:$id) }`, vars("id", f.envs["DEVELOPMENT"]))
	s.fails(t, "CONFLICT", `mutation($id:ID!) { deleteRelease(id:$id) }`, vars("id", f.release))
	s.ok(t, `mutation($id:ID!) { deleteDeployment(id:$id) }`, vars("id", dep), nil)
	s.ok(t, `mutation($id:ID!) { deleteEnvironment(id:$id) }`, vars("id", f.envs["DEVELOPMENT"]), nil)
}

func TestPromotionGates(t *testing.T) {
	s := newTestServer(t)
	f := newLifecycleFixture(t, s)
	f.transition(t, "PLANNED")
	// Scheduling is always allowed; starting or succeeding needs every earlier stage.
	sit := f.deploy(t, f.release, "SYSTEM_TEST", "SCHEDULED")
	e := s.fails(t, "FAILED_PRECONDITION", `mutation($id:ID!) { updateDeployment(id:$id, input:{status:IN_PROGRESS}) { id } }`, vars("id", sit))
	if !strings.Contains(e.Message, "DEVELOPMENT") {
		t.Fatalf("refusal does not name the missing stage: %q", e.Message)
	}
	dev := f.deploy(t, f.release, "DEVELOPMENT", "IN_PROGRESS") // the first stage needs nothing
	s.fails(t, "FAILED_PRECONDITION", `mutation($id:ID!) { updateDeployment(id:$id, input:{status:SUCCEEDED}) { id } }`, vars("id", sit))
	s.ok(t, `mutation($id:ID!) { updateDeployment(id:$id, input:{status:SUCCEEDED}) { id } }`, vars("id", dev), nil)
	s.ok(t, `mutation($id:ID!) { updateDeployment(id:$id, input:{status:SUCCEEDED}) { id } }`, vars("id", sit), nil)

	cases := []struct{ stage, status, missing string }{
		{"PRODUCTION", "SUCCEEDED", "INTEGRATION_TEST"},
		{"USER_ACCEPTANCE", "IN_PROGRESS", "INTEGRATION_TEST"},
		{"PERFORMANCE_TEST", "SUCCEEDED", "INTEGRATION_TEST"},
	}
	for _, tc := range cases {
		t.Run("shortcut to "+tc.stage, func(t *testing.T) {
			e := s.fails(t, "FAILED_PRECONDITION", `mutation($r:ID!,$e:ID!,$st:DeploymentStatus!) { createDeployment(input:{releaseID:$r, environmentID:$e, status:$st}) { id } }`,
				vars("r", f.release, "e", f.envs[tc.stage], "st", tc.status))
			if !strings.Contains(e.Message, tc.missing) || !strings.Contains(e.Message, tc.stage) {
				t.Fatalf("refusal %q should name %s and %s", e.Message, tc.stage, tc.missing)
			}
		})
	}
	// A failed deployment does not open the gate.
	f.deploy(t, f.release, "INTEGRATION_TEST", "FAILED")
	s.fails(t, "FAILED_PRECONDITION", `mutation($r:ID!,$e:ID!) { createDeployment(input:{releaseID:$r, environmentID:$e, status:IN_PROGRESS}) { id } }`,
		vars("r", f.release, "e", f.envs["PERFORMANCE_TEST"]))

	// A release that must pass only some stages is gated on those alone.
	var rel struct {
		CreateRelease struct {
			ID     string
			Stages []string
		}
	}
	s.ok(t, `mutation { createRelease(input:{name:"hotfix", stages:[PRODUCTION, DEVELOPMENT], startsAt:"2027-02-01T00:00:00Z", endsAt:"2027-02-02T00:00:00Z"}) { id stages } }`, nil, &rel)
	if !slices.Equal(rel.CreateRelease.Stages, []string{"DEVELOPMENT", "PRODUCTION"}) {
		t.Fatalf("stages not normalized: %v", rel.CreateRelease.Stages)
	}
	s.createChange(t, "hotfix change", rel.CreateRelease.ID, f.app)
	s.ok(t, `mutation($id:ID!) { transitionRelease(id:$id, to:PLANNED) { status } }`, vars("id", rel.CreateRelease.ID), nil)
	s.fails(t, "FAILED_PRECONDITION", `mutation($r:ID!,$e:ID!) { createDeployment(input:{releaseID:$r, environmentID:$e, status:SUCCEEDED}) { id } }`,
		vars("r", rel.CreateRelease.ID, "e", f.envs["PRODUCTION"]))
	f.deploy(t, rel.CreateRelease.ID, "DEVELOPMENT", "SUCCEEDED")
	f.deploy(t, rel.CreateRelease.ID, "PRODUCTION", "SUCCEEDED")
	for _, bad := range []string{`[]`, `[DEVELOPMENT, DEVELOPMENT]`} {
		s.fails(t, "BAD_USER_INPUT", `mutation { createRelease(input:{name:"bad", stages:`+bad+`}) { id } }`, nil)
	}
}

func TestReleaseStateMachine(t *testing.T) {
	s := newTestServer(t)
	f := newLifecycleFixture(t, s)
	// A release without a window or changes cannot be planned.
	bare := s.createRelease(t, "bare")
	e := s.fails(t, "FAILED_PRECONDITION", `mutation($id:ID!) { transitionRelease(id:$id, to:PLANNED) { id } }`, vars("id", bare))
	if !strings.Contains(e.Message, "window") {
		t.Fatalf("%q", e.Message)
	}
	s.ok(t, `mutation($id:ID!) { updateRelease(id:$id, input:{startsAt:"2027-03-01T00:00:00Z", endsAt:"2027-03-02T00:00:00Z"}) { id } }`, vars("id", bare), nil)
	e = s.fails(t, "FAILED_PRECONDITION", `mutation($id:ID!) { transitionRelease(id:$id, to:PLANNED) { id } }`, vars("id", bare))
	if !strings.Contains(e.Message, "change") {
		t.Fatalf("%q", e.Message)
	}
	s.fails(t, "GRAPHQL_VALIDATION_FAILED", `mutation($id:ID!) { updateRelease(id:$id, input:{status:DEPLOYED}) { id } }`, vars("id", f.release))

	f.refuseTransition(t, "IN_PROGRESS", "DRAFT")
	f.refuseTransition(t, "DEPLOYED", "DRAFT")
	f.refuseTransition(t, "DRAFT", "already")
	f.transition(t, "PLANNED")
	f.transition(t, "DRAFT")
	f.transition(t, "PLANNED")
	f.transition(t, "IN_PROGRESS")
	f.refuseTransition(t, "PLANNED", "IN_PROGRESS")
	f.refuseTransition(t, "DEPLOYED", "PRODUCTION")
	for _, stage := range allStages {
		f.deploy(t, f.release, stage, "SUCCEEDED")
	}
	f.transition(t, "DEPLOYED")
	for _, to := range []string{"CANCELLED", "IN_PROGRESS", "DRAFT"} {
		f.refuseTransition(t, to, "final")
	}
	// Cancelling is allowed from every non-final status, and final too.
	s.ok(t, `mutation($id:ID!) { transitionRelease(id:$id, to:CANCELLED, reason:"descoped") { status } }`, vars("id", bare), nil)
	s.fails(t, "FAILED_PRECONDITION", `mutation($id:ID!) { transitionRelease(id:$id, to:DRAFT) { id } }`, vars("id", bare))
	s.fails(t, "NOT_FOUND", `mutation { transitionRelease(id:"4242", to:PLANNED) { id } }`, nil)

	var hist struct {
		Node struct {
			Status  string
			History []struct {
				Action  string
				Changes map[string]map[string]any
			}
		}
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { status history { action changes } } } }`, vars("id", f.release), &hist)
	var walk []string
	for _, h := range hist.Node.History {
		if h.Action == "TRANSITION" {
			walk = append(walk, fmt.Sprint(h.Changes["status"]["new"]))
		}
	}
	if want := []string{"PLANNED", "DRAFT", "PLANNED", "IN_PROGRESS", "DEPLOYED"}; !slices.Equal(walk, want) || hist.Node.Status != "DEPLOYED" {
		t.Fatalf("audited transitions %v, want %v", walk, want)
	}
}

func TestFreezeWindows(t *testing.T) {
	s := newTestServer(t)
	f := newLifecycleFixture(t, s)
	consumer := s.createApp(t, "consumer")
	s.createDep(t, consumer, f.app) // consumer is in R1's impact
	other := s.createApp(t, "unrelated")
	freeze := func(name, starts, ends string, apps ...string) string {
		var out struct{ CreateFreezeWindow struct{ ID string } }
		s.ok(t, `mutation($in:CreateFreezeWindowInput!) { createFreezeWindow(input:$in) { id } }`,
			vars("in", map[string]any{"name": name, "reason": "because", "startsAt": starts, "endsAt": ends, "applicationIDs": apps}), &out)
		return out.CreateFreezeWindow.ID
	}
	freeze("before", "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z")                // ends as R1 starts: no overlap
	freeze("unrelated apps", "2027-02-02T00:00:00Z", "2027-02-03T00:00:00Z", other) // overlaps, outside the impact
	freeze("consumer freeze", "2027-02-05T00:00:00Z", "2027-02-06T00:00:00Z", consumer)
	freeze("global", "2027-02-09T00:00:00Z", "2027-02-20T00:00:00Z")
	s.fails(t, "BAD_USER_INPUT", `mutation { createFreezeWindow(input:{name:"x", startsAt:"2027-02-02T00:00:00Z", endsAt:"2027-02-01T00:00:00Z"}) { id } }`, nil)

	var v struct {
		Node struct{ FreezeViolations []struct{ Name string } }
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { freezeViolations { name } } } }`, vars("id", f.release), &v)
	if got := names(v.Node.FreezeViolations); !slices.Equal(got, []string{"consumer freeze", "global"}) {
		t.Fatalf("freezeViolations = %v", got)
	}

	f.transition(t, "PLANNED")
	f.refuseTransition(t, "IN_PROGRESS", "consumer freeze")
	for _, reason := range []string{"", "   "} {
		e := s.fails(t, "FAILED_PRECONDITION", `mutation($id:ID!,$r:String) { transitionRelease(id:$id, to:IN_PROGRESS, override:true, reason:$r) { id } }`,
			vars("id", f.release, "r", reason))
		if !strings.Contains(e.Message, "reason") {
			t.Fatalf("%q", e.Message)
		}
	}
	s.ok(t, `mutation($id:ID!) { transitionRelease(id:$id, to:IN_PROGRESS, override:true, reason:"CAB approved the emergency fix") { status } }`,
		vars("id", f.release), nil)
	var audit struct {
		AuditEvents struct {
			Edges []struct {
				Node struct{ Action, Reason string }
			}
		}
	}
	s.ok(t, `query($id:ID!) { auditEvents(where:{entityID:$id, action:TRANSITION}) { edges { node { action reason } } } }`, vars("id", f.release), &audit)
	edges := audit.AuditEvents.Edges
	if len(edges) != 2 || edges[1].Node.Reason != "CAB approved the emergency fix" {
		t.Fatalf("override not audited: %+v", edges)
	}
	// Unlinking an application would widen its freeze to the whole portfolio.
	e := s.fails(t, "CONFLICT", `mutation($id:ID!) { deleteApplication(id:$id) }`, vars("id", other))
	if !strings.Contains(e.Message, "1 freeze window") {
		t.Fatalf("%q", e.Message)
	}
}

func TestEnvironmentConflicts(t *testing.T) {
	s := newTestServer(t)
	f := newLifecycleFixture(t, s)
	f.transition(t, "PLANNED")
	r2 := s.createRelease(t, "R2", "2027-02-01T00:00:00Z", "2027-02-02T00:00:00Z")
	s.createChange(t, "R2 change", r2, f.app)
	s.ok(t, `mutation($id:ID!) { transitionRelease(id:$id, to:PLANNED) { status } }`, vars("id", r2), nil)
	book := func(release, stage, status, starts, ends string) string {
		var out struct{ CreateDeployment struct{ ID string } }
		s.ok(t, `mutation($in:CreateDeploymentInput!) { createDeployment(input:$in) { id } }`,
			vars("in", map[string]any{"releaseID": release, "environmentID": f.envs[stage], "status": status, "startsAt": starts, "endsAt": ends}), &out)
		return out.CreateDeployment.ID
	}
	a := book(f.release, "USER_ACCEPTANCE", "SCHEDULED", "2027-02-01T10:00:00Z", "2027-02-01T14:00:00Z")
	b := book(r2, "USER_ACCEPTANCE", "SCHEDULED", "2027-02-01T12:00:00Z", "2027-02-01T18:00:00Z")
	book(f.release, "USER_ACCEPTANCE", "SCHEDULED", "2027-02-01T13:00:00Z", "2027-02-01T15:00:00Z") // same release: no conflict with a
	book(r2, "USER_ACCEPTANCE", "SCHEDULED", "2027-02-01T18:00:00Z", "2027-02-01T20:00:00Z")        // touches b only
	book(r2, "PERFORMANCE_TEST", "SCHEDULED", "2027-02-01T10:00:00Z", "2027-02-01T14:00:00Z")       // another environment
	failed := book(r2, "USER_ACCEPTANCE", "FAILED", "2027-02-01T09:00:00Z", "2027-02-01T11:00:00Z") // failed: not a booking
	_ = failed

	type conflict struct {
		Environment struct{ Name string }
		Deployments []struct {
			ID      string
			Release struct{ Name string }
		}
		OverlapStart string
		OverlapEnd   string
	}
	var out struct{ EnvironmentConflicts []conflict }
	s.ok(t, `{ environmentConflicts { environment { name } deployments { id release { name } } overlapStart overlapEnd } }`, nil, &out)
	var got []string
	for _, c := range out.EnvironmentConflicts {
		got = append(got, fmt.Sprintf("%s %s+%s [%s,%s)", c.Environment.Name, c.Deployments[0].Release.Name, c.Deployments[1].Release.Name,
			c.OverlapStart[11:16], c.OverlapEnd[11:16]))
	}
	want := []string{"user_acceptance R1+R2 [12:00,14:00)", "user_acceptance R2+R1 [13:00,15:00)"}
	if !slices.Equal(got, want) {
		t.Fatalf("environmentConflicts = %v\nwant %v", got, want)
	}
	if out.EnvironmentConflicts[0].Deployments[0].ID != a || out.EnvironmentConflicts[0].Deployments[1].ID != b {
		t.Fatalf("deployments not lower id first: %+v", out.EnvironmentConflicts[0].Deployments)
	}
	var ranged struct{ EnvironmentConflicts []conflict }
	s.ok(t, `{ environmentConflicts(from:"2027-02-01T14:30:00Z", to:"2027-02-02T00:00:00Z") { overlapStart } }`, nil, &ranged)
	if len(ranged.EnvironmentConflicts) != 1 {
		t.Fatalf("range filter: %+v", ranged.EnvironmentConflicts)
	}
	s.fails(t, "BAD_USER_INPUT", `{ environmentConflicts(from:"2027-02-02T00:00:00Z", to:"2027-02-01T00:00:00Z") { overlapStart } }`, nil)
}

func TestAuditTrail(t *testing.T) {
	s := newTestServer(t)
	var created struct{ CreateApplication struct{ ID string } }
	res := s.queryAs(t, "alice@example.com", `mutation { createApplication(input:{name:"billing", owner:"Payments"}) { id } }`, nil)
	if len(res.Errors) > 0 || json.Unmarshal(res.Data, &created) != nil {
		t.Fatalf("create: %+v", res.Errors)
	}
	id := created.CreateApplication.ID
	s.queryAs(t, "bob", `mutation($id:ID!) { updateApplication(id:$id, input:{owner:"Finance"}) { id } }`, vars("id", id))
	s.queryAs(t, "bob", `mutation($id:ID!) { updateApplication(id:$id, input:{owner:"Finance"}) { id } }`, vars("id", id))
	// A refused write leaves no audit event.
	s.query(t, `mutation($id:ID!) { updateApplication(id:$id, input:{name:""}) { id } }`, vars("id", id))
	s.queryAs(t, "carol", `mutation($id:ID!) { deleteApplication(id:$id) }`, vars("id", id))

	type event struct {
		Actor, Action, EntityType, EntityID, At string
		Changes                                 map[string]map[string]any
	}
	var out struct {
		AuditEvents struct{ Edges []struct{ Node event } }
	}
	s.ok(t, `query($id:ID!) { auditEvents(where:{entityType:"Application", entityID:$id}, orderBy:{field:AT}) { edges { node { actor action entityType entityID at changes } } } }`,
		vars("id", id), &out)
	var got []string
	for _, e := range out.AuditEvents.Edges {
		got = append(got, e.Node.Actor+":"+e.Node.Action)
	}
	if want := []string{"alice@example.com:CREATE", "bob:UPDATE", "bob:UPDATE", "carol:DELETE"}; !slices.Equal(got, want) {
		t.Fatalf("audit trail %v, want %v", got, want)
	}
	ev := out.AuditEvents.Edges
	if ev[0].Node.Changes["name"]["new"] != "billing" || ev[0].Node.EntityID != id {
		t.Fatalf("create event %+v", ev[0].Node)
	}
	if c := ev[1].Node.Changes; c["owner"]["old"] != "Payments" || c["owner"]["new"] != "Finance" || c["version"]["new"] != float64(2) {
		t.Fatalf("update event changes %+v", c)
	}
	if _, changed := ev[2].Node.Changes["owner"]; changed {
		t.Fatalf("an unchanged field is recorded as changed: %+v", ev[2].Node.Changes)
	}
	if ev[3].Node.Changes["name"]["old"] != "billing" {
		t.Fatalf("delete event %+v", ev[3].Node.Changes)
	}
	var byActor struct{ AuditEvents struct{ TotalCount int } }
	s.ok(t, `{ auditEvents(where:{actor:"bob"}) { totalCount } }`, nil, &byActor)
	if byActor.AuditEvents.TotalCount != 2 {
		t.Fatalf("filter by actor: %d", byActor.AuditEvents.TotalCount)
	}
	// Nothing in the API edits or deletes audit events.
	var schema struct {
		Schema struct {
			MutationType struct{ Fields []struct{ Name string } }
		} `json:"__schema"`
	}
	s.ok(t, `{ __schema { mutationType { fields { name } } } }`, nil, &schema)
	for _, f := range schema.Schema.MutationType.Fields {
		if strings.Contains(strings.ToLower(f.Name), "audit") {
			t.Fatalf("mutation %s touches audit events", f.Name)
		}
	}
}

func TestExpectedVersion(t *testing.T) {
	s := newTestServer(t)
	f := newLifecycleFixture(t, s)
	type versioned struct{ Version int }
	var app struct{ UpdateApplication versioned }
	s.ok(t, `mutation($id:ID!) { updateApplication(id:$id, input:{owner:"a"}, expectedVersion:1) { version } }`, vars("id", f.app), &app)
	if app.UpdateApplication.Version != 2 {
		t.Fatalf("version after one update = %d", app.UpdateApplication.Version)
	}
	cases := []struct{ name, query, id string }{
		{"application", `mutation($id:ID!) { updateApplication(id:$id, input:{owner:"b"}, expectedVersion:1) { version } }`, f.app},
		{"release", `mutation($id:ID!) { updateRelease(id:$id, input:{description:"b"}, expectedVersion:7) { version } }`, f.release},
		{"transition", `mutation($id:ID!) { transitionRelease(id:$id, to:PLANNED, expectedVersion:7) { version } }`, f.release},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := s.fails(t, "CONFLICT", tc.query, vars("id", tc.id))
			if cv, ok := e.Extensions["currentVersion"].(float64); !ok || cv < 1 {
				t.Fatalf("no currentVersion in %+v", e.Extensions)
			}
		})
	}
	var ch struct {
		Changes struct {
			Edges []struct {
				Node struct {
					ID      string
					Version int
				}
			}
		}
	}
	s.ok(t, `{ changes { edges { node { id version } } } }`, nil, &ch)
	c := ch.Changes.Edges[0].Node
	s.ok(t, `mutation($id:ID!,$v:Int) { updateChange(id:$id, input:{risk:HIGH}, expectedVersion:$v) { version } }`, vars("id", c.ID, "v", c.Version), nil)
	e := s.fails(t, "CONFLICT", `mutation($id:ID!,$v:Int) { updateChange(id:$id, input:{risk:LOW}, expectedVersion:$v) { version } }`, vars("id", c.ID, "v", c.Version))
	if e.Extensions["currentVersion"] != float64(c.Version+1) {
		t.Fatalf("currentVersion %v", e.Extensions["currentVersion"])
	}
	s.fails(t, "NOT_FOUND", `mutation { updateRelease(id:"4242", input:{description:"x"}, expectedVersion:1) { id } }`, nil)
}

// TestConcurrentWritersNeverLoseUpdates runs writers that each read a
// release's version and update it with expectedVersion. Every acknowledged
// write must be applied and visible in the history in order; every other
// write must be refused with CONFLICT; none is silently overwritten.
func TestConcurrentWritersNeverLoseUpdates(t *testing.T) {
	s := newTestServer(t)
	rel := s.createRelease(t, "contended")
	const writers, attempts = 8, 12
	var (
		mu      sync.Mutex
		applied []string
		refused int
		wg      sync.WaitGroup
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range attempts {
				var cur struct{ Node struct{ Version int } }
				res := s.query(t, `query($id:ID!) { node(id:$id) { ... on Release { version } } }`, vars("id", rel))
				if len(res.Errors) > 0 || json.Unmarshal(res.Data, &cur) != nil {
					t.Errorf("read: %+v", res.Errors)
					return
				}
				desc := fmt.Sprintf("writer %d attempt %d", w, i)
				res = s.query(t, `mutation($id:ID!,$d:String!,$v:Int!) { updateRelease(id:$id, input:{description:$d}, expectedVersion:$v) { version description } }`,
					vars("id", rel, "d", desc, "v", cur.Node.Version))
				mu.Lock()
				switch {
				case len(res.Errors) == 0:
					applied = append(applied, desc)
				case res.Errors[0].Extensions["code"] == "CONFLICT":
					refused++
				default:
					t.Errorf("unexpected error: %+v", res.Errors)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(applied)+refused != writers*attempts || len(applied) == 0 {
		t.Fatalf("applied %d + refused %d != %d", len(applied), refused, writers*attempts)
	}
	var out struct {
		Node struct {
			Version     int
			Description string
			History     []struct {
				Action  string
				Changes map[string]map[string]any
			}
		}
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { version description history { action changes } } } }`, vars("id", rel), &out)
	if out.Node.Version != 1+len(applied) {
		t.Fatalf("version %d after %d acknowledged writes", out.Node.Version, len(applied))
	}
	var chain []string
	prev := ""
	for _, h := range out.Node.History {
		if h.Action != "UPDATE" {
			continue
		}
		d := h.Changes["description"]
		if d["old"] != prev {
			t.Fatalf("write %v overwrote %q without seeing it", d, prev)
		}
		prev = fmt.Sprint(d["new"])
		chain = append(chain, prev)
	}
	slices.Sort(chain)
	slices.Sort(applied)
	if !slices.Equal(chain, applied) || out.Node.Description != prev {
		t.Fatalf("history %v does not match the acknowledged writes %v", chain, applied)
	}
	t.Logf("%d writes applied, %d refused", len(applied), refused)
}

func TestCalendar(t *testing.T) {
	s := newTestServer(t)
	f := newLifecycleFixture(t, s)
	s.createRelease(t, "outside", "2027-05-01T00:00:00Z", "2027-05-02T00:00:00Z")
	s.ok(t, `mutation { createFreezeWindow(input:{name:"feb freeze", startsAt:"2027-02-05T00:00:00Z", endsAt:"2027-02-06T00:00:00Z"}) { id } }`, nil, nil)
	const query = `query($from:Time!,$to:Time!) { calendar(from:$from, to:$to) {
		releases { name changes { totalCount edges { node { title } } } deployments { totalCount } }
		deployments { status startsAt release { name } environment { name stage } }
		freezeWindows { name applications { totalCount } } } }`
	book := func(i int) {
		s.ok(t, `mutation($in:CreateDeploymentInput!) { createDeployment(input:$in) { id } }`,
			vars("in", map[string]any{"releaseID": f.release, "environmentID": f.envs["DEVELOPMENT"],
				"startsAt": fmt.Sprintf("2027-02-01T%02d:00:00Z", i), "endsAt": fmt.Sprintf("2027-02-01T%02d:30:00Z", i)}), nil)
	}
	count := func() (int64, int) {
		var out struct {
			Calendar struct {
				Releases      []struct{ Name string }
				Deployments   []struct{ Release struct{ Name string } }
				FreezeWindows []struct{ Name string }
			}
		}
		before := s.statements.Load()
		s.ok(t, query, vars("from", "2027-02-01T00:00:00Z", "to", "2027-03-01T00:00:00Z"), &out)
		n := s.statements.Load() - before
		if got := names(out.Calendar.Releases); !slices.Equal(got, []string{"R1"}) {
			t.Fatalf("calendar releases %v", got)
		}
		if got := names(out.Calendar.FreezeWindows); !slices.Equal(got, []string{"feb freeze"}) {
			t.Fatalf("calendar freezes %v", got)
		}
		return n, len(out.Calendar.Deployments)
	}
	for i := range 2 {
		book(i)
	}
	few, n2 := count()
	for i := 2; i < 12; i++ {
		book(i)
	}
	many, n12 := count()
	if n2 != 2 || n12 != 12 {
		t.Fatalf("calendar deployments %d, %d", n2, n12)
	}
	if few != many {
		t.Fatalf("calendar statements grow with the deployments: %d for 2, %d for 12", few, many)
	}
	s.fails(t, "BAD_USER_INPUT", `{ calendar(from:"2027-03-01T00:00:00Z", to:"2027-02-01T00:00:00Z") { releases { name } } }`, nil)
}

func TestAppendStagesIsNormalized(t *testing.T) {
	s := newTestServer(t)
	var rel struct{ CreateRelease struct{ ID string } }
	s.ok(t, `mutation { createRelease(input:{name:"r", stages:[PRODUCTION]}) { id } }`, nil, &rel)
	var out struct{ UpdateRelease struct{ Stages []string } }
	s.ok(t, `mutation($id:ID!) { updateRelease(id:$id, input:{appendStages:[DEVELOPMENT]}) { stages } }`, vars("id", rel.CreateRelease.ID), &out)
	if !slices.Equal(out.UpdateRelease.Stages, []string{"DEVELOPMENT", "PRODUCTION"}) {
		t.Fatalf("stages %v", out.UpdateRelease.Stages)
	}
	s.fails(t, "BAD_USER_INPUT", `mutation($id:ID!) { updateRelease(id:$id, input:{appendStages:[PRODUCTION]}) { stages } }`, vars("id", rel.CreateRelease.ID))
}
