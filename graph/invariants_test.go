package graph_test

// The side doors of the release lifecycle, tried through GraphQL as a
// hostile script would: each must be refused and write nothing. The same
// doors are tried through the Ent client in ent/schema/invariants_test.go;
// the README's invariant table lists the rules they prove.

import (
	"strings"
	"testing"
)

// doorFixture is a release R over window [Feb 1, Feb 10) changing svc,
// which consumer depends on, with a freeze on consumer from Feb 20.
type doorFixture struct {
	*lifecycleFixture
	consumer, change string
}

func newDoorFixture(t *testing.T, s *testServer) *doorFixture {
	t.Helper()
	f := &doorFixture{lifecycleFixture: newLifecycleFixture(t, s)}
	f.consumer = s.createApp(t, "consumer")
	s.createDep(t, f.consumer, f.app)
	var ch struct {
		Changes struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.ok(t, `{ changes { edges { node { id } } } }`, nil, &ch)
	f.change = ch.Changes.Edges[0].Node.ID
	s.ok(t, `mutation($a:ID!) { createFreezeWindow(input:{name:"Audit", startsAt:"2027-02-20T00:00:00Z", endsAt:"2027-02-28T00:00:00Z", applicationIDs:[$a]}) { id } }`,
		vars("a", f.consumer), nil)
	return f
}

// refused runs a request that must be refused with code (naming every one
// of mentions) and must write nothing: no audit event, so no record changed.
func (f *doorFixture) refused(t *testing.T, code, query string, v map[string]any, mentions ...string) {
	t.Helper()
	count := func() int {
		var out struct{ AuditEvents struct{ TotalCount int } }
		f.s.ok(t, `{ auditEvents { totalCount } }`, nil, &out)
		return out.AuditEvents.TotalCount
	}
	before := count()
	e := f.s.fails(t, code, query, v)
	for _, m := range mentions {
		if !strings.Contains(e.Message, m) {
			t.Errorf("refusal %q does not mention %q", e.Message, m)
		}
	}
	if after := count(); after != before {
		t.Fatalf("a refused write left %d audit events", after-before)
	}
}

func (f *doorFixture) start(t *testing.T) {
	t.Helper()
	f.transition(t, "PLANNED")
	f.transition(t, "IN_PROGRESS")
}

func (f *doorFixture) deployAll(t *testing.T) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, stage := range allStages {
		ids[stage] = f.deploy(t, f.release, stage, "SUCCEEDED")
	}
	return ids
}

func TestFreezeDodgesAreClosed(t *testing.T) {
	t.Run("clear the window, start, restore it", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		f.transition(t, "PLANNED")
		s.ok(t, `mutation($id:ID!) { updateRelease(id:$id, input:{clearStartsAt:true, clearEndsAt:true}) { id } }`, vars("id", f.release), nil)
		f.refused(t, "FAILED_PRECONDITION", `mutation($id:ID!) { transitionRelease(id:$id, to:IN_PROGRESS) { id } }`, vars("id", f.release), "window")
	})
	t.Run("drop the only change, start, restore it", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		f.transition(t, "PLANNED")
		s.ok(t, `mutation($id:ID!) { updateChange(id:$id, input:{clearRelease:true}) { id } }`, vars("id", f.change), nil)
		f.refused(t, "FAILED_PRECONDITION", `mutation($id:ID!) { transitionRelease(id:$id, to:IN_PROGRESS) { id } }`, vars("id", f.release), "change")
	})
	t.Run("move a started release's window into a freeze", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		f.start(t)
		move := `mutation($id:ID!,$o:Boolean,$r:String) { updateRelease(id:$id, input:{endsAt:"2027-02-21T00:00:00Z"}, override:$o, reason:$r) { id } }`
		f.refused(t, "FAILED_PRECONDITION", move, vars("id", f.release), `"Audit"`, "override")
		f.refused(t, "FAILED_PRECONDITION", move, vars("id", f.release, "o", true, "r", " "), "reason")
		s.ok(t, move, vars("id", f.release, "o", true, "r", "CAB-7: extend into the audit"), nil)
		var audit struct {
			AuditEvents struct {
				Edges []struct{ Node struct{ Reason string } }
			}
		}
		s.ok(t, `query($id:ID!) { auditEvents(where:{entityID:$id, action:UPDATE}) { edges { node { reason } } } }`, vars("id", f.release), &audit)
		if n := len(audit.AuditEvents.Edges); n == 0 || audit.AuditEvents.Edges[n-1].Node.Reason != "CAB-7: extend into the audit" {
			t.Fatalf("override not audited: %+v", audit.AuditEvents.Edges)
		}
	})
	t.Run("a change carries a started release into a freeze", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		s.ok(t, `mutation($id:ID!) { updateFreezeWindow(id:$id, input:{startsAt:"2027-02-05T00:00:00Z"}) { id } }`, vars("id", freezeID(t, s)), nil)
		// The freeze covers consumer only; R changes svc, which consumer
		// depends on, so R is inside it: start R with an override first,
		// on a release that changes something else.
		other := s.createApp(t, "other")
		s.ok(t, `mutation($id:ID!) { updateChange(id:$id, input:{addApplicationIDs:[], removeApplicationIDs:[]}) { id } }`, vars("id", f.change), nil)
		s.ok(t, `mutation($id:ID!,$o:ID!,$a:ID!) { updateChange(id:$id, input:{addApplicationIDs:[$o], removeApplicationIDs:[$a]}) { id } }`,
			vars("id", f.change, "o", other, "a", f.app), nil)
		f.start(t)
		f.refused(t, "FAILED_PRECONDITION", `mutation($id:ID!,$a:ID!) { updateChange(id:$id, input:{addApplicationIDs:[$a]}) { id } }`,
			vars("id", f.change, "a", f.app), `"Audit"`)
		f.refused(t, "FAILED_PRECONDITION", `mutation($r:ID!,$a:ID!) { createChange(input:{title:"sneak", kind:FIX, risk:LOW, applicationIDs:[$a], releaseID:$r}) { id } }`,
			vars("r", f.release, "a", f.app), `"Audit"`)
		s.ok(t, `mutation($r:ID!,$a:ID!) { createChange(input:{title:"agreed", kind:FIX, risk:LOW, applicationIDs:[$a], releaseID:$r}, override:true, reason:"CAB-8") { id } }`,
			vars("r", f.release, "a", f.app), nil)
	})
	t.Run("deployment windows meet freezes", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		f.transition(t, "PLANNED")
		book := `mutation($r:ID!,$e:ID!,$o:Boolean,$why:String) { createDeployment(input:{releaseID:$r, environmentID:$e, startsAt:"2027-02-21T00:00:00Z", endsAt:"2027-02-21T02:00:00Z"}, override:$o, reason:$why) { id } }`
		f.refused(t, "FAILED_PRECONDITION", book, vars("r", f.release, "e", f.envs["DEVELOPMENT"]), `"Audit"`)
		dep := f.deploy(t, f.release, "DEVELOPMENT", "SCHEDULED")
		f.refused(t, "FAILED_PRECONDITION", `mutation($id:ID!) { updateDeployment(id:$id, input:{startsAt:"2027-02-25T00:00:00Z", endsAt:"2027-02-25T01:00:00Z"}) { id } }`,
			vars("id", dep), `"Audit"`)
		s.ok(t, book, vars("r", f.release, "e", f.envs["DEVELOPMENT"], "o", true, "why", "dev only, agreed with the auditor"), nil)
	})
	t.Run("a new dependency carries a started release into a freeze", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		s.ok(t, `mutation($id:ID!) { updateFreezeWindow(id:$id, input:{startsAt:"2027-02-05T00:00:00Z"}) { id } }`, vars("id", freezeID(t, s)), nil)
		// Only svc's consumer is frozen: cut that dependency, start R
		// cleanly, then try to add it back.
		var deps struct {
			Dependencies struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.ok(t, `query($c:ID!) { dependencies(where:{consumerID:$c}) { edges { node { id } } } }`, vars("c", f.consumer), &deps)
		s.ok(t, `mutation($id:ID!) { deleteDependency(id:$id) }`, vars("id", deps.Dependencies.Edges[0].Node.ID), nil)
		f.start(t)
		link := `mutation($c:ID!,$p:ID!,$o:Boolean,$r:String) { createDependency(input:{consumerID:$c, providerID:$p}, override:$o, reason:$r) { id } }`
		f.refused(t, "FAILED_PRECONDITION", link, vars("c", f.consumer, "p", f.app), `"R1"`, `"Audit"`)
		s.ok(t, link, vars("c", f.consumer, "p", f.app, "o", true, "r", "the consumer already called it"), nil)
	})
	t.Run("shorten a freeze, start, restore it", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		freeze := freezeID(t, s)
		s.ok(t, `mutation($id:ID!) { updateFreezeWindow(id:$id, input:{startsAt:"2027-02-05T00:00:00Z"}) { id } }`, vars("id", freeze), nil)
		f.transition(t, "PLANNED")
		f.refuseTransition(t, "IN_PROGRESS", "Audit")
		s.ok(t, `mutation($id:ID!) { updateFreezeWindow(id:$id, input:{startsAt:"2027-02-20T00:00:00Z"}) { id } }`, vars("id", freeze), nil)
		f.transition(t, "IN_PROGRESS")
		restore := `mutation($id:ID!,$o:Boolean,$r:String) { updateFreezeWindow(id:$id, input:{startsAt:"2027-02-05T00:00:00Z"}, override:$o, reason:$r) { id } }`
		f.refused(t, "FAILED_PRECONDITION", restore, vars("id", freeze), `"R1"`)
		f.refused(t, "FAILED_PRECONDITION", `mutation { createFreezeWindow(input:{name:"Everything", startsAt:"2027-02-01T00:00:00Z", endsAt:"2027-02-02T00:00:00Z"}) { id } }`, nil, `"R1"`)
		s.ok(t, restore, vars("id", freeze, "o", true, "r", "the audit was brought forward"), nil)
	})
	t.Run("override reasons must say something", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		s.ok(t, `mutation($id:ID!) { updateFreezeWindow(id:$id, input:{startsAt:"2027-02-05T00:00:00Z"}) { id } }`, vars("id", freezeID(t, s)), nil)
		f.transition(t, "PLANNED")
		start := `mutation($id:ID!,$r:String) { transitionRelease(id:$id, to:IN_PROGRESS, override:true, reason:$r) { id } }`
		for _, blank := range []string{"\u200b", " \u2060 ", "\ufeff"} {
			f.refused(t, "FAILED_PRECONDITION", start, vars("id", f.release, "r", blank), "reason")
		}
		for _, bad := range []string{"\u0000", "ok\u001b[2J", strings.Repeat("x", 1001), strings.Repeat("x", 1<<20)} {
			e := s.fails(t, "BAD_USER_INPUT", start, vars("id", f.release, "r", bad))
			if e.Extensions["field"] != "reason" {
				t.Errorf("reason %.20q refused without naming the field: %+v", bad, e)
			}
		}
		s.ok(t, start, vars("id", f.release, "r", " \u200bCAB-9 \n"), nil)
		var audit struct {
			AuditEvents struct {
				Edges []struct{ Node struct{ Reason string } }
			}
		}
		s.ok(t, `query($id:ID!) { auditEvents(where:{entityID:$id, action:TRANSITION}) { edges { node { reason } } } }`, vars("id", f.release), &audit)
		if e := audit.AuditEvents.Edges; e[len(e)-1].Node.Reason != "CAB-9" {
			t.Fatalf("reason stored as %q, want it trimmed to \"CAB-9\"", e[len(e)-1].Node.Reason)
		}
	})
}

func TestGateDodgesAreClosed(t *testing.T) {
	t.Run("skip stages once started", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		f.start(t)
		f.refused(t, "FAILED_PRECONDITION", `mutation($id:ID!) { updateRelease(id:$id, input:{stages:[PRODUCTION]}) { id } }`, vars("id", f.release), "stages")
		f.refused(t, "FAILED_PRECONDITION", `mutation($r:ID!,$e:ID!) { createDeployment(input:{releaseID:$r, environmentID:$e, status:SUCCEEDED}) { id } }`,
			vars("r", f.release, "e", f.envs["PRODUCTION"]), "DEVELOPMENT")
	})
	t.Run("delete or fail the evidence after promotion", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		f.start(t)
		dev := f.deploy(t, f.release, "DEVELOPMENT", "SUCCEEDED")
		sit := f.deploy(t, f.release, "SYSTEM_TEST", "SUCCEEDED")
		f.deploy(t, f.release, "INTEGRATION_TEST", "IN_PROGRESS")
		f.refused(t, "FAILED_PRECONDITION", `mutation($id:ID!) { deleteDeployment(id:$id) }`, vars("id", dev), "DEVELOPMENT")
		f.refused(t, "FAILED_PRECONDITION", `mutation($id:ID!) { updateDeployment(id:$id, input:{status:ROLLED_BACK}) { id } }`, vars("id", sit), "SYSTEM_TEST")
		f.refused(t, "FAILED_PRECONDITION", `mutation($id:ID!) { updateDeployment(id:$id, input:{status:FAILED}) { id } }`, vars("id", sit), "ROLLED_BACK")
		// A second success in the stage is evidence enough.
		f.deploy(t, f.release, "DEVELOPMENT", "SUCCEEDED")
		s.ok(t, `mutation($id:ID!) { updateDeployment(id:$id, input:{status:ROLLED_BACK}) { id } }`, vars("id", dev), nil)
	})
}

func TestFinalReleasesAreHistory(t *testing.T) {
	s := newTestServer(t)
	f := newDoorFixture(t, s)
	f.start(t)
	deps := f.deployAll(t)
	f.transition(t, "DEPLOYED")
	other := s.createRelease(t, "R2", "2027-03-01T00:00:00Z", "2027-03-02T00:00:00Z")
	doors := []struct {
		name, query string
		vars        map[string]any
	}{
		{"move its change away", `mutation($id:ID!,$r:ID!) { updateChange(id:$id, input:{releaseID:$r}) { id } }`, vars("id", f.change, "r", other)},
		{"unschedule its change", `mutation($id:ID!) { updateChange(id:$id, input:{clearRelease:true}) { id } }`, vars("id", f.change)},
		{"delete its change", `mutation($id:ID!) { deleteChange(id:$id) }`, vars("id", f.change)},
		{"re-point its change", `mutation($id:ID!,$a:ID!) { updateChange(id:$id, input:{addApplicationIDs:[$a]}) { id } }`, vars("id", f.change, "a", f.consumer)},
		{"retitle its change", `mutation($id:ID!) { updateChange(id:$id, input:{title:"rewritten"}) { id } }`, vars("id", f.change)},
		{"add a change to it", `mutation($r:ID!,$a:ID!) { createChange(input:{title:"late", kind:FIX, risk:LOW, applicationIDs:[$a], releaseID:$r}) { id } }`, vars("r", f.release, "a", f.app)},
		{"edit its window", `mutation($id:ID!) { updateRelease(id:$id, input:{endsAt:"2027-02-11T00:00:00Z"}) { id } }`, vars("id", f.release)},
		{"rename it", `mutation($id:ID!) { updateRelease(id:$id, input:{name:"renamed"}) { id } }`, vars("id", f.release)},
		{"edit its stages", `mutation($id:ID!) { updateRelease(id:$id, input:{stages:[PRODUCTION]}) { id } }`, vars("id", f.release)},
		{"roll back production", `mutation($id:ID!) { updateDeployment(id:$id, input:{status:ROLLED_BACK}) { id } }`, vars("id", deps["PRODUCTION"])},
		{"delete a deployment", `mutation($id:ID!) { deleteDeployment(id:$id) }`, vars("id", deps["PRODUCTION"])},
		{"deploy it again", `mutation($r:ID!,$e:ID!) { createDeployment(input:{releaseID:$r, environmentID:$e}) { id } }`, vars("r", f.release, "e", f.envs["DEVELOPMENT"])},
		{"delete it", `mutation($id:ID!) { deleteRelease(id:$id) }`, vars("id", f.release)},
	}
	for _, d := range doors {
		t.Run(d.name, func(t *testing.T) {
			f.refused(t, "FAILED_PRECONDITION", d.query, d.vars, "read-only history")
		})
	}

	t.Run("a cancelled release takes no deployments", func(t *testing.T) {
		s.ok(t, `mutation($id:ID!) { transitionRelease(id:$id, to:CANCELLED) { id } }`, vars("id", other), nil)
		f.refused(t, "FAILED_PRECONDITION", `mutation($r:ID!,$e:ID!) { createDeployment(input:{releaseID:$r, environmentID:$e, status:SUCCEEDED}) { id } }`,
			vars("r", other, "e", f.envs["DEVELOPMENT"]), "read-only history")
	})
}

func TestStartedReleasesStayWhole(t *testing.T) {
	s := newTestServer(t)
	f := newDoorFixture(t, s)
	f.start(t)
	doors := []struct {
		name, query, mentions string
		vars                  map[string]any
	}{
		{"clear its window", `mutation($id:ID!) { updateRelease(id:$id, input:{clearEndsAt:true}) { id } }`, "window", vars("id", f.release)},
		{"unschedule its last change", `mutation($id:ID!) { updateChange(id:$id, input:{clearRelease:true}) { id } }`, "change", vars("id", f.change)},
		{"remove its last change from the release", `mutation($id:ID!,$c:ID!) { updateRelease(id:$id, input:{removeChangeIDs:[$c]}) { id } }`, "change", vars("id", f.release, "c", f.change)},
		{"clear its changes", `mutation($id:ID!) { updateRelease(id:$id, input:{clearChanges:true}) { id } }`, "change", vars("id", f.release)},
		{"delete its last change", `mutation($id:ID!) { deleteChange(id:$id) }`, "change", vars("id", f.change)},
		{"delete it", `mutation($id:ID!) { deleteRelease(id:$id) }`, "cancel it instead", vars("id", f.release)},
	}
	for _, d := range doors {
		t.Run(d.name, func(t *testing.T) {
			f.refused(t, "FAILED_PRECONDITION", d.query, d.vars, d.mentions)
		})
	}
}

func TestDeploymentsHaveALifecycle(t *testing.T) {
	s := newTestServer(t)
	f := newDoorFixture(t, s)
	draftDeploy := `mutation($r:ID!,$e:ID!,$st:DeploymentStatus!) { createDeployment(input:{releaseID:$r, environmentID:$e, status:$st}) { id } }`
	f.refused(t, "FAILED_PRECONDITION", draftDeploy, vars("r", f.release, "e", f.envs["DEVELOPMENT"], "st", "SUCCEEDED"), "DRAFT")
	f.deploy(t, f.release, "DEVELOPMENT", "SCHEDULED") // a DRAFT release may book
	f.start(t)
	f.refused(t, "FAILED_PRECONDITION", draftDeploy, vars("r", f.release, "e", f.envs["PRODUCTION"], "st", "ROLLED_BACK"), "ROLLED_BACK")

	set := func(id, status string) string {
		return `mutation { updateDeployment(id:"` + id + `", input:{status:` + status + `}) { status } }`
	}
	dev := f.deploy(t, f.release, "DEVELOPMENT", "SUCCEEDED")
	s.ok(t, set(dev, "ROLLED_BACK"), nil, nil)
	f.refused(t, "FAILED_PRECONDITION", set(dev, "SUCCEEDED"), nil, "ROLLED_BACK")
	f.refused(t, "FAILED_PRECONDITION", set(dev, "SCHEDULED"), nil, "ROLLED_BACK")
	failed := f.deploy(t, f.release, "DEVELOPMENT", "FAILED")
	f.refused(t, "FAILED_PRECONDITION", set(failed, "IN_PROGRESS"), nil, "FAILED")
	running := f.deploy(t, f.release, "DEVELOPMENT", "IN_PROGRESS")
	f.refused(t, "FAILED_PRECONDITION", set(running, "SCHEDULED"), nil, "IN_PROGRESS")
	s.ok(t, set(running, "SUCCEEDED"), nil, nil)
}

func TestTimesOutsideTheRecordAreRefused(t *testing.T) {
	s := newTestServer(t)
	f := newDoorFixture(t, s)
	for _, bad := range []string{"9999-12-31T23:59:59-01:00", "-0001-01-01T00:00:00Z", "2027-02-01T00:00:00+24:00", "0001-01-01T00:30:00+01:00"} {
		f.refused(t, "BAD_USER_INPUT", `mutation($e:Time!) { createFreezeWindow(input:{name:"odd", startsAt:"2027-01-01T00:00:00Z", endsAt:$e}) { id } }`, vars("e", bad))
		f.refused(t, "BAD_USER_INPUT", `query($e:Time!) { freezeWindows(where:{endsAtLT:$e}) { totalCount } }`, vars("e", bad))
	}
	s.ok(t, `mutation { createFreezeWindow(input:{name:"last", startsAt:"9999-12-31T00:00:00Z", endsAt:"9999-12-31T23:59:59Z"}) { id } }`, nil, nil)
}

// freezeID is the id of the fixture's freeze window.
func freezeID(t *testing.T, s *testServer) string {
	t.Helper()
	var out struct {
		FreezeWindows struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.ok(t, `{ freezeWindows(where:{name:"Audit"}) { edges { node { id } } } }`, nil, &out)
	return out.FreezeWindows.Edges[0].Node.ID
}

func TestSubtlerDoorsAreClosed(t *testing.T) {
	t.Run("clear and set a change's release in one write", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		f.start(t)
		f.deployAll(t)
		f.transition(t, "DEPLOYED")
		loose := s.createChange(t, "loose", "", f.consumer)
		f.refused(t, "FAILED_PRECONDITION", `mutation($id:ID!,$r:ID!) { updateChange(id:$id, input:{clearRelease:true, releaseID:$r}) { id } }`,
			vars("id", loose, "r", f.release), "read-only history")
	})
	t.Run("shrink the stages, deploy, restore them", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		f.transition(t, "PLANNED")
		f.deploy(t, f.release, "DEVELOPMENT", "SCHEDULED")
		s.ok(t, `mutation($id:ID!) { updateRelease(id:$id, input:{stages:[PRODUCTION]}) { id } }`, vars("id", f.release), nil)
		f.deploy(t, f.release, "PRODUCTION", "SUCCEEDED") // a production-only release may
		f.refused(t, "FAILED_PRECONDITION", `mutation($id:ID!) { updateRelease(id:$id, input:{appendStages:[DEVELOPMENT]}) { id } }`,
			vars("id", f.release), "stages are fixed")
	})
	t.Run("shrink the stages to drop the evidence", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		f.transition(t, "PLANNED")
		f.deploy(t, f.release, "DEVELOPMENT", "SUCCEEDED")
		f.deploy(t, f.release, "SYSTEM_TEST", "SUCCEEDED")
		f.refused(t, "FAILED_PRECONDITION", `mutation($id:ID!) { updateRelease(id:$id, input:{stages:[SYSTEM_TEST, PRODUCTION]}) { id } }`,
			vars("id", f.release), "stages are fixed")
	})
	t.Run("go back to DRAFT while deploying", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		f.transition(t, "PLANNED")
		f.deploy(t, f.release, "DEVELOPMENT", "IN_PROGRESS")
		f.refuseTransition(t, "DRAFT", "DRAFT")
	})
	t.Run("set a deployment window one end at a time", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		f.transition(t, "PLANNED")
		var out struct{ CreateDeployment struct{ ID string } }
		s.ok(t, `mutation($r:ID!,$e:ID!) { createDeployment(input:{releaseID:$r, environmentID:$e, startsAt:"2027-02-21T09:00:00Z"}) { id } }`,
			vars("r", f.release, "e", f.envs["DEVELOPMENT"]), &out)
		f.refused(t, "FAILED_PRECONDITION", `mutation($id:ID!) { updateDeployment(id:$id, input:{endsAt:"2027-02-21T10:00:00Z"}) { id } }`,
			vars("id", out.CreateDeployment.ID), `"Audit"`)
	})
	t.Run("a freeze named like one already overridden", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		s.ok(t, `mutation($id:ID!) { updateFreezeWindow(id:$id, input:{startsAt:"2027-02-05T00:00:00Z"}) { id } }`, vars("id", freezeID(t, s)), nil)
		f.transition(t, "PLANNED")
		s.ok(t, `mutation($id:ID!) { transitionRelease(id:$id, to:IN_PROGRESS, override:true, reason:"CAB-1") { id } }`, vars("id", f.release), nil)
		s.ok(t, `mutation { createFreezeWindow(input:{name:"Audit", startsAt:"2027-03-01T00:00:00Z", endsAt:"2027-03-05T00:00:00Z"}) { id } }`, nil, nil)
		f.refused(t, "FAILED_PRECONDITION", `mutation($id:ID!) { updateRelease(id:$id, input:{endsAt:"2027-03-02T00:00:00Z"}) { id } }`,
			vars("id", f.release), `"Audit"`)
	})
	t.Run("a freeze falls on a booked deployment", func(t *testing.T) {
		s := newTestServer(t)
		f := newDoorFixture(t, s)
		f.transition(t, "PLANNED")
		var out struct{ CreateDeployment struct{ ID string } }
		s.ok(t, `mutation($r:ID!,$e:ID!) { createDeployment(input:{releaseID:$r, environmentID:$e, startsAt:"2027-02-03T09:00:00Z", endsAt:"2027-02-03T10:00:00Z"}) { id } }`,
			vars("r", f.release, "e", f.envs["DEVELOPMENT"]), &out)
		s.ok(t, `mutation($a:ID!) { createFreezeWindow(input:{name:"Sudden", startsAt:"2027-02-03T00:00:00Z", endsAt:"2027-02-04T00:00:00Z", applicationIDs:[$a]}) { id } }`,
			vars("a", f.app), nil)
		start := `mutation($id:ID!,$o:Boolean,$r:String) { updateDeployment(id:$id, input:{status:IN_PROGRESS}, override:$o, reason:$r) { id } }`
		f.refused(t, "FAILED_PRECONDITION", start, vars("id", out.CreateDeployment.ID), `"Sudden"`)
		s.ok(t, start, vars("id", out.CreateDeployment.ID, "o", true, "r", "hotfix for the outage"), nil)
	})
}
