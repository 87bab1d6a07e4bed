// Package config reads relgraph's configuration from command-line flags and
// environment variables in one place. A flag given on the command line wins
// over its environment variable, which wins over the default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// Config is the server's configuration.
type Config struct {
	// Addr is the listen address.
	Addr string
	// DB is an SQLite path or file: URI, or a postgres:// URL.
	DB string
	// Demo loads the demo portfolio into an empty database at start-up.
	Demo bool
	// CORSOrigins are the browser origins allowed to call the API.
	CORSOrigins []string
	// ShutdownTimeout bounds how long in-flight requests may finish.
	ShutdownTimeout time.Duration
	// LogFormat is "text" or "json".
	LogFormat string
	// Command is what to do: "serve" (default) or "migrate".
	Command string
}

// Load parses args (without the program name) with getenv supplying the
// environment. It returns flag.ErrHelp after printing usage for -h.
func Load(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var (
		cfg     Config
		origins string
		err     error
	)
	fs := flag.NewFlagSet("relgraph", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.Usage = func() {
		fmt.Fprint(usage, `relgraph: a release-management GraphQL API.

Usage:
  relgraph [flags]            serve the API (migrates the schema first)
  relgraph [flags] migrate    migrate the schema and exit

Flags (each also read from the environment variable shown):
`)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.Addr, "addr", env("RELGRAPH_ADDR", "127.0.0.1:8080"), "listen address (RELGRAPH_ADDR)")
	fs.StringVar(&cfg.DB, "db", env("RELGRAPH_DB", "relgraph.db"), "SQLite file path or file: URI, or a postgres:// URL (RELGRAPH_DB)")
	demoDefault, err := parseBool(env("RELGRAPH_DEMO", "false"))
	if err != nil {
		return cfg, fmt.Errorf("RELGRAPH_DEMO: %w", err)
	}
	fs.BoolVar(&cfg.Demo, "demo", demoDefault, "load the demo portfolio into an empty database (RELGRAPH_DEMO)")
	fs.StringVar(&origins, "cors-origins", env("RELGRAPH_CORS_ORIGINS", ""), "comma-separated browser origins allowed to call the API, or * (RELGRAPH_CORS_ORIGINS)")
	shutdown, err := time.ParseDuration(env("RELGRAPH_SHUTDOWN_TIMEOUT", "15s"))
	if err != nil {
		return cfg, fmt.Errorf("RELGRAPH_SHUTDOWN_TIMEOUT: %w", err)
	}
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", shutdown, "how long in-flight requests may finish on shutdown (RELGRAPH_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&cfg.LogFormat, "log-format", env("RELGRAPH_LOG_FORMAT", "text"), "log format: text or json (RELGRAPH_LOG_FORMAT)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	switch rest := fs.Args(); {
	case len(rest) == 0:
		cfg.Command = "serve"
	case len(rest) == 1 && (rest[0] == "serve" || rest[0] == "migrate"):
		cfg.Command = rest[0]
	default:
		return cfg, fmt.Errorf("unknown command %q (want serve or migrate)", strings.Join(rest, " "))
	}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.CORSOrigins = append(cfg.CORSOrigins, strings.TrimSuffix(o, "/"))
		}
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return cfg, fmt.Errorf("log format %q: want text or json", cfg.LogFormat)
	}
	if cfg.DB == "" {
		return cfg, errors.New("no database: set --db or RELGRAPH_DB")
	}
	return cfg, nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "t", "true", "yes", "on":
		return true, nil
	case "0", "f", "false", "no", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", s)
}
