package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/relgraph/relgraph/internal/auth"
	"github.com/relgraph/relgraph/internal/events"
	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/subclient"
	"github.com/relgraph/relgraph/internal/viewer"
)

const releaseEvents = `subscription($ids: [ID!]) { releaseEvents(releaseIDs: $ids) { kind actor release { id name status } } }`

// wsURL is the server's GraphQL endpoint as a WebSocket URL.
func (s *testServer) wsURL() string { return "ws" + strings.TrimPrefix(s.URL, "http") + "/graphql" }

// createRelease creates a release and returns its id.
func (s *testServer) createRelease(t *testing.T, name string) string {
	t.Helper()
	var out struct{ CreateRelease struct{ ID string } }
	s.ok(t, `mutation($n: String!) { createRelease(input: {name: $n}) { id } }`, map[string]any{"n": name}, &out)
	return out.CreateRelease.ID
}

type releaseEvent struct {
	ReleaseEvents struct {
		Kind    string
		Actor   string
		Release *struct{ ID, Name, Status string }
	}
}

func TestSubscriptionOverWebSocketAndSSE(t *testing.T) {
	s := newTestServer(t)
	id := s.createRelease(t, "r1")
	other := s.createRelease(t, "r2")
	doomed := s.createRelease(t, "r3")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	ws, err := subclient.Dial(ctx, s.wsURL(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Subscribe(ctx, "1", releaseEvents, map[string]any{"ids": []string{id, doomed}}); err != nil {
		t.Fatal(err)
	}
	sse, err := subclient.SSE(ctx, s.URL+"/graphql", nil, releaseEvents, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Close()
	waitSubscribed(t, s, 2)

	// Rolled back: the second write fails, so the first is never sent.
	res := s.query(t, `mutation($id: ID!) { a: transitionRelease(id: $id, to: CANCELLED) { id } b: transitionRelease(id: "999999", to: CANCELLED) { id } }`, map[string]any{"id": id})
	if len(res.Errors) == 0 {
		t.Fatal("the failing mutation succeeded")
	}
	// Another release: the WebSocket subscriber does not watch it.
	s.ok(t, `mutation($id: ID!) { updateRelease(id: $id, input: {description: "x"}) { id } }`, map[string]any{"id": other}, nil)
	res = s.queryAs(t, "alice", `mutation($id: ID!) { transitionRelease(id: $id, to: CANCELLED) { id } }`, map[string]any{"id": id})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}

	m, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Data releaseEvent }
	if err := json.Unmarshal(m.Payload, &got); err != nil || m.Type != "next" {
		t.Fatalf("%s %s: %v", m.Type, m.Payload, err)
	}
	if e := got.Data.ReleaseEvents; e.Kind != "TRANSITION" || e.Actor != "alice" || e.Release == nil || e.Release.ID != id || e.Release.Status != "CANCELLED" {
		t.Errorf("WebSocket event = %+v", e)
	}

	// SSE watches all releases: the update of the other, then the transition.
	for i, want := range []string{"UPDATE", "TRANSITION"} {
		raw, err := sse.Next()
		if err != nil {
			t.Fatal(err)
		}
		var ev struct{ Data releaseEvent }
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Data.ReleaseEvents.Kind != want {
			t.Errorf("SSE event %d = %s, want %s", i, raw, want)
		}
	}

	// Deleted: the event says so, with no release.
	s.ok(t, `mutation($id: ID!) { deleteRelease(id: $id) }`, map[string]any{"id": doomed}, nil)
	m, err = ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(m.Payload), `"kind":"DELETE"`) || !strings.Contains(string(m.Payload), `"release":null`) {
		t.Errorf("delete event = %s", m.Payload)
	}
}

// waitSubscribed waits until the server has n subscriptions open.
func waitSubscribed(t *testing.T, s *testServer, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if s.events.Open() == n {
			return
		}
	}
	t.Fatalf("%d subscriptions open, want %d", s.events.Open(), n)
}

func TestSubscriptionLimits(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) {
		c.Events = events.NewBroker(events.Options{MaxPerConnection: 2, MaxTotal: 3})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	refused := func(c *subclient.Conn, id string) {
		t.Helper()
		if err := c.Subscribe(ctx, id, `subscription { portfolioEvents { kind } }`, nil); err != nil {
			t.Fatal(err)
		}
		m, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if (m.Type != "error" && m.Type != "next") || !strings.Contains(string(m.Payload), "TOO_MANY_SUBSCRIPTIONS") {
			t.Errorf("subscription %s: %s %s, want an error TOO_MANY_SUBSCRIPTIONS", id, m.Type, m.Payload)
		}
	}
	a, err := subclient.Dial(ctx, s.wsURL(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, id := range []string{"1", "2"} {
		if err := a.Subscribe(ctx, id, `subscription { portfolioEvents { kind } }`, nil); err != nil {
			t.Fatal(err)
		}
	}
	waitSubscribed(t, s, 2)
	refused(a, "3") // per connection
	b, err := subclient.Dial(ctx, s.wsURL(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Subscribe(ctx, "1", `subscription { portfolioEvents { kind } }`, nil); err != nil {
		t.Fatal(err)
	}
	waitSubscribed(t, s, 3)
	refused(b, "2") // in total
	// Stopping one frees its place.
	if err := a.Stop(ctx, "1"); err != nil {
		t.Fatal(err)
	}
	waitSubscribed(t, s, 2)
}

func TestSubscriptionAuthentication(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) { c.AuthRequired = true })
	_, secret, err := auth.Create(context.Background(), s.DB.Client, "watcher", viewer.ViewerRole)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bearer := "Bearer " + secret

	if _, err := subclient.Dial(ctx, s.wsURL(), nil, nil); err == nil || !strings.Contains(err.Error(), "UNAUTHENTICATED") {
		t.Errorf("WebSocket without a token: %v, want refused as UNAUTHENTICATED", err)
	}
	if _, err := subclient.Dial(ctx, s.wsURL(), nil, map[string]any{"Authorization": "Bearer wrong"}); err == nil {
		t.Error("WebSocket with a wrong token was admitted")
	}
	if _, err := subclient.SSE(ctx, s.URL+"/graphql", nil, releaseEvents, nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("SSE without a token: %v, want 401", err)
	}
	// A VIEWER may subscribe: token in connection_init, or in the header.
	for name, dial := range map[string]func() (*subclient.Conn, error){
		"init payload": func() (*subclient.Conn, error) {
			return subclient.Dial(ctx, s.wsURL(), nil, map[string]any{"Authorization": bearer})
		},
		"header": func() (*subclient.Conn, error) {
			return subclient.Dial(ctx, s.wsURL(), http.Header{"Authorization": {bearer}}, nil)
		},
	} {
		c, err := dial()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := c.Subscribe(ctx, "1", `subscription { portfolioEvents { kind } }`, nil); err != nil {
			t.Fatal(err)
		}
		waitSubscribed(t, s, 1)
		_ = c.Close()
		waitSubscribed(t, s, 0)
	}
	sse, err := subclient.SSE(ctx, s.URL+"/graphql", http.Header{"Authorization": {bearer}}, releaseEvents, nil)
	if err != nil {
		t.Fatalf("SSE with a VIEWER token: %v", err)
	}
	_ = sse.Close()
}

func TestSubscriptionForeignOrigin(t *testing.T) {
	s := newTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := subclient.Dial(ctx, s.wsURL(), http.Header{"Origin": {"https://evil.example"}}, nil); err == nil {
		t.Error("a WebSocket from a foreign origin was admitted")
	}
	c, err := subclient.Dial(ctx, s.wsURL(), http.Header{"Origin": {s.URL}}, nil)
	if err != nil {
		t.Fatalf("same origin: %v", err)
	}
	_ = c.Close()
}

func TestSlowSubscriberIsDisconnected(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) {
		c.Events = events.NewBroker(events.Options{Buffer: 4})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sse, err := subclient.SSE(ctx, s.URL+"/graphql", nil, `subscription { portfolioEvents { kind entityType } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Close()
	waitSubscribed(t, s, 1)
	// The subscriber reads nothing: once the socket's buffers are full, it
	// falls behind and is dropped, and the writer never waits.
	batch := make([]events.Event, 1000)
	for i := range batch {
		batch[i] = events.Event{ID: i, Kind: "UPDATE", EntityType: "Application", EntityID: 1}
	}
	for s.events.Open() > 0 {
		if ctx.Err() != nil {
			t.Fatal("the slow subscriber was never dropped")
		}
		start := time.Now()
		s.events.Publish(batch)
		if took := time.Since(start); took > time.Second {
			t.Fatalf("publishing waited %v for a slow subscriber", took)
		}
	}
	for {
		raw, err := sse.Next()
		if err != nil {
			t.Fatalf("stream ended without saying why: %v", err)
		}
		if strings.Contains(string(raw), `"errors"`) {
			if !strings.Contains(string(raw), "UNAVAILABLE") || !strings.Contains(string(raw), "too slow") {
				t.Errorf("last event = %s", raw)
			}
			break
		}
	}
	if _, err := sse.Next(); err != subclient.ErrComplete {
		t.Errorf("after the error: %v, want the stream complete", err)
	}
}

// TestReleaseEventsFollowTheirRecords: a board watching a release hears of
// its changes too: one created in it, one leaving it (and the release it
// joins hears that), one edited or unscheduled while in it; a board
// watching another release hears none of it.
func TestReleaseEventsFollowTheirRecords(t *testing.T) {
	s := newTestServer(t)
	r1, r2, r3 := s.createRelease(t, "r1"), s.createRelease(t, "r2"), s.createRelease(t, "r3")
	var app struct{ CreateApplication struct{ ID string } }
	s.ok(t, `mutation { createApplication(input: {name: "a"}) { id } }`, nil, &app)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const query = `subscription($ids: [ID!]) { releaseEvents(releaseIDs: $ids) { kind entityType entity { id } release { id } } }`
	watch := func(ids ...string) *subclient.Stream {
		sse, err := subclient.SSE(ctx, s.URL+"/graphql", nil, query, map[string]any{"ids": ids})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sse.Close() })
		return sse
	}
	board1, board2, board3 := watch(r1), watch(r2), watch(r3)
	waitSubscribed(t, s, 3)

	var change struct{ CreateChange struct{ ID string } }
	s.ok(t, `mutation($r: ID!, $a: ID!) { createChange(input: {title: "c", kind: FEATURE, risk: LOW, releaseID: $r, applicationIDs: [$a]}) { id } }`,
		map[string]any{"r": r1, "a": app.CreateApplication.ID}, &change)
	c := change.CreateChange.ID
	s.ok(t, `mutation($c: ID!, $r: ID!) { updateChange(id: $c, input: {releaseID: $r}) { id } }`, map[string]any{"c": c, "r": r2}, nil)
	s.ok(t, `mutation($c: ID!) { updateChange(id: $c, input: {title: "c2"}) { id } }`, map[string]any{"c": c}, nil)
	s.ok(t, `mutation($c: ID!) { updateChange(id: $c, input: {clearRelease: true}) { id } }`, map[string]any{"c": c}, nil)
	// A write of each release last: what a board heard before it is all it
	// will hear of the above.
	for _, r := range []string{r1, r2, r3} {
		s.ok(t, `mutation($r: ID!) { updateRelease(id: $r, input: {description: "end"}) { id } }`, map[string]any{"r": r}, nil)
	}

	type heard struct{ kind, entityType, entity, release string }
	expect := func(name string, board *subclient.Stream, want ...heard) {
		t.Helper()
		for i, w := range want {
			raw, err := board.Next()
			if err != nil {
				t.Fatalf("%s, event %d: %v", name, i, err)
			}
			var ev struct {
				Data struct {
					ReleaseEvents struct {
						Kind, EntityType string
						Entity, Release  *struct{ ID string }
					}
				}
			}
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			e := ev.Data.ReleaseEvents
			got := heard{kind: e.Kind, entityType: e.EntityType}
			if e.Entity != nil {
				got.entity = e.Entity.ID
			}
			if e.Release != nil {
				got.release = e.Release.ID
			}
			if got != w {
				t.Fatalf("%s, event %d: %+v, want %+v", name, i, got, w)
			}
		}
	}
	expect("board of r1", board1,
		heard{"CREATE", "Change", c, r1},
		heard{"UPDATE", "Change", c, r1}, // left for r2
		heard{"UPDATE", "Release", r1, r1})
	expect("board of r2", board2,
		heard{"UPDATE", "Change", c, r2}, // joined
		heard{"UPDATE", "Change", c, r2}, // renamed while in r2
		heard{"UPDATE", "Change", c, r2}, // unscheduled
		heard{"UPDATE", "Release", r2, r2})
	expect("board of r3", board3, heard{"UPDATE", "Release", r3, r3})
}

// Deleting a release's deployment plan deletes its steps (audited DELETEs
// of DeploymentStep): a board watching the release hears them, as it hears
// the steps' creation, though the plan is gone when they are announced.
func TestStepDeletionsReachReleaseEvents(t *testing.T) {
	s := newTestServer(t)
	r1 := s.createRelease(t, "r1")
	var app struct{ CreateApplication struct{ ID string } }
	s.ok(t, `mutation { createApplication(input: {name: "a"}) { id } }`, nil, &app)
	s.ok(t, `mutation($r: ID!, $a: ID!) { createChange(input: {title: "c", kind: FEATURE, risk: LOW, releaseID: $r, applicationIDs: [$a]}) { id } }`,
		map[string]any{"r": r1, "a": app.CreateApplication.ID}, nil)
	var env struct{ CreateEnvironment struct{ ID string } }
	s.ok(t, `mutation { createEnvironment(input:{name:"prod", stage:PRODUCTION}) { id } }`, nil, &env)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sse, err := subclient.SSE(ctx, s.URL+"/graphql", nil,
		`subscription($ids: [ID!]) { releaseEvents(releaseIDs: $ids) { kind entityType } }`, map[string]any{"ids": []string{r1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Close()
	waitSubscribed(t, s, 1)

	var gen struct {
		GenerateDeploymentPlan struct{ Plan struct{ ID string } }
	}
	s.ok(t, `mutation($r: ID!, $e: ID!) { generateDeploymentPlan(releaseID: $r, environmentID: $e) { plan { id } } }`,
		map[string]any{"r": r1, "e": env.CreateEnvironment.ID}, &gen)
	s.ok(t, `mutation($p: ID!) { deleteDeploymentPlan(id: $p) }`, map[string]any{"p": gen.GenerateDeploymentPlan.Plan.ID}, nil)
	s.ok(t, `mutation($r: ID!) { updateRelease(id: $r, input: {description: "end"}) { id } }`, map[string]any{"r": r1}, nil)

	heard := heardUntilRelease(t, sse)
	stepDeletes := 0
	for _, h := range heard {
		if h == "DELETE DeploymentStep" {
			stepDeletes++
		}
	}
	if stepDeletes == 0 {
		t.Fatalf("no DeploymentStep DELETE reached the release's board: %v", heard)
	}
}

// One mutation edits a change while it is in r1, then moves it to r2: the
// edit is announced to r1's board, where it happened, and the move to both.
func TestEditThenMoveInOneMutation(t *testing.T) {
	s := newTestServer(t)
	r1, r2 := s.createRelease(t, "r1"), s.createRelease(t, "r2")
	var app struct{ CreateApplication struct{ ID string } }
	s.ok(t, `mutation { createApplication(input: {name: "a"}) { id } }`, nil, &app)
	var ch struct{ CreateChange struct{ ID string } }
	s.ok(t, `mutation($r: ID!, $a: ID!) { createChange(input: {title: "c", kind: FEATURE, risk: LOW, releaseID: $r, applicationIDs: [$a]}) { id } }`,
		map[string]any{"r": r1, "a": app.CreateApplication.ID}, &ch)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	watch := func(id string) *subclient.Stream {
		sse, err := subclient.SSE(ctx, s.URL+"/graphql", nil,
			`subscription($ids: [ID!]) { releaseEvents(releaseIDs: $ids) { kind entityType } }`, map[string]any{"ids": []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sse.Close() })
		return sse
	}
	b1, b2 := watch(r1), watch(r2)
	waitSubscribed(t, s, 2)
	s.ok(t, `mutation($c: ID!, $r: ID!) { a: updateChange(id: $c, input: {title: "edited in r1"}) { id } b: updateChange(id: $c, input: {releaseID: $r}) { id } }`,
		map[string]any{"c": ch.CreateChange.ID, "r": r2}, nil)
	for _, r := range []string{r1, r2} {
		s.ok(t, `mutation($r: ID!) { updateRelease(id: $r, input: {description: "end"}) { id } }`, map[string]any{"r": r}, nil)
	}
	h1, h2 := heardUntilRelease(t, b1), heardUntilRelease(t, b2)
	if len(h1) != 3 || len(h2) != 2 {
		t.Fatalf("r1 heard %v (want the edit, the move, the release); r2 heard %v (want the move, the release)", h1, h2)
	}
}

// Each event a subscription delivers is read as new as the event, as a
// request of its own: a package's status after a release joined it, and a
// release's impact after a dependency was added, not as they were at the
// subscription's first event.
func TestSubscriptionEventsReadTheirOwnMoment(t *testing.T) {
	s := newTestServer(t)
	var rel struct{ CreateRelease struct{ ID string } }
	s.ok(t, `mutation { createRelease(input: {name: "r1", startsAt: "2027-04-01T00:00:00Z", endsAt: "2027-04-02T00:00:00Z"}) { id } }`, nil, &rel)
	r1 := rel.CreateRelease.ID
	app := func(name string) string {
		var out struct{ CreateApplication struct{ ID string } }
		s.ok(t, `mutation($n: String!) { createApplication(input: {name: $n}) { id } }`, map[string]any{"n": name}, &out)
		return out.CreateApplication.ID
	}
	core, web := app("core"), app("web")
	s.ok(t, `mutation($r: ID!, $a: ID!) { createChange(input: {title: "c", kind: FEATURE, risk: LOW, releaseID: $r, applicationIDs: [$a]}) { id } }`,
		map[string]any{"r": r1, "a": core}, nil)
	s.ok(t, `mutation($r: ID!) { transitionRelease(id: $r, to: PLANNED) { status } }`, map[string]any{"r": r1}, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	packages, err := subclient.SSE(ctx, s.URL+"/graphql", nil,
		`subscription { portfolioEvents { entity { ... on ReleasePackage { status releases { totalCount } } } } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer packages.Close()
	board, err := subclient.SSE(ctx, s.URL+"/graphql", nil,
		`subscription($ids: [ID!]) { releaseEvents(releaseIDs: $ids) { release { impact { impacted { application { name } } } } } }`,
		map[string]any{"ids": []string{r1}})
	if err != nil {
		t.Fatal(err)
	}
	defer board.Close()
	waitSubscribed(t, s, 2)

	next := func(sse *subclient.Stream) string {
		t.Helper()
		raw, err := sse.Next()
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	// An event is read as the record stands when it is delivered: each
	// write waits for the event before it.
	expect := func(sse *subclient.Stream, want string) {
		t.Helper()
		for {
			got := next(sse)
			if !strings.Contains(got, `"status"`) && !strings.Contains(got, `"impacted"`) {
				continue // another record's event
			}
			if !strings.Contains(got, want) {
				t.Fatalf("event %s, want %s", got, want)
			}
			return
		}
	}
	var pkg struct{ CreateReleasePackage struct{ ID string } }
	s.ok(t, `mutation { createReleasePackage(input: {name: "P"}) { id } }`, nil, &pkg)
	expect(packages, `"status":"DRAFT","releases":{"totalCount":0}`)
	s.ok(t, `mutation($p: ID!, $r: ID!) { updateReleasePackage(id: $p, input: {addReleaseIDs: [$r]}) { status } }`,
		map[string]any{"p": pkg.CreateReleasePackage.ID, "r": r1}, nil)
	expect(packages, `"status":"PLANNED","releases":{"totalCount":1}`)

	s.ok(t, `mutation($r: ID!) { updateRelease(id: $r, input: {description: "before"}) { id } }`, map[string]any{"r": r1}, nil)
	expect(board, `[{"application":{"name":"core"}}]`)
	s.ok(t, `mutation($c: ID!, $p: ID!) { createDependency(input: {consumerID: $c, providerID: $p}) { id } }`,
		map[string]any{"c": web, "p": core}, nil)
	s.ok(t, `mutation($r: ID!) { updateRelease(id: $r, input: {description: "after"}) { id } }`, map[string]any{"r": r1}, nil)
	expect(board, `[{"application":{"name":"core"}},{"application":{"name":"web"}}]`)
}

// heardUntilRelease reads a releaseEvents stream's events, as "KIND
// EntityType", up to the first write of a release itself.
func heardUntilRelease(t *testing.T, sse *subclient.Stream) []string {
	t.Helper()
	var heard []string
	for {
		raw, err := sse.Next()
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Data struct {
				ReleaseEvents struct{ Kind, EntityType string }
			}
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("event %s: %v", raw, err)
		}
		e := ev.Data.ReleaseEvents
		heard = append(heard, e.Kind+" "+e.EntityType)
		if e.EntityType == "Release" {
			return heard
		}
	}
}
