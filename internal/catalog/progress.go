package catalog

import (
	"fmt"
	"io"
)

// Progress shows how far an import has come, for WithProgress(p.Update).
// On a terminal it keeps one line up to date ("importing: 1200/5000
// records (24%)"), rewritten when the percentage changes; elsewhere (a log
// file, CI) it writes a line at every tenth. Imports of fewer than Min
// records show nothing.
type Progress struct {
	W        io.Writer
	Terminal bool
	Min      int
	shown    int // the percentage last shown, -1 before the first
	started  bool
}

// Update reports done of total records.
func (p *Progress) Update(done, total int) {
	if total < p.Min || total == 0 {
		return
	}
	if !p.started {
		p.started, p.shown = true, -1
	}
	pct := done * 100 / total
	step := pct
	if !p.Terminal {
		step = pct / 10 * 10
	}
	if step == p.shown {
		return
	}
	p.shown = step
	line := fmt.Sprintf("importing: %d/%d records (%d%%)", done, total, pct)
	switch {
	case !p.Terminal:
		fmt.Fprintln(p.W, line)
	case done == total:
		fmt.Fprintf(p.W, "\r%s\n", line)
	default:
		fmt.Fprintf(p.W, "\r%s", line)
	}
}
