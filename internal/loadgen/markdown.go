package loadgen

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteMarkdown writes the report as a markdown table, one row per
// operation and a total, followed by throughput, memory and errors.
func (rep Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d clients for %s against %s (mix %s; %d applications and %d releases known at start)\n\n",
		rep.Clients, rep.Duration, rep.URL, rep.Mix, rep.Applications, rep.Releases)
	b.WriteString("| operation | requests | p50 | p90 | p99 | max | errors | refused |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, op := range append(rep.Ops, rep.Total) {
		name := op.Name
		if op.Name == "all" {
			name = "**all**"
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %d | %d |\n",
			name, op.Count, ms(op.P50), ms(op.P90), ms(op.P99), ms(op.Max), op.Errors, op.Refused)
	}
	fmt.Fprintf(&b, "\n%d responses in %.1f s: %.0f requests/s.\n", rep.Total.Count, rep.Elapsed.Seconds(), rep.Throughput)
	if rep.PeakRSS > 0 {
		fmt.Fprintf(&b, "Server memory: peak RSS sampled %s, VmHWM %s.\n", mib(rep.PeakRSS), mib(rep.HWM))
	}
	if len(rep.Errors) > 0 {
		b.WriteString("\nErrors:\n\n")
		for _, e := range rep.Errors {
			fmt.Fprintf(&b, "- %d × %s\n", e.Count, e.Message)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if v < 10 {
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

func mib(bytes int64) string {
	return fmt.Sprintf("%.0f MiB", float64(bytes)/(1<<20))
}
