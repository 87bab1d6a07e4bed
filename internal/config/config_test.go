package config_test

import (
	"io"
	"slices"
	"testing"
	"time"

	"github.com/relgraph/relgraph/internal/config"
)

func TestLoad(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		want    config.Config
		wantErr bool
	}{
		{name: "defaults", want: config.Config{Addr: "127.0.0.1:8080", DB: "relgraph.db", ShutdownTimeout: 15 * time.Second, LogFormat: "text", Command: "serve", IdempotencyTTL: 24 * time.Hour}},
		{name: "environment", env: map[string]string{
			"RELGRAPH_ADDR": ":9000", "RELGRAPH_DB": "postgres://u@h/db", "RELGRAPH_DEMO": "true",
			"RELGRAPH_CORS_ORIGINS": "https://a.example, https://b.example/", "RELGRAPH_LOG_FORMAT": "json",
		}, want: config.Config{Addr: ":9000", DB: "postgres://u@h/db", Demo: true, CORSOrigins: []string{"https://a.example", "https://b.example"},
			ShutdownTimeout: 15 * time.Second, LogFormat: "json", Command: "serve"}},
		{name: "flags win over environment", args: []string{"--addr", ":7000", "--demo=false", "--cors-origins", "*", "migrate"},
			env:  map[string]string{"RELGRAPH_ADDR": ":9000", "RELGRAPH_DEMO": "1"},
			want: config.Config{Addr: ":7000", DB: "relgraph.db", CORSOrigins: []string{"*"}, ShutdownTimeout: 15 * time.Second, LogFormat: "text", Command: "migrate"}},
		{name: "unknown command", args: []string{"explode"}, wantErr: true},
		{name: "bad boolean", env: map[string]string{"RELGRAPH_DEMO": "maybe"}, wantErr: true},
		{name: "bad log format", args: []string{"--log-format", "xml"}, wantErr: true},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: true},
		{name: "idempotency TTL", args: []string{"--idempotency-ttl", "90m"}, env: map[string]string{"RELGRAPH_IDEMPOTENCY_TTL": "1h"},
			want: config.Config{Addr: "127.0.0.1:8080", DB: "relgraph.db", ShutdownTimeout: 15 * time.Second, LogFormat: "text", Command: "serve", IdempotencyTTL: 90 * time.Minute}},
		{name: "idempotency TTL from the environment", env: map[string]string{"RELGRAPH_IDEMPOTENCY_TTL": "1h"},
			want: config.Config{Addr: "127.0.0.1:8080", DB: "relgraph.db", ShutdownTimeout: 15 * time.Second, LogFormat: "text", Command: "serve", IdempotencyTTL: time.Hour}},
		{name: "bad idempotency TTL", args: []string{"--idempotency-ttl", "0s"}, wantErr: true},
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
			if got.Addr != tc.want.Addr || got.DB != tc.want.DB || got.Demo != tc.want.Demo || got.LogFormat != tc.want.LogFormat ||
				got.Command != tc.want.Command || got.ShutdownTimeout != tc.want.ShutdownTimeout || !slices.Equal(got.CORSOrigins, tc.want.CORSOrigins) ||
				(tc.want.IdempotencyTTL != 0 && got.IdempotencyTTL != tc.want.IdempotencyTTL) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
