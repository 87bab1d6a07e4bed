package freetext_test

import (
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/freetext"
)

func TestClean(t *testing.T) {
	cases := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", "CAB-4411 ok", "CAB-4411 ok", true},
		{"trimmed", "  \t agreed \u00a0", "agreed", true},
		{"invisible edges", "\u200b\ufeffagreed\u200d", "agreed", true},
		{"inner zero-width kept", "a\u200bb", "a\u200bb", true},
		{"non-latin", "согласен", "согласен", true},
		{"empty", "", "", false},
		{"only spaces", "   ", "", false},
		{"only zero-width", "\u200b\u200c\u200d\u2060", "", false},
		{"hangul filler", "\u3164", "", false},
		{"NUL", "\u0000", "", false},
		{"trailing line break trimmed", "ok\n", "ok", true},
		{"NUL inside", "ok\u0000ok", "", false},
		{"escape", "ok\u001b[31m", "", false},
		{"line break", "line\nbreak", "", false},
		{"invalid UTF-8", "\xff", "", false},
		{"at the limit", strings.Repeat("é", 11), strings.Repeat("é", 11), true},
		{"over the limit", strings.Repeat("é", 12), "", false},
		{"combining mark kept at the end", "cafe\u0301", "cafe\u0301", true},
		{"lone combining mark", "\u0301", "", false},
		{"variation selector", "\ufe0f", "", false},
		{"halfwidth hangul filler", "\uffa0", "", false},
		{"null notehead", "\U0001d159", "", false},
		{"private use only", "\ue000", "", false},
		{"noncharacter", "ok\uffff", "", false},
		{"line separator", "a\u2028b", "", false},
		{"bidi override", "ok \u202etxet", "", false},
		{"bidi isolate", "\u2066ok", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := freetext.Clean(tc.in, 11)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("Clean(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestSanitize(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{" alice ", "alice", true},
		{"al\u0000ice\n", "alice", true},
		{"\u200b", "", false},
		{"\xffbob", "bob", true},
		{strings.Repeat("x", 12), strings.Repeat("x", 10), true},
		{"123456789 \u200bz", "123456789", true},
	}
	for _, tc := range cases {
		got, ok := freetext.Sanitize(tc.in, 10)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Sanitize(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if ok {
			if _, err := freetext.Clean(got, 10); err != nil {
				t.Errorf("Sanitize(%q) = %q, which Clean refuses: %v", tc.in, got, err)
			}
		}
	}
}

func TestBlank(t *testing.T) {
	for in, want := range map[string]bool{"": true, " \t\n": true, "\u200b\ufeff": true, "\u0000": false, "a": false, " a ": false} {
		if got := freetext.Blank(in); got != want {
			t.Errorf("Blank(%q) = %v, want %v", in, got, want)
		}
	}
}
