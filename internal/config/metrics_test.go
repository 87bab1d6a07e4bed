package config_test

import (
	"io"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/config"
)

func TestMetricsAddr(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{name: "off by default"},
		{name: "flag", args: []string{"--metrics-addr", "127.0.0.1:9091"}, want: "127.0.0.1:9091"},
		{name: "environment", env: map[string]string{"RELGRAPH_METRICS_ADDR": ":9091"}, want: ":9091"},
		{name: "flag wins over environment", args: []string{"--metrics-addr", "127.0.0.1:9092"},
			env: map[string]string{"RELGRAPH_METRICS_ADDR": ":9091"}, want: "127.0.0.1:9092"},
		{name: "not an address", args: []string{"--metrics-addr", "9091"}, wantErr: true},
		{name: "the public address", args: []string{"--addr", "127.0.0.1:8080", "--metrics-addr", "127.0.0.1:8080"}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := config.Load(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("expected an error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.MetricsAddr != tc.want {
				t.Errorf("MetricsAddr = %q, want %q", got.MetricsAddr, tc.want)
			}
		})
	}
}

func TestHelpListsMetricsFlag(t *testing.T) {
	var usage strings.Builder
	_, _ = config.Load([]string{"-h"}, func(string) string { return "" }, &usage)
	for _, want := range []string{"-metrics-addr", "RELGRAPH_METRICS_ADDR", "/metrics"} {
		if !strings.Contains(usage.String(), want) {
			t.Errorf("usage does not mention %s", want)
		}
	}
}
