package scalar_test

import (
	"errors"
	"testing"
	"time"

	"github.com/relgraph/relgraph/graph/scalar"
	"github.com/relgraph/relgraph/internal/fault"
)

func TestUnmarshalTime(t *testing.T) {
	cases := []struct {
		in   any
		want string // RFC 3339 in UTC; "" means refused
	}{
		{"2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z"},
		{"2026-12-01T09:00:00+01:00", "2026-12-01T08:00:00Z"},
		{"2026-12-01T09:00:00.5-23:59", "2026-12-02T08:59:00.5Z"},
		{"9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"},
		{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
		{"0000-12-31T23:00:00-02:00", "0001-01-01T01:00:00Z"}, // its UTC value is in year 1
		{"9999-12-31T23:59:59-01:00", ""},                     // year 10000 in UTC
		{"0001-01-01T00:30:00+01:00", ""},                     // year 0 in UTC
		{"2026-12-01T09:00:00+24:00", ""},
		{"2026-12-01T09:00:00-99:00", ""},
		{"2026-12-01T09:00:00+01:60", ""},
		{"2026-12-01", ""},
		{"tomorrow", ""},
		{1700000000, ""},
	}
	for _, tc := range cases {
		got, err := scalar.UnmarshalTime(tc.in)
		if tc.want == "" {
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.BadUserInput {
				t.Errorf("UnmarshalTime(%v) = %v, %v; want BAD_USER_INPUT", tc.in, got, err)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339Nano) != tc.want || got.Location() != time.UTC {
			t.Errorf("UnmarshalTime(%v) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}
