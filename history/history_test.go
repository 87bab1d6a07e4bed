package history_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/relgraph/relgraph/history"
	"github.com/relgraph/relgraph/impact"
)

// ev builds an event whose changes are written as the audit trail stores
// them (JSON, so ids are float64 once read back).
func ev(t *testing.T, action history.Action, typ string, id int, changes string) history.Event {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(changes), &m); err != nil {
		t.Fatal(err)
	}
	return history.Event{Action: action, EntityType: typ, EntityID: id, Changes: m}
}

func TestApplicationsRules(t *testing.T) {
	const c = history.ChangeType
	created := `{"title":{"new":"x"},"releaseID":{"new":9},"applications":{"added":[1]}}`
	for _, tc := range []struct {
		name          string
		before, after []string // changes of UPDATE events, except a first "CREATE"
		now           []int
		exists        bool
		want          []int
	}{
		{
			name:   "created in the trail: forward, no-ops included",
			before: []string{"CREATE", `{"applications":{"removed":[7]}}`, `{"applications":{"added":[1,2]}}`},
			after:  []string{`{"applications":{"removed":[2]}}`},
			now:    []int{1}, exists: true,
			want: []int{1, 2},
		},
		{
			name:   "created in the trail, deleted since",
			before: []string{"CREATE", `{"applications":{"added":[3]}}`},
			now:    nil, exists: false,
			want: []int{1, 3},
		},
		{
			name:   "a clear replayed forward",
			before: []string{"CREATE", `{"applications":{"cleared":true,"added":[4]}}`},
			now:    []int{5}, exists: true,
			want: []int{4},
		},
		{
			name:  "older than the trail: writes since undone, newest first",
			after: []string{`{"applications":{"added":[2],"removed":[1]}}`, `{"applications":{"added":[1]}}`, `{"title":{"old":"a","new":"b"}}`},
			now:   []int{1, 2}, exists: true,
			want: []int{1},
		},
		{
			name:   "older than the trail: a clear is not undone",
			before: []string{`{"applications":{"added":[8]}}`},
			after:  []string{`{"applications":{"cleared":true,"added":[2]}}`},
			now:    []int{2}, exists: true,
			want: nil,
		},
		{
			name:   "older than the trail and deleted since: what its writes up to the moment added",
			before: []string{`{"applications":{"added":[8]}}`},
			after:  []string{`{"applications":{"added":[9]}}`},
			exists: false,
			want:   []int{8},
		},
		{
			name:   "unreadable ids are skipped",
			before: []string{"CREATE", `{"applications":{"added":["x", 2.5, 3]}}`},
			exists: true, now: []int{3},
			want: []int{1, 3},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := history.NewApplications()
			for _, ch := range tc.before {
				if ch == "CREATE" {
					a.Before(ev(t, history.Create, c, 1, created))
				} else {
					a.Before(ev(t, history.Update, c, 1, ch))
				}
			}
			for _, ch := range tc.after {
				a.After(ev(t, history.Update, c, 1, ch))
			}
			if got := a.At(tc.now, tc.exists); !slices.Equal(got, tc.want) {
				t.Errorf("At = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRewind(t *testing.T) {
	// Now: 1 ← 2 ← 3 (2 depends on 1, 3 on 2), and 4 ← 5; change 10 (on 1)
	// is in release 100, change 11 (on 4) in release 200.
	now := impact.NewSnapshot([]int{1, 2, 3, 4, 5}, []impact.Dependency{{Consumer: 2, Provider: 1}, {Consumer: 3, Provider: 2}, {Consumer: 5, Provider: 4}}, 1)
	r := history.NewRewind()
	const d, c = history.DependencyType, history.ChangeType
	for _, e := range []history.Event{
		// 3 → 2 was created since; 6 → 1 was there and is gone with 6.
		ev(t, history.Create, d, 50, `{"consumerID":{"new":3},"providerID":{"new":2}}`),
		ev(t, history.Delete, d, 51, `{"consumerID":{"old":6},"providerID":{"old":1}}`),
		ev(t, history.Delete, d, 52, `{"consumerID":{"old":3},"providerID":{"old":2}}`),
		ev(t, history.Create, d, 53, `{"consumerID":{"new":3},"providerID":{"new":2}}`),
		// 5 → 4 was deleted and created again: there at the moment.
		ev(t, history.Delete, d, 54, `{"consumerID":{"old":5},"providerID":{"old":4}}`),
		ev(t, history.Create, d, 55, `{"consumerID":{"new":5},"providerID":{"new":4}}`),
		ev(t, history.Update, d, 56, `{"kind":{"old":"RUNTIME","new":"DATA"}}`),
		ev(t, history.Create, d, 57, `{"consumerID":{"new":"x"},"providerID":{"new":1}}`),
		// Change 11 was in release 100 then moved; 12 was in 100 and is
		// deleted; 13 was created since; 10's title moved, not its release.
		ev(t, history.Update, c, 10, `{"title":{"old":"a","new":"b"}}`),
		ev(t, history.Update, c, 11, `{"releaseID":{"old":100,"new":null}}`),
		ev(t, history.Update, c, 11, `{"releaseID":{"old":null,"new":200}}`),
		ev(t, history.Delete, c, 12, `{"releaseID":{"old":100}}`),
		ev(t, history.Create, c, 13, `{"releaseID":{"new":100}}`),
		ev(t, history.Update, "Release", 100, `{"changes":{"added":[13]}}`),
	} {
		r.Add(e)
	}
	if got, want := r.ChangesIn(100, []int{10, 13}), []int{10, 11, 12}; !slices.Equal(got, want) {
		t.Errorf("ChangesIn = %v, want %v", got, want)
	}
	// Change 11 touched 4 then, 12 touched 6 (deleted since).
	if got, want := r.Impact(now, []int{1, 4, 6}), []int{1, 2, 4, 5, 6}; !slices.Equal(got, want) {
		t.Errorf("Impact = %v, want %v", got, want)
	}
	if got := r.Impact(now, nil); got != nil {
		t.Errorf("Impact of nothing = %v", got)
	}
	if got, want := now.ImpactSet([]int{1}), []int{1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("the snapshot now was modified: %v, want %v", got, want)
	}
}

func TestDiff(t *testing.T) {
	for _, tc := range []struct{ now, then, entered, left []int }{
		{nil, nil, nil, nil},
		{[]int{1, 2}, nil, []int{1, 2}, nil},
		{nil, []int{3}, nil, []int{3}},
		{[]int{1, 3, 5, 7}, []int{2, 3, 4, 7, 9}, []int{1, 5}, []int{2, 4, 9}},
	} {
		entered, left := history.Diff(tc.now, tc.then)
		if !slices.Equal(entered, tc.entered) || !slices.Equal(left, tc.left) {
			t.Errorf("Diff(%v, %v) = %v, %v; want %v, %v", tc.now, tc.then, entered, left, tc.entered, tc.left)
		}
	}
}
