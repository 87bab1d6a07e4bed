package graph_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestErrorCodes(t *testing.T) {
	s := newTestServer(t)
	a, b := s.createApp(t, "payments"), s.createApp(t, "checkout")
	s.createDep(t, b, a)
	rel := s.createRelease(t, "R1", "2026-12-01T10:00:00Z", "2026-12-02T10:00:00Z")
	ch := s.createChange(t, "Change", rel, a)

	cases := []struct {
		name, code, query string
		vars              map[string]any
		field, mentions   string
	}{
		{"duplicate application name", "CONFLICT",
			`mutation { createApplication(input:{name:" payments "}) { id } }`, nil, "name", "already exists"},
		{"duplicate release name", "CONFLICT",
			`mutation { createRelease(input:{name:"R1"}) { id } }`, nil, "name", "already exists"},
		{"rename onto an existing name", "CONFLICT",
			`mutation($id:ID!) { updateApplication(id:$id, input:{name:"payments"}) { id } }`, vars("id", b), "name", ""},
		{"duplicate dependency", "CONFLICT",
			`mutation($c:ID!,$p:ID!) { createDependency(input:{consumerID:$c, providerID:$p}) { id } }`, vars("c", b, "p", a), "providerID", "already depends"},
		{"self dependency", "BAD_USER_INPUT",
			`mutation($c:ID!) { createDependency(input:{consumerID:$c, providerID:$c}) { id } }`, vars("c", a), "providerID", "itself"},
		{"blank application name", "BAD_USER_INPUT",
			`mutation { createApplication(input:{name:"   "}) { id } }`, nil, "name", "empty"},
		{"blank change title", "BAD_USER_INPUT",
			`mutation($a:ID!) { createChange(input:{title:"", kind:FIX, risk:LOW, applicationIDs:[$a]}) { id } }`, vars("a", a), "title", ""},
		{"window ends before it starts", "BAD_USER_INPUT",
			`mutation { createRelease(input:{name:"R2", startsAt:"2026-12-02T00:00:00Z", endsAt:"2026-12-01T00:00:00Z"}) { id } }`, nil, "endsAt", "after"},
		{"empty window", "BAD_USER_INPUT",
			`mutation { createRelease(input:{name:"R2", startsAt:"2026-12-02T00:00:00Z", endsAt:"2026-12-02T00:00:00Z"}) { id } }`, nil, "endsAt", ""},
		{"update moves start past stored end", "BAD_USER_INPUT",
			`mutation($id:ID!) { updateRelease(id:$id, input:{startsAt:"2026-12-03T00:00:00Z"}) { id } }`, vars("id", rel), "endsAt", ""},
		{"change without applications", "BAD_USER_INPUT",
			`mutation { createChange(input:{title:"x", kind:FIX, risk:LOW, applicationIDs:[]}) { id } }`, nil, "applicationIDs", "at least one"},
		{"update removes the last application", "BAD_USER_INPUT",
			`mutation($id:ID!,$a:ID!) { updateChange(id:$id, input:{removeApplicationIDs:[$a]}) { id } }`, vars("id", ch, "a", a), "", "at least one"},
		{"update of a missing record", "NOT_FOUND",
			`mutation { updateApplication(id:"4242", input:{owner:"x"}) { id } }`, nil, "", ""},
		{"delete of a missing record", "NOT_FOUND",
			`mutation { deleteRelease(id:"4242") }`, nil, "", ""},
		{"dependency on a missing application", "NOT_FOUND",
			`mutation($c:ID!) { createDependency(input:{consumerID:$c, providerID:"4242"}) { id } }`, vars("c", a), "", ""},
		{"change on a missing application", "NOT_FOUND",
			`mutation { createChange(input:{title:"x", kind:FIX, risk:LOW, applicationIDs:["4242"]}) { id } }`, nil, "", ""},
		{"node with an id of no type", "NOT_FOUND",
			`{ node(id:"999999999999999") { id } }`, nil, "", ""},
		{"malformed id", "BAD_USER_INPUT",
			`{ node(id:"abc") { id } }`, nil, "", "not a valid id"},
		{"malformed time", "BAD_USER_INPUT",
			`mutation { createRelease(input:{name:"R3", startsAt:"tomorrow"}) { id } }`, nil, "", ""},
		{"page too large", "BAD_USER_INPUT",
			`{ applications(first:100000) { totalCount } }`, nil, "first", ""},
		{"negative page", "BAD_USER_INPUT",
			`{ applications(first:-1) { totalCount } }`, nil, "", ""},
		{"unknown enum value", "GRAPHQL_VALIDATION_FAILED",
			`mutation { createApplication(input:{name:"x", criticality:EXTREME}) { id } }`, nil, "", ""},
		{"unknown field", "GRAPHQL_VALIDATION_FAILED",
			`{ applications { nope } }`, nil, "", ""},
		{"syntax error", "GRAPHQL_PARSE_FAILED",
			`{ applications { `, nil, "", ""},
		{"steal a change scheduled in another release", "CONFLICT",
			`mutation($c:ID!) { createRelease(input:{name:"R9", changeIDs:[$c]}) { id } }`, vars("c", ch), "", "already scheduled in another release"},
		{"delete a referenced application", "CONFLICT",
			`mutation($id:ID!) { deleteApplication(id:$id) }`, vars("id", a), "", "referenced by 1 change and 1 dependency"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := s.fails(t, tc.code, tc.query, tc.vars)
			if tc.field != "" && e.Extensions["field"] != tc.field {
				t.Errorf("extensions.field = %v, want %s (%q)", e.Extensions["field"], tc.field, e.Message)
			}
			if tc.mentions != "" && !strings.Contains(e.Message, tc.mentions) {
				t.Errorf("message %q does not mention %q", e.Message, tc.mentions)
			}
		})
	}
	// None of the refused writes left anything behind.
	var out struct {
		Applications struct{ TotalCount int }
		Releases     struct{ TotalCount int }
		Changes      struct{ TotalCount int }
		Dependencies struct{ TotalCount int }
	}
	s.ok(t, `{ applications { totalCount } releases { totalCount } changes { totalCount } dependencies { totalCount } }`, nil, &out)
	if out.Applications.TotalCount != 2 || out.Releases.TotalCount != 1 || out.Changes.TotalCount != 1 || out.Dependencies.TotalCount != 1 {
		t.Fatalf("refused writes changed the data: %+v", out)
	}
}

func TestFailedMutationWritesNothing(t *testing.T) {
	s := newTestServer(t)
	s.createApp(t, "existing")
	cases := []struct{ name, query string }{
		{"duplicate in the second field", `mutation {
			a: createApplication(input:{name:"fresh"}) { id }
			b: createRelease(input:{name:"R"}) { id }
			c: createApplication(input:{name:"existing"}) { id } }`},
		{"invalid dependency after creates", `mutation {
			a: createApplication(input:{name:"fresh"}) { id }
			b: createDependency(input:{consumerID:"1", providerID:"1"}) { id } }`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := s.query(t, tc.query, nil)
			if len(res.Errors) == 0 {
				t.Fatal("expected the mutation to fail")
			}
			var out struct {
				Applications struct{ TotalCount int }
				Releases     struct{ TotalCount int }
			}
			s.ok(t, `{ applications { totalCount } releases { totalCount } }`, nil, &out)
			if out.Applications.TotalCount != 1 || out.Releases.TotalCount != 0 {
				t.Fatalf("failed request left writes behind: %+v", out)
			}
		})
	}
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	s := newTestServer(t)
	s.createApp(t, "a")
	if err := s.DB.SQL().Close(); err != nil {
		t.Fatal(err)
	}
	e := s.fails(t, "INTERNAL", `{ applications { edges { node { name } } } }`, nil)
	if e.Message != "internal error" {
		t.Fatalf("message %q", e.Message)
	}
	if !strings.Contains(s.logs.String(), "database is closed") {
		t.Fatalf("the cause was not logged server-side:\n%s", s.logs.String())
	}
	s.fails(t, "INTERNAL", `mutation { createApplication(input:{name:"b"}) { id } }`, nil)
}

// After one write of a request fails, the rest are not run: the request is
// rolled back whole, and PostgreSQL would refuse them anyway.
func TestWritesAfterAFailureAreNotRun(t *testing.T) {
	s := newTestServer(t)
	res := s.query(t, `mutation {
		a: createApplication(input:{name:"first"}) { id }
		b: createDependency(input:{consumerID:"1", providerID:"999999"}) { id }
		c: createApplication(input:{name:"third"}) { id }
	}`, nil)
	codes := map[string]any{}
	for _, e := range res.Errors {
		codes[fmt.Sprint(e.Path...)] = e.Extensions["code"]
	}
	if codes["b"] == nil || codes["b"] == "INTERNAL" || codes["c"] != "FAILED_PRECONDITION" {
		t.Fatalf("codes %v: %+v", codes, res.Errors)
	}
	var out struct{ Applications struct{ TotalCount int } }
	s.ok(t, `{ applications { totalCount } }`, nil, &out)
	if out.Applications.TotalCount != 0 {
		t.Fatalf("a failed request wrote %d applications", out.Applications.TotalCount)
	}
}
