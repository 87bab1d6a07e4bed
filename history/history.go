// Package history reconstructs, from the audit trail, what a release's
// impact rested on at a past moment (the moment): the dependency pairs,
// which changes the release had, and which applications each of them
// touched. It is pure: the caller reads the audit events and the present
// state, and history replays them. Release.impactDiff compares the impact
// so reconstructed with today's.
//
// # How
//
// The present is read first and the trail after it, so that the trail
// covers every write from the moment up to (at least) the present read.
//
//   - Dependencies: a (consumer, provider) pair is unique at any time and
//     its ends are immutable, so the first event a pair has after the
//     moment decides: a CREATE means it was absent at the moment, a DELETE
//     that it was there. Pairs without events after the moment are as they
//     are now. Both events name the ends (consumerID, providerID), so this
//     is exact, also for dependencies older than the trail.
//   - A change's release: every write of it records the old and the new
//     releaseID, a CREATE the new one and a DELETE the old one (a change
//     leaving or joining a release through updateRelease is written as an
//     update of the change too). So the first event after the moment that
//     names releaseID tells where the change was then (nowhere, for a
//     CREATE); a change without one was where it is now. Exact.
//   - A change's applications: the trail records the ids each write asked
//     to add and remove, not what it actually changed (adding an
//     application the change already touches, or removing one it does not,
//     is recorded too), and a deleted change's event does not list them.
//     So they are replayed forward from the change's CREATE, through every
//     write up to the moment: exact whenever the trail holds the creation.
//
// # What the trail cannot tell, and the rules used then
//
//   - A change created before the trail existed (a database older than the
//     audit trail) has no CREATE: its applications at the moment are its
//     applications now with the writes after the moment undone, newest
//     first, as recorded (added ones removed, removed ones added back). That
//     is wrong only where such a write was a no-op, which the trail cannot
//     distinguish. If that change was deleted since, its applications are
//     those its recorded writes up to the moment added, often none.
//   - A write that cleared the applications without naming them cannot be
//     undone: the backward replay leaves the applications as they are.
//   - Writes the trail never recorded (before it existed) are taken as not
//     having happened; a moment before the release was created finds it
//     without changes (the caller checks its createdAt).
//   - An event whose fields cannot be read (an id that is not a number) is
//     skipped as if it had not touched them.
//
// Memory grows with the records the events touch (one entry per
// dependency pair or change), not with the number of events, so callers
// may stream the events page by page.
package history

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"

	"github.com/relgraph/relgraph/impact"
)

// Action is what kind of write an event records, as the audit trail
// spells it.
type Action string

// The audit trail's actions. History treats a TRANSITION as an UPDATE.
const (
	Create     Action = "CREATE"
	Update     Action = "UPDATE"
	Delete     Action = "DELETE"
	Transition Action = "TRANSITION"
)

// The entity types history replays.
const (
	DependencyType = "Dependency"
	ChangeType     = "Change"
)

// Event is one audited write, as history reads it: Changes holds, per
// field in GraphQL spelling, {"old": v, "new": v}, and per edge
// {"added": [ids], "removed": [ids], "cleared": true}, with JSON values.
type Event struct {
	Action     Action
	EntityType string
	EntityID   int
	Changes    map[string]any
}

// Rewind gathers, from the events written after the moment, how the
// dependencies and the changes' releases stood at the moment. Feed it the
// events in the order they were written (Add); events of other entity
// types are ignored.
type Rewind struct {
	// pairs maps each pair with an event after the moment to whether it
	// existed at the moment (decided by its first such event).
	pairs map[impact.Dependency]bool
	// releases maps each change whose release the events decided to where
	// it was at the moment.
	releases map[int]placement
}

// placement is where a change was at the moment.
type placement struct {
	existed bool
	release int // 0: in no release
}

// NewRewind returns an empty Rewind.
func NewRewind() *Rewind {
	return &Rewind{pairs: map[impact.Dependency]bool{}, releases: map[int]placement{}}
}

// Add takes the next event written after the moment.
func (r *Rewind) Add(e Event) {
	switch e.EntityType {
	case DependencyType:
		r.addDependency(e)
	case ChangeType:
		r.addChange(e)
	}
}

func (r *Rewind) addDependency(e Event) {
	var side string
	switch e.Action {
	case Create:
		side = "new"
	case Delete:
		side = "old"
	default:
		// The ends are immutable: other writes leave the graph alone.
		return
	}
	c, cok := IDOf(value(e.Changes, "consumerID", side))
	p, pok := IDOf(value(e.Changes, "providerID", side))
	if !cok || !pok {
		return
	}
	d := impact.Dependency{Consumer: c, Provider: p}
	if _, decided := r.pairs[d]; !decided {
		r.pairs[d] = e.Action == Delete
	}
}

func (r *Rewind) addChange(e Event) {
	if _, decided := r.releases[e.EntityID]; decided {
		return
	}
	switch e.Action {
	case Create:
		r.releases[e.EntityID] = placement{}
	default:
		field, ok := e.Changes["releaseID"].(map[string]any)
		if !ok {
			if e.Action == Delete {
				// A delete records every field; without releaseID the
				// event is unreadable, and the change counts in none.
				r.releases[e.EntityID] = placement{existed: true}
			}
			return
		}
		rel, _ := IDOf(field["old"])
		r.releases[e.EntityID] = placement{existed: true, release: rel}
	}
}

// ChangesIn returns, ascending, the changes that were in release at the
// moment, given those in it now.
func (r *Rewind) ChangesIn(release int, now []int) []int {
	var out []int
	for _, id := range now {
		if _, decided := r.releases[id]; !decided {
			out = append(out, id)
		}
	}
	for id, p := range r.releases {
		if p.existed && p.release == release {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Impact returns, ascending, the unbounded impact that the changed
// applications had at the moment: over the graph now with the dependency
// writes since the moment undone. Applications deleted since are put back
// as far as the rewound graph or changed names them.
func (r *Rewind) Impact(now *impact.Snapshot, changed []int) []int {
	if len(changed) == 0 {
		return nil
	}
	var d impact.Delta
	gone := map[int]bool{}
	restore := func(id int) {
		if !now.Has(id) && !gone[id] {
			gone[id] = true
			d.AddApps = append(d.AddApps, id)
		}
	}
	for pair, existed := range r.pairs {
		if existed {
			restore(pair.Consumer)
			restore(pair.Provider)
			d.AddDeps = append(d.AddDeps, pair)
		} else {
			d.RemoveDeps = append(d.RemoveDeps, pair)
		}
	}
	for _, id := range changed {
		restore(id)
	}
	then := now
	if len(d.AddApps)+len(d.AddDeps)+len(d.RemoveDeps) > 0 {
		// Sorted, so that the same trail always builds the same snapshot.
		slices.Sort(d.AddApps)
		slices.SortFunc(d.AddDeps, comparePairs)
		slices.SortFunc(d.RemoveDeps, comparePairs)
		then = now.Apply(d, now.Generation())
	}
	return then.ImpactSet(changed)
}

func comparePairs(a, b impact.Dependency) int {
	return cmp.Or(cmp.Compare(a.Consumer, b.Consumer), cmp.Compare(a.Provider, b.Provider))
}

// Applications follows one change's applications through its trail to
// the moment. Feed it the change's events in the order they were written:
// those up to the moment with Before, then those after it with After.
type Applications struct {
	// created: the trail holds the change's creation, so forward holds
	// exactly its applications at the moment.
	created, seen bool
	forward       map[int]bool
	// after are the edge writes after the moment, for the backward replay
	// of a change older than the trail.
	after []edgeWrite
}

// edgeWrite is one write's edits of the applications edge.
type edgeWrite struct {
	added, removed []int
	cleared        bool
}

// NewApplications returns an Applications that has seen no event.
func NewApplications() *Applications {
	return &Applications{forward: map[int]bool{}}
}

// Before takes the next of the change's events written up to the moment.
func (a *Applications) Before(e Event) {
	if !a.seen {
		a.seen, a.created = true, e.Action == Create
	}
	if w, ok := applicationsWrite(e); ok {
		w.apply(a.forward)
	}
}

// After takes the next of the change's events written after the moment.
func (a *Applications) After(e Event) {
	if a.created {
		// The forward replay is exact: nothing after the moment matters.
		return
	}
	if w, ok := applicationsWrite(e); ok {
		a.after = append(a.after, w)
	}
}

// At returns, ascending, the applications the change touched at the
// moment, given those it touches now (exists false: it was deleted since).
func (a *Applications) At(now []int, exists bool) []int {
	if a.created || !exists {
		return sortedKeys(a.forward)
	}
	set := make(map[int]bool, len(now))
	for _, id := range now {
		set[id] = true
	}
	for i := len(a.after) - 1; i >= 0; i-- {
		w := a.after[i]
		for _, id := range w.added {
			delete(set, id)
		}
		for _, id := range w.removed {
			set[id] = true
		}
		// A clear is not undone: what it cleared is unknown.
	}
	return sortedKeys(set)
}

// apply performs the write on set as the database does: clear, remove,
// then add.
func (w edgeWrite) apply(set map[int]bool) {
	if w.cleared {
		clear(set)
	}
	for _, id := range w.removed {
		delete(set, id)
	}
	for _, id := range w.added {
		set[id] = true
	}
}

// applicationsWrite reads an event's edits of the change's applications.
func applicationsWrite(e Event) (edgeWrite, bool) {
	edge, ok := e.Changes["applications"].(map[string]any)
	if !ok {
		return edgeWrite{}, false
	}
	cleared, _ := edge["cleared"].(bool)
	return edgeWrite{added: idsOf(edge["added"]), removed: idsOf(edge["removed"]), cleared: cleared}, true
}

// Diff returns the ids in now but not in then (entered) and in then but
// not in now (left), both ascending; now and then must be ascending.
func Diff(now, then []int) (entered, left []int) {
	i, j := 0, 0
	for i < len(now) || j < len(then) {
		switch {
		case j == len(then) || (i < len(now) && now[i] < then[j]):
			entered = append(entered, now[i])
			i++
		case i == len(now) || then[j] < now[i]:
			left = append(left, then[j])
			j++
		default:
			i++
			j++
		}
	}
	return entered, left
}

// value returns changes[field][side].
func value(changes map[string]any, field, side string) any {
	f, _ := changes[field].(map[string]any)
	return f[side]
}

// IDOf reads a record id from a JSON value of the audit trail: a number
// with no fraction (float64 as encoding/json decodes it, int, int64 or
// json.Number).
func IDOf(v any) (int, bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case int:
		return n, true
	case int64:
		return int(n), true
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	default:
		return 0, false
	}
	if f != math.Trunc(f) || f < math.MinInt64 || f > math.MaxInt64 {
		return 0, false
	}
	return int(f), true
}

// idsOf reads a list of record ids, skipping what is not one.
func idsOf(v any) []int {
	list, _ := v.([]any)
	out := make([]int, 0, len(list))
	for _, x := range list {
		if id, ok := IDOf(x); ok {
			out = append(out, id)
		}
	}
	return out
}

func sortedKeys(set map[int]bool) []int {
	out := make([]int, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
