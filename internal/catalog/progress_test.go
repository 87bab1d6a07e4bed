package catalog_test

import (
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/catalog"
)

func TestProgress(t *testing.T) {
	run := func(p *catalog.Progress, total int) string {
		var b strings.Builder
		p.W = &b
		for done := 0; done <= total; done++ {
			p.Update(done, total)
		}
		return b.String()
	}
	if got := run(&catalog.Progress{Min: 1000}, 999); got != "" {
		t.Errorf("a small import showed progress: %q", got)
	}
	got := run(&catalog.Progress{}, 20)
	want := "importing: 0/20 records (0%)\nimporting: 2/20 records (10%)\nimporting: 4/20 records (20%)\n"
	if !strings.HasPrefix(got, want) || strings.Count(got, "\n") != 11 || !strings.HasSuffix(got, "importing: 20/20 records (100%)\n") {
		t.Errorf("log progress:\n%s", got)
	}
	got = run(&catalog.Progress{Terminal: true}, 200)
	if strings.Count(got, "\r") != 101 || strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\rimporting: 200/200 records (100%)\n") {
		t.Errorf("terminal progress: %q", got)
	}
}
