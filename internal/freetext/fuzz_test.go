package freetext_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/relgraph/relgraph/internal/freetext"
)

// FuzzClean checks the free-text rules on any input: Clean never panics,
// and what it accepts is valid UTF-8, holds no control characters (nor line
// or paragraph separators, nor direction overrides), has no white space or
// invisible characters at either end, shows a visible character, is at most
// max characters long, and is accepted again unchanged (Clean is
// idempotent); what Blank calls blank, Clean refuses; and what Sanitize
// returns as ok, Clean accepts unchanged. Each input is checked at its own
// limit and at the limits of the audit trail's fields.
func FuzzClean(f *testing.F) {
	for _, s := range []string{
		"CAB-4411 ok", "  \t agreed \u00a0", "\u200b\ufeffagreed\u200d", "a\u200bb", "согласен", "", "   ",
		"\u200b\u200c\u200d\u2060", "\u3164", "\u0000", "ok\n", "ok\u0000ok", "ok\u001b[31m", "line\nbreak", "\xff",
		strings.Repeat("é", 11), strings.Repeat("é", 12), "cafe\u0301", "\u0301", "\ufe0f", "\uffa0", "\U0001d159",
		"\ue000", "ok\uffff", "a\u2028b", "ok \u202etxet", "\u2066ok", " alice ", "al\u0000ice\n", "\xffbob",
		"123456789 \u200bz", "\u0085ok\u0085", "ok\u00ad", "\u00adok", "\ufffd", "a\ufffdb", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xc0\xaf", "a\xe2\x82", "\U000e0001tag", "\u061c", "\u200e\u200fok", "\U0010fffd",
		"\u115f\u1160", "\u2800x\u2800", "e\u0301\u0301\u0301", strings.Repeat("x", freetext.MaxActor+1),
		strings.Repeat(" x", freetext.MaxReason), "😀", "👩\u200d👩\u200d👧",
	} {
		f.Add(s, uint16(11))
	}
	f.Fuzz(func(t *testing.T, s string, n uint16) {
		for _, limit := range []int{int(n % 1100), freetext.MaxActor, freetext.MaxReason} {
			checkClean(t, s, limit)
			checkSanitize(t, s, limit)
		}
	})
}

func checkClean(t *testing.T, s string, limit int) {
	t.Helper()
	out, err := freetext.Clean(s, limit)
	if err != nil {
		if out != "" {
			t.Errorf("Clean(%q, %d) refused with %v but returned %q", s, limit, err, out)
		}
		return
	}
	if freetext.Blank(s) {
		t.Errorf("Clean(%q, %d) = %q: accepted what Blank calls blank", s, limit, out)
	}
	if !utf8.ValidString(out) {
		t.Fatalf("Clean(%q, %d) = %q: not valid UTF-8", s, limit, out)
	}
	if n := utf8.RuneCountInString(out); n > limit {
		t.Errorf("Clean(%q, %d) = %q: %d characters", s, limit, out, n)
	}
	shows := false
	for _, r := range out {
		if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) || isBidiControl(r) {
			t.Errorf("Clean(%q, %d) = %q: holds the control character %U", s, limit, out, r)
		}
		if unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) {
			shows = true
		}
	}
	if !shows {
		t.Errorf("Clean(%q, %d) = %q: nothing visible", s, limit, out)
	}
	first, _ := utf8.DecodeRuneInString(out)
	last, _ := utf8.DecodeLastRuneInString(out)
	for _, r := range []rune{first, last} {
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			t.Errorf("Clean(%q, %d) = %q: starts or ends with %U", s, limit, out, r)
		}
	}
	if again, err := freetext.Clean(out, limit); again != out || err != nil {
		t.Errorf("Clean is not idempotent: Clean(%q, %d) = %q, but Clean(%q, %d) = %q, %v", s, limit, out, out, limit, again, err)
	}
}

func checkSanitize(t *testing.T, s string, limit int) {
	t.Helper()
	out, ok := freetext.Sanitize(s, limit)
	if !ok {
		return
	}
	if again, err := freetext.Clean(out, limit); again != out || err != nil {
		t.Errorf("Sanitize(%q, %d) = %q, which Clean does not accept unchanged: %q, %v", s, limit, out, again, err)
	}
}

// isBidiControl reports the characters that override or embed text
// direction (U+202A-U+202E, U+2066-U+2069), which Clean refuses.
func isBidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}
