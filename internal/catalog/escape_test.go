package catalog

import "testing"

// FuzzCellEscaping: what export writes, import reads back exactly, and no
// exported cell starts as a spreadsheet formula.
func FuzzCellEscaping(f *testing.F) {
	for _, s := range []string{"", "=1+1", "'=1", "''@x", "-", "'", "plain", "\t", "+49 30", "'quoted'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		escaped := escapeCells(s)[0]
		if escaped != "" && escaped[0] != '\'' && containsByte(formulaStart, escaped[0]) {
			t.Fatalf("%q is exported as a formula %q", s, escaped)
		}
		if back := unescapeCell(escaped); back != s {
			t.Fatalf("%q -> %q -> %q", s, escaped, back)
		}
	})
}

func containsByte(s string, b byte) bool {
	for i := range len(s) {
		if s[i] == b {
			return true
		}
	}
	return false
}
