// Package freetext holds the rules for text people write into the record
// in their own words (an override's reason, an actor's name): it must show
// something (not only spaces or invisible characters), hold no control
// characters, and stay within a length a person would write.
package freetext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the audit trail's free-text fields, in characters.
const (
	MaxReason = 1000
	MaxActor  = 200
)

// Clean returns s without the white space and invisible characters (format
// characters such as a zero-width space or a byte-order mark) around it, or
// an error saying why s cannot be stored: invalid UTF-8, a control character
// within the text (a NUL, an escape, a line break), nothing visible, or more
// than max characters.
func Clean(s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("must be valid UTF-8 text")
	}
	s = strings.TrimFunc(s, invisible)
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", fmt.Errorf("must not contain control characters (found %U)", r)
		}
	}
	if s == "" {
		return "", fmt.Errorf("must contain visible text")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", fmt.Errorf("is too long: %d characters, at most %d", n, max)
	}
	return s, nil
}

// Blank reports whether s shows nothing: it is empty, or white space and
// invisible characters only.
func Blank(s string) bool {
	return strings.TrimFunc(s, invisible) == ""
}

// Sanitize is Clean for text a person did not type for relgraph (a request
// header): control characters are dropped rather than refused and the text
// is cut at max characters; ok is false when nothing visible remains.
func Sanitize(s string, max int) (clean string, ok bool) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.TrimFunc(s, invisible)
	if runes := []rune(s); len(runes) > max {
		s = strings.TrimFunc(string(runes[:max]), invisible)
	}
	return s, s != ""
}

// invisible reports characters that show nothing: spaces and format
// characters (Unicode category Cf: zero-width space and joiners, bidi
// marks, the byte-order mark).
func invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || r == '\u2800' || r == '\u3164' || r == '\u115f' || r == '\u1160'
}
