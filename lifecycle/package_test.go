package lifecycle_test

import (
	"testing"

	"github.com/relgraph/relgraph/lifecycle"
)

func TestPackageStatus(t *testing.T) {
	const (
		draft      = lifecycle.Draft
		planned    = lifecycle.Planned
		inProgress = lifecycle.InProgress
		deployed   = lifecycle.Deployed
		cancelled  = lifecycle.Cancelled
	)
	for _, tc := range []struct {
		name     string
		statuses []lifecycle.Status
		want     lifecycle.Status
	}{
		{"empty package", nil, draft},
		{"all drafts", []lifecycle.Status{draft, draft}, draft},
		{"one planned among drafts", []lifecycle.Status{draft, planned, draft}, planned},
		{"one in progress among planned", []lifecycle.Status{planned, inProgress}, inProgress},
		{"some deployed, some to come", []lifecycle.Status{deployed, planned}, inProgress},
		{"deployed before a draft", []lifecycle.Status{draft, deployed}, inProgress},
		{"all deployed", []lifecycle.Status{deployed, deployed}, deployed},
		{"deployed and cancelled", []lifecycle.Status{cancelled, deployed}, deployed},
		{"all cancelled", []lifecycle.Status{cancelled, cancelled}, cancelled},
		{"cancelled beside planned", []lifecycle.Status{cancelled, planned}, planned},
		{"cancelled beside draft", []lifecycle.Status{draft, cancelled}, draft},
		{"in progress and deployed", []lifecycle.Status{deployed, inProgress, cancelled}, inProgress},
		{"every status", lifecycle.Statuses(), inProgress},
		{"unknown status counts as draft", []lifecycle.Status{"ARCHIVED", cancelled}, draft},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lifecycle.PackageStatus(tc.statuses); got != tc.want {
				t.Errorf("PackageStatus(%v) = %s, want %s", tc.statuses, got, tc.want)
			}
		})
	}
}

// TestPackageStatusProperties checks, over every combination of statuses,
// what the roll-up promises beyond single cases: a package of one release
// has its status, order and repetition do not matter, and a cancelled
// release is set aside unless every release is cancelled.
func TestPackageStatusProperties(t *testing.T) {
	all := lifecycle.Statuses()
	for _, s := range all {
		if got := lifecycle.PackageStatus([]lifecycle.Status{s}); got != s {
			t.Errorf("a package of one %s release is %s", s, got)
		}
	}
	for mask := 1; mask < 1<<len(all); mask++ {
		var set []lifecycle.Status
		for i, s := range all {
			if mask&(1<<i) != 0 {
				set = append(set, s)
			}
		}
		got := lifecycle.PackageStatus(set)
		reversed := make([]lifecycle.Status, 0, 2*len(set))
		for i := len(set) - 1; i >= 0; i-- {
			reversed = append(reversed, set[i], set[i])
		}
		if again := lifecycle.PackageStatus(reversed); again != got {
			t.Errorf("%v is %s, but reversed and doubled it is %s", set, got, again)
		}
		var kept []lifecycle.Status
		for _, s := range set {
			if s != lifecycle.Cancelled {
				kept = append(kept, s)
			}
		}
		if len(kept) > 0 && len(kept) < len(set) {
			if without := lifecycle.PackageStatus(kept); without != got {
				t.Errorf("%v is %s, but without its cancelled release it is %s", set, got, without)
			}
		}
		if len(kept) == 0 && got != lifecycle.Cancelled {
			t.Errorf("%v is %s, want CANCELLED", set, got)
		}
	}
}
