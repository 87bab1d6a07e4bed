package config_test

import (
	"io"
	"slices"
	"strings"
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
		{name: "CORS headers", args: []string{"--cors-headers", " X-Tenant ,baggage,"}, env: map[string]string{"RELGRAPH_CORS_HEADERS": "X-Other"},
			want: config.Config{Addr: "127.0.0.1:8080", DB: "relgraph.db", CORSHeaders: []string{"X-Tenant", "baggage"}, ShutdownTimeout: 15 * time.Second, LogFormat: "text", Command: "serve"}},
		{name: "CORS headers from the environment", env: map[string]string{"RELGRAPH_CORS_HEADERS": "X-Tenant,*"},
			want: config.Config{Addr: "127.0.0.1:8080", DB: "relgraph.db", CORSHeaders: []string{"X-Tenant", "*"}, ShutdownTimeout: 15 * time.Second, LogFormat: "text", Command: "serve"}},
		{name: "bad CORS header", args: []string{"--cors-headers", "X-Tenant,X Bad"}, wantErr: true},
		{name: "CORS header with a colon", env: map[string]string{"RELGRAPH_CORS_HEADERS": "X-Tenant:1"}, wantErr: true},
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
				!slices.Equal(got.CORSHeaders, tc.want.CORSHeaders) ||
				(tc.want.IdempotencyTTL != 0 && got.IdempotencyTTL != tc.want.IdempotencyTTL) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestLoadCatalogCommands(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		command string
		want    config.CatalogCommand
		wantErr bool
	}{
		{name: "import backstage", args: []string{"--db", "x.db", "import", "backstage", "a.yaml", "b/catalog-info.yaml"},
			command: "import", want: config.CatalogCommand{Format: "backstage", Files: []string{"a.yaml", "b/catalog-info.yaml"}}},
		{name: "import backstage dry", args: []string{"import", "backstage", "--dry-run", "a.yaml"},
			command: "import", want: config.CatalogCommand{Format: "backstage", Files: []string{"a.yaml"}, DryRun: true}},
		{name: "import csv", args: []string{"import", "csv", "--applications", "apps.csv", "--dependencies", "deps.csv"},
			command: "import", want: config.CatalogCommand{Format: "csv", Applications: "apps.csv", Dependencies: "deps.csv"}},
		{name: "import csv dependencies only", args: []string{"import", "csv", "--dependencies", "deps.csv"},
			command: "import", want: config.CatalogCommand{Format: "csv", Dependencies: "deps.csv"}},
		{name: "export csv", args: []string{"export", "csv", "--applications", "apps.csv", "--dependencies", "deps.csv"},
			command: "export", want: config.CatalogCommand{Format: "csv", Applications: "apps.csv", Dependencies: "deps.csv"}},
		{name: "import without files", args: []string{"import", "backstage"}, wantErr: true},
		{name: "import without a format", args: []string{"import"}, wantErr: true},
		{name: "import of an unknown format", args: []string{"import", "json", "a.json"}, wantErr: true},
		{name: "import csv without files", args: []string{"import", "csv"}, wantErr: true},
		{name: "import csv with stray arguments", args: []string{"import", "csv", "--applications", "a.csv", "b.csv"}, wantErr: true},
		{name: "export backstage", args: []string{"export", "backstage", "a.yaml"}, wantErr: true},
		{name: "export dry run", args: []string{"export", "csv", "--dry-run", "--applications", "a.csv"}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := config.Load(tc.args, func(string) string { return "" }, io.Discard)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("expected an error, got %+v", got.Catalog)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := got.Catalog
			if got.Command != tc.command || c.Format != tc.want.Format || !slices.Equal(c.Files, tc.want.Files) ||
				c.Applications != tc.want.Applications || c.Dependencies != tc.want.Dependencies || c.DryRun != tc.want.DryRun {
				t.Fatalf("got %s %+v\nwant %+v", got.Command, c, tc.want)
			}
		})
	}
}

// TestHelpListsEndpoints: --help names every endpoint the server serves.
func TestHelpListsEndpoints(t *testing.T) {
	var out strings.Builder
	_, err := config.Load([]string{"--help"}, func(string) string { return "" }, &out)
	if err == nil {
		t.Fatal("--help returned no error")
	}
	for _, endpoint := range []string{"/graphql", "/graph?release=ID", "/schema.graphql", "/releases/ID/regression.csv", "/healthz", "/readyz", "GraphiQL"} {
		if !strings.Contains(out.String(), endpoint) {
			t.Errorf("--help does not list %s:\n%s", endpoint, out.String())
		}
	}
}
