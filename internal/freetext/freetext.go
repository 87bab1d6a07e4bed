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

// Clean returns s without the white space and invisible characters around
// it, or an error saying why s cannot be stored: invalid UTF-8; a control
// character, line or paragraph separator, bidirectional override or
// unassigned code point within it (they rearrange, hide or break the text
// where people read it); no visible character (a letter, digit, punctuation
// mark or symbol that shows); or more than max characters.
func Clean(s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("must be valid UTF-8 text")
	}
	s = strings.TrimFunc(s, invisible)
	shows := false
	for _, r := range s {
		switch {
		case unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) || bidiControl(r):
			return "", fmt.Errorf("must not contain control characters (found %U)", r)
		case !assigned(r):
			return "", fmt.Errorf("must not contain unassigned code points (found %U)", r)
		case visible(r):
			shows = true
		}
	}
	if !shows {
		return "", fmt.Errorf("must contain visible text")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", fmt.Errorf("is too long: %d characters, at most %d", n, max)
	}
	return s, nil
}

// Blank reports whether s is empty but for white space and invisible
// characters: a reason left blank, as opposed to one Clean refuses.
func Blank(s string) bool {
	return strings.TrimFunc(s, invisible) == ""
}

// Sanitize is Clean for text a person did not type for relgraph (a request
// header): what Clean refuses within the text is dropped rather than
// refused, and the text is cut at max characters; ok is false when nothing
// visible remains.
func Sanitize(s string, max int) (clean string, ok bool) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError || unicode.In(r, unicode.Zl, unicode.Zp) || bidiControl(r) || !assigned(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.TrimFunc(s, invisible)
	if runes := []rune(s); len(runes) > max {
		s = strings.TrimFunc(string(runes[:max]), invisible)
	}
	return s, strings.IndexFunc(s, visible) >= 0
}

// visible reports characters that show: letters, digits, punctuation and
// symbols, except those drawn as nothing (Hangul fillers, the blank Braille
// pattern, the null notehead).
func visible(r rune) bool {
	return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) && !blankGlyph(r)
}

func blankGlyph(r rune) bool {
	switch r {
	case '\u115f', '\u1160', '\u3164', '\uffa0', '\u2800', '\U0001d159':
		return true
	}
	return false
}

// invisible reports characters trimmed from the ends of free text: white
// space, format characters (zero-width space and joiners, the byte-order
// mark) and characters drawn as nothing. Combining marks stay: at the end
// they belong to the letter before them.
func invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) && !bidiControl(r) || blankGlyph(r)
}

// assigned reports whether r is a character of the Unicode version Go
// knows, not a noncharacter or an unassigned code point.
func assigned(r rune) bool {
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.Cc, unicode.Cf, unicode.Co)
}

// bidiControl reports the characters that override or embed text
// direction, with which displayed text can read other than it is stored.
func bidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}
