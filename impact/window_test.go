package impact_test

import (
	"testing"
	"time"

	"github.com/relgraph/relgraph/impact"
)

func TestWindowOverlaps(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2027, 1, 1, h, 0, 0, 0, time.UTC) }
	var open time.Time
	cases := []struct {
		name    string
		a, b    impact.Window
		overlap bool
		common  impact.Window
	}{
		{"inside", impact.Window{Start: at(1), End: at(5)}, impact.Window{Start: at(2), End: at(3)}, true, impact.Window{Start: at(2), End: at(3)}},
		{"crossing", impact.Window{Start: at(1), End: at(5)}, impact.Window{Start: at(4), End: at(8)}, true, impact.Window{Start: at(4), End: at(5)}},
		{"touching is not overlapping", impact.Window{Start: at(1), End: at(5)}, impact.Window{Start: at(5), End: at(8)}, false, impact.Window{}},
		{"apart", impact.Window{Start: at(1), End: at(2)}, impact.Window{Start: at(3), End: at(4)}, false, impact.Window{}},
		{"open end", impact.Window{Start: at(3), End: open}, impact.Window{Start: at(1), End: at(4)}, true, impact.Window{Start: at(3), End: at(4)}},
		{"open start", impact.Window{Start: open, End: at(3)}, impact.Window{Start: at(1), End: at(4)}, true, impact.Window{Start: at(1), End: at(3)}},
		{"open end after", impact.Window{Start: at(5), End: open}, impact.Window{Start: at(1), End: at(5)}, false, impact.Window{}},
		{"everything", impact.Window{}, impact.Window{Start: at(1), End: at(2)}, true, impact.Window{Start: at(1), End: at(2)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Overlaps(tc.b); got != tc.overlap {
				t.Fatalf("a.Overlaps(b) = %v, want %v", got, tc.overlap)
			}
			if got := tc.b.Overlaps(tc.a); got != tc.overlap {
				t.Fatalf("b.Overlaps(a) = %v, want %v (not symmetric)", got, tc.overlap)
			}
			if !tc.overlap {
				return
			}
			for _, got := range []impact.Window{tc.a.Overlap(tc.b), tc.b.Overlap(tc.a)} {
				if !got.Start.Equal(tc.common.Start) || !got.End.Equal(tc.common.End) {
					t.Fatalf("overlap %v, want %v", got, tc.common)
				}
			}
		})
	}
}
