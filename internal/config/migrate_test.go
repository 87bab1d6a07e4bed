package config_test

import (
	"io"
	"testing"

	"github.com/relgraph/relgraph/internal/config"
)

func TestNoMigrate(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		want    bool
		wantErr bool
	}{
		{name: "migrates by default"},
		{name: "flag", args: []string{"--no-migrate"}, want: true},
		{name: "environment", env: map[string]string{"RELGRAPH_NO_MIGRATE": "true"}, want: true},
		{name: "flag wins over environment", args: []string{"--no-migrate=false"}, env: map[string]string{"RELGRAPH_NO_MIGRATE": "1"}},
		{name: "bad boolean", env: map[string]string{"RELGRAPH_NO_MIGRATE": "maybe"}, wantErr: true},
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
			if got.NoMigrate != tc.want {
				t.Errorf("NoMigrate = %v, want %v", got.NoMigrate, tc.want)
			}
		})
	}
}
