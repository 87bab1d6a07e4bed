package lifecycle_test

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/lifecycle"
)

// ---------------------------------------------------------------------------
// helpers

var allStatuses = []lifecycle.Status{
	lifecycle.Draft,
	lifecycle.Planned,
	lifecycle.InProgress,
	lifecycle.Deployed,
	lifecycle.Cancelled,
}

// requirePrecondition fails unless err is a *fault.Error with code
// FAILED_PRECONDITION whose message contains every one of wants.
func requirePrecondition(t *testing.T, err error, wants ...string) *fault.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want FAILED_PRECONDITION containing %q", wants)
	}
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("got error %T (%v), want *fault.Error", err, err)
	}
	if fe.Code != fault.FailedPrecondition {
		t.Errorf("code = %q, want %q (message %q)", fe.Code, fault.FailedPrecondition, fe.Message)
	}
	if fe.Message == "" {
		t.Errorf("empty message")
	}
	if fe.Error() != fe.Message {
		t.Errorf("Error() = %q, want the message %q", fe.Error(), fe.Message)
	}
	for _, w := range wants {
		if !strings.Contains(fe.Message, w) {
			t.Errorf("message %q does not contain %q", fe.Message, w)
		}
	}
	return fe
}

func requireNoError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// ---------------------------------------------------------------------------
// CheckMove

func TestCheckMove(t *testing.T) {
	allowed := map[[2]lifecycle.Status]bool{
		{lifecycle.Draft, lifecycle.Planned}:        true,
		{lifecycle.Draft, lifecycle.Cancelled}:      true,
		{lifecycle.Planned, lifecycle.Draft}:        true,
		{lifecycle.Planned, lifecycle.InProgress}:   true,
		{lifecycle.Planned, lifecycle.Cancelled}:    true,
		{lifecycle.InProgress, lifecycle.Deployed}:  true,
		{lifecycle.InProgress, lifecycle.Cancelled}: true,
	}
	final := map[lifecycle.Status]bool{lifecycle.Deployed: true, lifecycle.Cancelled: true}

	type tc struct {
		from, to lifecycle.Status
		ok       bool
	}
	var cases []tc
	for _, from := range allStatuses {
		for _, to := range allStatuses {
			cases = append(cases, tc{from, to, allowed[[2]lifecycle.Status{from, to}]})
		}
	}
	if len(cases) != 25 {
		t.Fatalf("built %d cases, want 25", len(cases))
	}
	nAllowed := 0
	for _, c := range cases {
		if c.ok {
			nAllowed++
		}
		t.Run(string(c.from)+"->"+string(c.to), func(t *testing.T) {
			err := lifecycle.CheckMove(c.from, c.to)
			if c.ok {
				requireNoError(t, err)
				return
			}
			switch {
			case c.from == c.to:
				requirePrecondition(t, err, string(c.to), "already")
			case final[c.from]:
				requirePrecondition(t, err, string(c.from), "final", strings.ToLower(string(c.from)))
			default:
				fe := requirePrecondition(t, err, string(c.from), string(c.to))
				// The message lists where the release can go instead.
				for _, s := range allStatuses {
					if allowed[[2]lifecycle.Status{c.from, s}] && !strings.Contains(fe.Message, string(s)) {
						t.Errorf("message %q does not list allowed target %s", fe.Message, s)
					}
				}
			}
		})
	}
	if nAllowed != 7 {
		t.Fatalf("expected table has %d allowed moves, want 7", nAllowed)
	}
}

// CheckMove never allows anything out of an unknown status, nor into one.
func TestCheckMoveUnknownStatus(t *testing.T) {
	cases := []struct{ from, to lifecycle.Status }{
		{"BOGUS", lifecycle.Draft},
		{"", lifecycle.Planned},
		{"draft", lifecycle.Planned},
		{lifecycle.Draft, "BOGUS"},
		{lifecycle.Planned, ""},
		{lifecycle.InProgress, "deployed"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%q->%q", c.from, c.to), func(t *testing.T) {
			requirePrecondition(t, lifecycle.CheckMove(c.from, c.to))
		})
	}
}

// ---------------------------------------------------------------------------
// CheckTransition

func TestCheckTransition(t *testing.T) {
	ready := lifecycle.ReleaseFacts{Status: lifecycle.Draft, HasWindow: true, Changes: 1}
	freezes := []string{"Christmas", "Quarter end"}
	planned := func(fz []string) lifecycle.ReleaseFacts {
		return lifecycle.ReleaseFacts{Status: lifecycle.Planned, HasWindow: true, Changes: 3, Freezes: fz}
	}
	cases := []struct {
		name  string
		facts lifecycle.ReleaseFacts
		to    lifecycle.Status
		o     lifecycle.Override
		want  []string // nil: allowed; otherwise substrings of the refusal
	}{
		// DRAFT -> PLANNED
		{name: "draft to planned with window and one change", facts: ready, to: lifecycle.Planned},
		{name: "draft to planned with window and many changes",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.Draft, HasWindow: true, Changes: 42}, to: lifecycle.Planned},
		{name: "draft to planned without window",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.Draft, Changes: 1}, to: lifecycle.Planned,
			want: []string{"window", "PLANNED"}},
		{name: "draft to planned without change",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.Draft, HasWindow: true}, to: lifecycle.Planned,
			want: []string{"at least one change", "PLANNED"}},
		{name: "draft to planned with neither window nor change reports the window first",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.Draft}, to: lifecycle.Planned,
			want: []string{"window"}},
		{name: "draft to cancelled needs no window nor change",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.Draft}, to: lifecycle.Cancelled},

		// PLANNED -> DRAFT / CANCELLED
		{name: "planned back to draft", facts: planned(nil), to: lifecycle.Draft},
		{name: "planned back to draft despite freezes", facts: planned(freezes), to: lifecycle.Draft},
		{name: "planned to cancelled despite freezes", facts: planned(freezes), to: lifecycle.Cancelled},

		// PLANNED -> IN_PROGRESS
		{name: "planned to in progress without freezes", facts: planned(nil), to: lifecycle.InProgress},
		{name: "planned to in progress with empty freeze list", facts: planned([]string{}), to: lifecycle.InProgress},
		{name: "planned to in progress without freezes ignores override without reason",
			facts: planned(nil), to: lifecycle.InProgress, o: lifecycle.Override{Override: true}},
		{name: "freeze without override",
			facts: planned(freezes), to: lifecycle.InProgress,
			want: []string{`"Christmas"`, `"Quarter end"`, "override"}},
		{name: "freeze with reason but override false",
			facts: planned(freezes), to: lifecycle.InProgress, o: lifecycle.Override{Reason: "hotfix"},
			want: []string{`"Christmas"`, "override"}},
		{name: "freeze with override and no reason",
			facts: planned(freezes), to: lifecycle.InProgress, o: lifecycle.Override{Override: true},
			want: []string{`"Christmas"`, `"Quarter end"`, "reason"}},
		{name: "freeze with override and whitespace-only reason",
			facts: planned(freezes), to: lifecycle.InProgress, o: lifecycle.Override{Override: true, Reason: " \t\n "},
			want: []string{`"Christmas"`, "reason"}},
		{name: "freeze with override and reason",
			facts: planned(freezes), to: lifecycle.InProgress, o: lifecycle.Override{Override: true, Reason: "security fix"}},
		{name: "single freeze with override and padded reason",
			facts: planned([]string{"Black Friday"}), to: lifecycle.InProgress, o: lifecycle.Override{Override: true, Reason: "  CVE  "}},

		// IN_PROGRESS -> DEPLOYED / CANCELLED
		{name: "in progress to deployed after production success",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.InProgress, HasWindow: true, Changes: 1, ProductionSucceeded: true}, to: lifecycle.Deployed},
		{name: "in progress to deployed without production success",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.InProgress, HasWindow: true, Changes: 1}, to: lifecycle.Deployed,
			want: []string{"SUCCEEDED", "PRODUCTION", "DEPLOYED"}},
		{name: "in progress to deployed ignores freezes",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.InProgress, ProductionSucceeded: true, Freezes: freezes}, to: lifecycle.Deployed},
		{name: "in progress to cancelled without production success",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.InProgress}, to: lifecycle.Cancelled},

		// The move check comes first.
		{name: "move first: draft to in progress with freezes",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.Draft, Freezes: freezes}, to: lifecycle.InProgress,
			want: []string{"cannot move from DRAFT to IN_PROGRESS"}},
		{name: "move first: draft to in progress even with override and reason",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.Draft, HasWindow: true, Changes: 1}, to: lifecycle.InProgress,
			o:    lifecycle.Override{Override: true, Reason: "why not"},
			want: []string{"cannot move from DRAFT to IN_PROGRESS"}},
		{name: "move first: draft to deployed with production success",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.Draft, HasWindow: true, Changes: 1, ProductionSucceeded: true}, to: lifecycle.Deployed,
			want: []string{"cannot move from DRAFT to DEPLOYED"}},
		{name: "move first: planned to deployed with production success",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.Planned, ProductionSucceeded: true}, to: lifecycle.Deployed,
			want: []string{"cannot move from PLANNED to DEPLOYED"}},
		{name: "move first: planned to planned without window",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.Planned}, to: lifecycle.Planned,
			want: []string{"already PLANNED"}},
		{name: "move first: in progress to in progress with freezes",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.InProgress, Freezes: freezes}, to: lifecycle.InProgress,
			want: []string{"already IN_PROGRESS"}},
		{name: "move first: deployed is final",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.Deployed, HasWindow: true, Changes: 1, ProductionSucceeded: true}, to: lifecycle.Cancelled,
			want: []string{"DEPLOYED", "final"}},
		{name: "move first: cancelled is final",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.Cancelled, HasWindow: true, Changes: 1}, to: lifecycle.Planned,
			want: []string{"CANCELLED", "final"}},
		{name: "move first: in progress back to planned",
			facts: lifecycle.ReleaseFacts{Status: lifecycle.InProgress, HasWindow: true, Changes: 1}, to: lifecycle.Planned,
			want: []string{"cannot move from IN_PROGRESS to PLANNED"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := lifecycle.CheckTransition(c.facts, c.to, c.o)
			if c.want == nil {
				requireNoError(t, err)
				return
			}
			requirePrecondition(t, err, c.want...)
		})
	}
}

// Every refusal of CheckMove is also a refusal of CheckTransition with the
// same message, however favourable the facts.
func TestCheckTransitionAgreesWithCheckMove(t *testing.T) {
	for _, from := range allStatuses {
		for _, to := range allStatuses {
			t.Run(string(from)+"->"+string(to), func(t *testing.T) {
				moveErr := lifecycle.CheckMove(from, to)
				facts := lifecycle.ReleaseFacts{Status: from, HasWindow: true, Changes: 5, ProductionSucceeded: true}
				err := lifecycle.CheckTransition(facts, to, lifecycle.Override{})
				if moveErr == nil {
					requireNoError(t, err)
					return
				}
				requirePrecondition(t, err, moveErr.Error())
			})
		}
	}
}

// ---------------------------------------------------------------------------
// CheckPromotion

func TestCheckPromotion(t *testing.T) {
	all := lifecycle.Stages()
	const (
		dev  = lifecycle.Development
		sys  = lifecycle.SystemTest
		intg = lifecycle.IntegrationTest
		perf = lifecycle.PerformanceTest
		uat  = lifecycle.UserAcceptance
		prod = lifecycle.Production
	)
	cases := []struct {
		name      string
		stages    []lifecycle.Stage
		target    lifecycle.Stage
		succeeded []lifecycle.Stage
		missing   lifecycle.Stage // "" means allowed
	}{
		{name: "default: first stage needs nothing", stages: all, target: dev},
		{name: "default: first stage needs nothing even with others done", stages: all, target: dev, succeeded: []lifecycle.Stage{prod}},
		{name: "default: system test needs development", stages: all, target: sys, missing: dev},
		{name: "default: system test after development", stages: all, target: sys, succeeded: []lifecycle.Stage{dev}},
		{name: "default: production with nothing done names development", stages: all, target: prod, missing: dev},
		{name: "default: production with all previous done", stages: all, target: prod,
			succeeded: []lifecycle.Stage{dev, sys, intg, perf, uat}},
		{name: "default: production with succeeded out of order", stages: all, target: prod,
			succeeded: []lifecycle.Stage{uat, dev, perf, intg, sys}},
		{name: "default: production missing uat only", stages: all, target: prod,
			succeeded: []lifecycle.Stage{dev, sys, intg, perf}, missing: uat},
		{name: "default: production names earliest missing", stages: all, target: prod,
			succeeded: []lifecycle.Stage{dev, intg, uat}, missing: sys},
		{name: "default: uat does not need production or uat", stages: all, target: uat,
			succeeded: []lifecycle.Stage{dev, sys, intg, perf}},
		{name: "default: performance test missing integration", stages: all, target: perf,
			succeeded: []lifecycle.Stage{dev, sys, uat, prod}, missing: intg},
		{name: "default: repeated succeeded entries", stages: all, target: intg,
			succeeded: []lifecycle.Stage{dev, dev, sys, sys}},

		{name: "custom dev+prod: production needs development only", stages: []lifecycle.Stage{dev, prod}, target: prod,
			succeeded: []lifecycle.Stage{dev}},
		{name: "custom dev+prod: production without development", stages: []lifecycle.Stage{dev, prod}, target: prod,
			succeeded: []lifecycle.Stage{sys, intg, perf, uat}, missing: dev},
		{name: "custom dev+prod: development needs nothing", stages: []lifecycle.Stage{dev, prod}, target: dev},
		{name: "custom sys+uat+prod: first listed stage needs nothing", stages: []lifecycle.Stage{sys, uat, prod}, target: sys},
		{name: "custom sys+uat+prod: uat needs system test", stages: []lifecycle.Stage{sys, uat, prod}, target: uat, missing: sys},
		{name: "custom sys+uat+prod: production needs uat", stages: []lifecycle.Stage{sys, uat, prod}, target: prod,
			succeeded: []lifecycle.Stage{sys, dev, intg, perf}, missing: uat},
		{name: "custom sys+uat+prod: production after sys and uat", stages: []lifecycle.Stage{sys, uat, prod}, target: prod,
			succeeded: []lifecycle.Stage{sys, uat}},
		{name: "custom production only", stages: []lifecycle.Stage{prod}, target: prod},

		{name: "target not listed: needs listed stages before it", stages: []lifecycle.Stage{dev, prod}, target: uat, missing: dev},
		{name: "target not listed: allowed once earlier listed stages done", stages: []lifecycle.Stage{dev, prod}, target: uat,
			succeeded: []lifecycle.Stage{dev}},
		{name: "target not listed: before every listed stage needs nothing", stages: []lifecycle.Stage{sys, prod}, target: dev},
		{name: "target not listed: later listed stages are not required", stages: []lifecycle.Stage{sys, uat, prod}, target: perf,
			succeeded: []lifecycle.Stage{sys}},
		{name: "target not listed: missing earlier listed stage", stages: []lifecycle.Stage{sys, intg, prod}, target: uat,
			succeeded: []lifecycle.Stage{intg}, missing: sys},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := lifecycle.CheckPromotion("R-42", c.stages, c.target, c.succeeded)
			if c.missing == "" {
				requireNoError(t, err)
				return
			}
			fe := requirePrecondition(t, err, `"R-42"`, string(c.target), "stage "+string(c.missing))
			// Only the earliest missing stage is named.
			for _, s := range lifecycle.Stages() {
				if s != c.missing && s != c.target && strings.Contains(fe.Message, string(s)) {
					t.Errorf("message %q names %s, want only %s as the missing stage", fe.Message, s, c.missing)
				}
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Stages, NormalizeStages, Before

func TestStages(t *testing.T) {
	want := []lifecycle.Stage{"DEVELOPMENT", "SYSTEM_TEST", "INTEGRATION_TEST", "PERFORMANCE_TEST", "USER_ACCEPTANCE", "PRODUCTION"}
	got := lifecycle.Stages()
	if !slices.Equal(got, want) {
		t.Fatalf("Stages() = %v, want %v", got, want)
	}
	// Stages returns a fresh slice: mutating it must not affect the flow.
	got[0] = lifecycle.Production
	if lifecycle.Development.Rank() != 0 || !slices.Equal(lifecycle.Stages(), want) {
		t.Fatalf("mutating the result of Stages() changed the flow")
	}
}

func TestStageUnmarshalGQL(t *testing.T) {
	type tc struct {
		name string
		in   any
		want lifecycle.Stage
		err  bool
	}
	var cases []tc
	for _, s := range lifecycle.Stages() {
		cases = append(cases, tc{name: "valid " + string(s), in: string(s), want: s})
	}
	cases = append(cases,
		tc{name: "empty string", in: "", err: true},
		tc{name: "unknown string", in: "STAGING", err: true},
		tc{name: "lower case", in: "production", err: true},
		tc{name: "quoted", in: `"PRODUCTION"`, err: true},
		tc{name: "int", in: 5, err: true},
		tc{name: "nil", in: nil, err: true},
		tc{name: "bool", in: true, err: true},
		tc{name: "bytes", in: []byte("PRODUCTION"), err: true},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const sentinel lifecycle.Stage = "UNTOUCHED"
			s := sentinel
			err := s.UnmarshalGQL(c.in)
			if c.err {
				if err == nil {
					t.Fatalf("UnmarshalGQL(%#v) = nil error, stage %q; want an error", c.in, s)
				}
				if s != sentinel {
					t.Errorf("UnmarshalGQL(%#v) changed the stage to %q on error", c.in, s)
				}
				return
			}
			requireNoError(t, err)
			if s != c.want {
				t.Errorf("UnmarshalGQL(%#v) = %q, want %q", c.in, s, c.want)
			}
		})
	}
}

// MarshalGQL and UnmarshalGQL round-trip every stage.
func TestStageGQLRoundTrip(t *testing.T) {
	for _, s := range lifecycle.Stages() {
		t.Run(string(s), func(t *testing.T) {
			var buf bytes.Buffer
			s.MarshalGQL(&buf)
			var back lifecycle.Stage
			requireNoError(t, back.UnmarshalGQL(strings.Trim(buf.String(), `"`)))
			if back != s {
				t.Errorf("round trip gave %q, want %q", back, s)
			}
		})
	}
}

// Statuses read from GraphQL are exactly the five of the state machine,
// and every one survives a round trip.
func TestStatusGQL(t *testing.T) {
	for _, s := range lifecycle.Statuses() {
		var buf bytes.Buffer
		s.MarshalGQL(&buf)
		var back lifecycle.Status
		requireNoError(t, back.UnmarshalGQL(strings.Trim(buf.String(), `"`)))
		if back != s {
			t.Errorf("round trip gave %q, want %q", back, s)
		}
	}
	for _, in := range []any{"", "draft", "SHIPPED", 1, nil} {
		var s lifecycle.Status
		if err := s.UnmarshalGQL(in); err == nil || s != "" {
			t.Errorf("UnmarshalGQL(%#v) = %q, %v; want an error", in, s, err)
		}
	}
}

func TestNormalizeStages(t *testing.T) {
	const (
		dev  = lifecycle.Development
		sys  = lifecycle.SystemTest
		intg = lifecycle.IntegrationTest
		perf = lifecycle.PerformanceTest
		uat  = lifecycle.UserAcceptance
		prod = lifecycle.Production
	)
	cases := []struct {
		name    string
		in      []lifecycle.Stage
		want    []lifecycle.Stage
		errWant string // non-empty: want an error containing it
	}{
		{name: "already ordered", in: lifecycle.Stages(), want: lifecycle.Stages()},
		{name: "reversed", in: []lifecycle.Stage{prod, uat, perf, intg, sys, dev}, want: lifecycle.Stages()},
		{name: "shuffled", in: []lifecycle.Stage{intg, prod, dev, uat, sys, perf}, want: lifecycle.Stages()},
		{name: "subset", in: []lifecycle.Stage{prod, dev}, want: []lifecycle.Stage{dev, prod}},
		{name: "subset of three", in: []lifecycle.Stage{uat, sys, perf}, want: []lifecycle.Stage{sys, perf, uat}},
		{name: "single", in: []lifecycle.Stage{uat}, want: []lifecycle.Stage{uat}},
		{name: "nil", in: nil, errWant: "at least one"},
		{name: "empty", in: []lifecycle.Stage{}, errWant: "at least one"},
		{name: "unknown", in: []lifecycle.Stage{dev, "STAGING", prod}, errWant: "STAGING"},
		{name: "empty name", in: []lifecycle.Stage{dev, ""}, errWant: `""`},
		{name: "lower case", in: []lifecycle.Stage{"production"}, errWant: "production"},
		{name: "duplicate adjacent", in: []lifecycle.Stage{dev, dev}, errWant: "DEVELOPMENT"},
		{name: "duplicate apart", in: []lifecycle.Stage{prod, dev, sys, prod}, errWant: "PRODUCTION"},
		{name: "duplicate with unknown", in: []lifecycle.Stage{uat, "QA", uat}, errWant: "QA"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := slices.Clone(c.in)
			got, err := lifecycle.NormalizeStages(in)
			if !slices.Equal(in, c.in) {
				t.Errorf("NormalizeStages modified its input: %v, was %v", in, c.in)
			}
			if c.errWant != "" {
				if err == nil {
					t.Fatalf("NormalizeStages(%v) = %v, nil; want an error", c.in, got)
				}
				if !strings.Contains(err.Error(), c.errWant) {
					t.Errorf("error %q does not contain %q", err, c.errWant)
				}
				if got != nil {
					t.Errorf("NormalizeStages returned %v along with an error", got)
				}
				return
			}
			requireNoError(t, err)
			if !slices.Equal(got, c.want) {
				t.Errorf("NormalizeStages(%v) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestBefore(t *testing.T) {
	const (
		dev  = lifecycle.Development
		sys  = lifecycle.SystemTest
		intg = lifecycle.IntegrationTest
		perf = lifecycle.PerformanceTest
		uat  = lifecycle.UserAcceptance
		prod = lifecycle.Production
	)
	all := lifecycle.Stages()
	cases := []struct {
		name   string
		stages []lifecycle.Stage
		s      lifecycle.Stage
		want   []lifecycle.Stage
	}{
		{name: "first of all", stages: all, s: dev, want: nil},
		{name: "second of all", stages: all, s: sys, want: []lifecycle.Stage{dev}},
		{name: "production of all", stages: all, s: prod, want: []lifecycle.Stage{dev, sys, intg, perf, uat}},
		{name: "middle of all", stages: all, s: perf, want: []lifecycle.Stage{dev, sys, intg}},
		{name: "custom, listed target", stages: []lifecycle.Stage{dev, prod}, s: prod, want: []lifecycle.Stage{dev}},
		{name: "custom, unlisted target", stages: []lifecycle.Stage{dev, sys, prod}, s: uat, want: []lifecycle.Stage{dev, sys}},
		{name: "custom, target before all", stages: []lifecycle.Stage{intg, prod}, s: sys, want: nil},
		{name: "empty stages", stages: nil, s: prod, want: nil},
		{name: "keeps given order", stages: []lifecycle.Stage{uat, dev, prod, sys}, s: prod, want: []lifecycle.Stage{uat, dev, sys}},
		{name: "unknown target", stages: all, s: "STAGING", want: nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := lifecycle.Before(c.stages, c.s)
			if !slices.Equal(got, c.want) {
				t.Errorf("Before(%v, %s) = %v, want %v", c.stages, c.s, got, c.want)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Clashes

var t0 = time.Date(2025, time.March, 3, 0, 0, 0, 0, time.UTC)

func at(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }

func bk(id, resource, owner, start, end int) lifecycle.Booking {
	return lifecycle.Booking{ID: id, Resource: resource, Owner: owner, Window: impact.Window{Start: at(start), End: at(end)}}
}

// clashKey is a comparable summary of a clash.
type clashKey struct {
	Resource, A, B int
	Start, End     time.Time
}

func (k clashKey) String() string {
	return fmt.Sprintf("{res %d: %d×%d [%s, %s)}", k.Resource, k.A, k.B,
		k.Start.Format("01-02T15"), k.End.Format("01-02T15"))
}

func ck(resource, a, b, start, end int) clashKey {
	return clashKey{Resource: resource, A: a, B: b, Start: at(start), End: at(end)}
}

// keysOf checks that each clash carries both full bookings consistently and
// summarises it.
func keysOf(t *testing.T, in []lifecycle.Booking, clashes []lifecycle.Clash) []clashKey {
	t.Helper()
	byID := map[int]lifecycle.Booking{}
	for _, b := range in {
		byID[b.ID] = b
	}
	var out []clashKey
	for _, c := range clashes {
		for _, b := range []lifecycle.Booking{c.A, c.B} {
			orig, ok := byID[b.ID]
			if !ok || orig.Resource != b.Resource || orig.Owner != b.Owner || !orig.Start.Equal(b.Start) || !orig.End.Equal(b.End) {
				t.Errorf("clash carries booking %+v, which is not the input booking %+v", b, orig)
			}
		}
		if c.A.Resource != c.B.Resource {
			t.Errorf("clash between resources %d and %d", c.A.Resource, c.B.Resource)
		}
		// Use the instants in UTC so that keys compare with ==.
		out = append(out, clashKey{Resource: c.A.Resource, A: c.A.ID, B: c.B.ID, Start: c.Overlap.Start.UTC(), End: c.Overlap.End.UTC()})
	}
	return out
}

func TestClashes(t *testing.T) {
	cases := []struct {
		name string
		in   []lifecycle.Booking
		want []clashKey
	}{
		{name: "nil input", in: nil, want: nil},
		{name: "single booking", in: []lifecycle.Booking{bk(1, 1, 1, 0, 10)}, want: nil},
		{name: "same owner never clashes",
			in:   []lifecycle.Booking{bk(1, 1, 7, 0, 10), bk(2, 1, 7, 2, 8), bk(3, 1, 7, 0, 10)},
			want: nil},
		{name: "touching windows do not clash",
			in:   []lifecycle.Booking{bk(1, 1, 1, 0, 5), bk(2, 1, 2, 5, 10)},
			want: nil},
		{name: "touching windows do not clash, reverse input",
			in:   []lifecycle.Booking{bk(2, 1, 2, 5, 10), bk(1, 1, 1, 0, 5)},
			want: nil},
		{name: "different resources do not clash",
			in:   []lifecycle.Booking{bk(1, 1, 1, 0, 10), bk(2, 2, 2, 0, 10)},
			want: nil},
		{name: "simple overlap",
			in:   []lifecycle.Booking{bk(1, 1, 1, 0, 6), bk(2, 1, 2, 4, 10)},
			want: []clashKey{ck(1, 1, 2, 4, 6)}},
		{name: "one hour overlap",
			in:   []lifecycle.Booking{bk(1, 1, 1, 0, 5), bk(2, 1, 2, 4, 10)},
			want: []clashKey{ck(1, 1, 2, 4, 5)}},
		{name: "identical windows",
			in:   []lifecycle.Booking{bk(1, 1, 1, 3, 7), bk(2, 1, 2, 3, 7)},
			want: []clashKey{ck(1, 1, 2, 3, 7)}},
		{name: "containment",
			in:   []lifecycle.Booking{bk(1, 1, 1, 0, 20), bk(2, 1, 2, 5, 8)},
			want: []clashKey{ck(1, 1, 2, 5, 8)}},
		{name: "A has the lower id although it starts later",
			in:   []lifecycle.Booking{bk(9, 1, 1, 0, 6), bk(3, 1, 2, 4, 10)},
			want: []clashKey{ck(1, 3, 9, 4, 6)}},
		{name: "A has the lower id with equal starts",
			in:   []lifecycle.Booking{bk(8, 1, 1, 2, 6), bk(5, 1, 2, 2, 10)},
			want: []clashKey{ck(1, 5, 8, 2, 6)}},
		{name: "three mutually overlapping give three clashes",
			in:   []lifecycle.Booking{bk(3, 1, 3, 2, 9), bk(1, 1, 1, 0, 6), bk(2, 1, 2, 4, 12)},
			want: []clashKey{ck(1, 1, 3, 2, 6), ck(1, 1, 2, 4, 6), ck(1, 2, 3, 4, 9)}},
		{name: "three overlapping, two share an owner",
			in:   []lifecycle.Booking{bk(1, 1, 1, 0, 6), bk(2, 1, 1, 4, 12), bk(3, 1, 2, 2, 9)},
			want: []clashKey{ck(1, 1, 3, 2, 6), ck(1, 2, 3, 4, 9)}},
		{name: "long booking clashes with disjoint short ones",
			in:   []lifecycle.Booking{bk(1, 1, 1, 0, 100), bk(2, 1, 2, 1, 2), bk(3, 1, 3, 50, 60), bk(4, 1, 4, 99, 120)},
			want: []clashKey{ck(1, 1, 2, 1, 2), ck(1, 1, 3, 50, 60), ck(1, 1, 4, 99, 100)}},
		{name: "short booking before a long one does not stop the sweep",
			in:   []lifecycle.Booking{bk(1, 1, 1, 0, 2), bk(2, 1, 2, 1, 30), bk(3, 1, 3, 3, 4), bk(4, 1, 4, 20, 25)},
			want: []clashKey{ck(1, 1, 2, 1, 2), ck(1, 2, 3, 3, 4), ck(1, 2, 4, 20, 25)}},
		{name: "output sorted by resource, then overlap start, then ids",
			in: []lifecycle.Booking{
				// resource 2: two clashes
				bk(10, 2, 1, 5, 9), bk(11, 2, 2, 0, 6), bk(12, 2, 3, 8, 12),
				// resource 1: clashes starting at 3 (ids 4,6 and 5,6 share the start)
				bk(4, 1, 1, 0, 10), bk(5, 1, 2, 1, 10), bk(6, 1, 3, 3, 4),
			},
			want: []clashKey{
				ck(1, 4, 5, 1, 10),
				ck(1, 4, 6, 3, 4),
				ck(1, 5, 6, 3, 4),
				ck(2, 10, 11, 5, 6),
				ck(2, 10, 12, 8, 9),
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := slices.Clone(c.in)
			got := keysOf(t, c.in, lifecycle.Clashes(in))
			if !slices.Equal(in, c.in) {
				t.Errorf("Clashes modified its input")
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("Clashes =\n  %v\nwant\n  %v", got, c.want)
			}
		})
	}
}

// Clashes compares instants, not wall clocks: the same instants in other
// zones clash (or touch) exactly as in UTC.
func TestClashesTimeZones(t *testing.T) {
	east := time.FixedZone("UTC+5", 5*3600)
	west := time.FixedZone("UTC-7", -7*3600)
	cases := []struct {
		name string
		in   []lifecycle.Booking
		want []clashKey
	}{
		{name: "touching across zones",
			in: []lifecycle.Booking{
				{ID: 1, Resource: 1, Owner: 1, Window: impact.Window{Start: at(0).In(east), End: at(5).In(east)}},
				{ID: 2, Resource: 1, Owner: 2, Window: impact.Window{Start: at(5).In(west), End: at(10).In(west)}},
			}},
		{name: "overlapping across zones",
			in: []lifecycle.Booking{
				{ID: 1, Resource: 1, Owner: 1, Window: impact.Window{Start: at(0).In(east), End: at(6).In(east)}},
				{ID: 2, Resource: 1, Owner: 2, Window: impact.Window{Start: at(4).In(west), End: at(10).In(west)}},
			},
			want: []clashKey{ck(1, 1, 2, 4, 6)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := keysOf(t, c.in, lifecycle.Clashes(c.in))
			if !slices.Equal(got, c.want) {
				t.Errorf("Clashes = %v, want %v", got, c.want)
			}
		})
	}
}

// naiveClashes is the reference: every pair, no sweeping.
func naiveClashes(bookings []lifecycle.Booking) []clashKey {
	var out []clashKey
	for i := range bookings {
		for j := range bookings {
			a, b := bookings[i], bookings[j]
			if a.ID >= b.ID || a.Resource != b.Resource || a.Owner == b.Owner {
				continue
			}
			if !(a.Start.Before(b.End) && b.Start.Before(a.End)) {
				continue
			}
			start, end := a.Start, a.End
			if b.Start.After(start) {
				start = b.Start
			}
			if b.End.Before(end) {
				end = b.End
			}
			out = append(out, clashKey{Resource: a.Resource, A: a.ID, B: b.ID, Start: start.UTC(), End: end.UTC()})
		}
	}
	slices.SortFunc(out, func(x, y clashKey) int {
		return cmp.Or(cmp.Compare(x.Resource, y.Resource), x.Start.Compare(y.Start), cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B))
	})
	return out
}

func TestClashesRandomized(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 42, 2025} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
			total := 0
			for iter := range 100 {
				n := r.IntN(14)
				resources := 1 + r.IntN(3)
				owners := 1 + r.IntN(4)
				horizon := 4 + r.IntN(40)
				ids := r.Perm(n + 5)[:n] // unique, unordered ids
				in := make([]lifecycle.Booking, n)
				for i := range in {
					start := r.IntN(horizon)
					dur := 1 + r.IntN(8)
					in[i] = lifecycle.Booking{
						ID:       ids[i] + 1,
						Resource: 1 + r.IntN(resources),
						Owner:    1 + r.IntN(owners),
						Window: impact.Window{
							Start: t0.Add(time.Duration(start) * 30 * time.Minute),
							End:   t0.Add(time.Duration(start+dur) * 30 * time.Minute),
						},
					}
				}
				want := naiveClashes(in)
				got := keysOf(t, in, lifecycle.Clashes(in))
				total += len(want)
				if !slices.Equal(got, want) {
					t.Fatalf("iteration %d, bookings %+v:\ngot  %v\nwant %v", iter, in, got, want)
				}
			}
			if total == 0 {
				t.Fatalf("the generator produced no clashes at all; the test is too weak")
			}
		})
	}
}
