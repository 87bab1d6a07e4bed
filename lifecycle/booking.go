package lifecycle

import (
	"cmp"
	"slices"

	"github.com/relgraph/relgraph/impact"
)

// Booking is a claim on a resource (an environment) by an owner (a release)
// for a window of time; both ends are set.
type Booking struct {
	ID, Resource, Owner int
	impact.Window
}

// Clash is two bookings of one resource by different owners at overlapping
// times; A has the lower id.
type Clash struct {
	A, B    Booking
	Overlap impact.Window
}

// Clashes finds every clash among bookings, sorted by resource, overlap
// start and ids. Per resource it sweeps the bookings in start order, so it
// compares only bookings that overlap in time.
func Clashes(bookings []Booking) []Clash {
	sorted := slices.Clone(bookings)
	slices.SortFunc(sorted, func(a, b Booking) int {
		return cmp.Or(cmp.Compare(a.Resource, b.Resource), a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID))
	})
	var out []Clash
	for i, a := range sorted {
		for _, b := range sorted[i+1:] {
			if b.Resource != a.Resource || !b.Start.Before(a.End) {
				break
			}
			if a.Owner == b.Owner || !a.Start.Before(b.End) {
				continue
			}
			first, second := a, b
			if second.ID < first.ID {
				first, second = second, first
			}
			out = append(out, Clash{A: first, B: second, Overlap: a.Window.Overlap(b.Window)})
		}
	}
	slices.SortFunc(out, func(x, y Clash) int {
		return cmp.Or(cmp.Compare(x.A.Resource, y.A.Resource), x.Overlap.Start.Compare(y.Overlap.Start),
			cmp.Compare(x.A.ID, y.A.ID), cmp.Compare(x.B.ID, y.B.ID))
	})
	return out
}
