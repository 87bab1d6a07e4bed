// Package config reads relgraph's configuration from command-line flags and
// environment variables in one place. A flag given on the command line wins
// over its environment variable, which wins over the default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Config is the server's configuration.
type Config struct {
	// Addr is the listen address.
	Addr string
	// MetricsAddr is the listen address of the Prometheus metrics
	// endpoint (/metrics); empty means metrics are not served.
	MetricsAddr string
	// DB is an SQLite path or file: URI, or a postgres:// URL.
	DB string
	// Demo loads the demo portfolio into an empty database at start-up.
	Demo bool
	// NoMigrate skips applying schema migrations at start-up; the server
	// then refuses a database that lacks one (run `relgraph migrate`).
	NoMigrate bool
	// CORSOrigins are the browser origins allowed to call the API.
	CORSOrigins []string
	// CORSHeaders are request headers that browsers on those origins may
	// send, besides the server's defaults.
	CORSHeaders []string
	// ShutdownTimeout bounds how long in-flight requests may finish.
	ShutdownTimeout time.Duration
	// LogFormat is "text" or "json".
	LogFormat string
	// Command is what to do: "serve" (default), "migrate", "token",
	// "backup", "import" or "export".
	Command string
	// Auth is "required" or "off": whether requests need a token. It
	// defaults to off on a loopback address and required anywhere else.
	Auth string
	// AllowedHosts are the Host header names the server answers ("*": any).
	AllowedHosts []string
	// RequestTimeout bounds the work of one request.
	RequestTimeout time.Duration
	// IdempotencyTTL is how long a response to a request sent with an
	// Idempotency-Key is kept for replay.
	IdempotencyTTL time.Duration
	// Token is the token command: Action "create", "list" or "revoke",
	// with the token's Name and Role.
	Token TokenCommand
	// BackupOut is the file the backup command writes.
	BackupOut string
	// Catalog is the import or export command's format and files.
	Catalog CatalogCommand
}

// CatalogCommand is what `relgraph import ...` and `relgraph export ...`
// do: Format "backstage" (import only) with Files, or "csv" with the
// Applications and Dependencies files (either may be empty, not both).
type CatalogCommand struct {
	Format                     string
	Files                      []string
	Applications, Dependencies string
	// DryRun runs the import and rolls it back, reporting what it would do.
	DryRun bool
}

// TokenCommand is what `relgraph token ...` does.
type TokenCommand struct {
	Action, Name, Role string
}

// AuthRequired reports whether requests need a token.
func (c Config) AuthRequired() bool { return c.Auth == "required" }

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
  relgraph [flags]                                   serve the API (migrates the schema first, unless --no-migrate)
  relgraph [flags] migrate                           migrate the schema and exit
  relgraph [flags] token create --name N --role R    create an API token (R: VIEWER, EDITOR or ADMIN); prints its secret once
  relgraph [flags] token list                        list the tokens
  relgraph [flags] token revoke NAME                 revoke a token
  relgraph [flags] backup --out FILE                 copy a live SQLite database consistently to FILE
  relgraph [flags] import backstage [--dry-run] FILE...
                                                     import Backstage catalog files (catalog-info.yaml) as applications and dependencies
  relgraph [flags] import csv [--dry-run] --applications FILE [--dependencies FILE]
                                                     import applications.csv and dependencies.csv
  relgraph [flags] export csv --applications FILE --dependencies FILE
                                                     export every application and dependency as CSV

Endpoints (on --addr):
  /                    GraphiQL, the in-browser IDE (embedded, works offline)
  /graphql             the GraphQL API: POST a JSON body, or GET for queries
  /graph?release=ID    a release's impact and conflicts, drawn in the browser
  /schema.graphql      the public schema (SDL) for code generators; no token needed
  /releases/ID/regression.csv
                       a release's regression scope as CSV (same token as /graphql)
  /healthz             200 "ok" while the process is up
  /readyz              200 "ok" while the database is reachable, else 503

On --metrics-addr, if set (never on --addr):
  /metrics             Prometheus metrics

Flags (each also read from the environment variable shown):
`)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.Addr, "addr", env("RELGRAPH_ADDR", "127.0.0.1:8080"), "listen address (RELGRAPH_ADDR)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", env("RELGRAPH_METRICS_ADDR", ""), "listen address of the Prometheus metrics endpoint /metrics, apart from --addr, e.g. 127.0.0.1:9091; empty: no metrics (RELGRAPH_METRICS_ADDR)")
	fs.StringVar(&cfg.DB, "db", env("RELGRAPH_DB", "relgraph.db"), "SQLite file path or file: URI, or a postgres:// URL (RELGRAPH_DB)")
	demoDefault, err := parseBool(env("RELGRAPH_DEMO", "false"))
	if err != nil {
		return cfg, fmt.Errorf("RELGRAPH_DEMO: %w", err)
	}
	fs.BoolVar(&cfg.Demo, "demo", demoDefault, "load the demo portfolio into an empty database (RELGRAPH_DEMO)")
	noMigrate, err := parseBool(env("RELGRAPH_NO_MIGRATE", "false"))
	if err != nil {
		return cfg, fmt.Errorf("RELGRAPH_NO_MIGRATE: %w", err)
	}
	fs.BoolVar(&cfg.NoMigrate, "no-migrate", noMigrate, "do not apply schema migrations at start-up; refuse a database that lacks one (run relgraph migrate) (RELGRAPH_NO_MIGRATE)")
	fs.StringVar(&origins, "cors-origins", env("RELGRAPH_CORS_ORIGINS", ""), "comma-separated browser origins allowed to call the API, or * (RELGRAPH_CORS_ORIGINS)")
	var corsHeaders string
	fs.StringVar(&corsHeaders, "cors-headers", env("RELGRAPH_CORS_HEADERS", ""), "comma-separated request headers browsers on --cors-origins may send besides the defaults (Content-Type, Authorization, Accept, X-Actor, Idempotency-Key, X-Request-ID, W3C Trace Context's and Apollo clients'), or * (RELGRAPH_CORS_HEADERS)")
	shutdown, err := time.ParseDuration(env("RELGRAPH_SHUTDOWN_TIMEOUT", "15s"))
	if err != nil {
		return cfg, fmt.Errorf("RELGRAPH_SHUTDOWN_TIMEOUT: %w", err)
	}
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", shutdown, "how long in-flight requests may finish on shutdown (RELGRAPH_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&cfg.LogFormat, "log-format", env("RELGRAPH_LOG_FORMAT", "text"), "log format: text or json (RELGRAPH_LOG_FORMAT)")
	fs.StringVar(&cfg.Auth, "auth", env("RELGRAPH_AUTH", ""), "required or off: whether requests need an API token; default off on a loopback --addr, required otherwise (RELGRAPH_AUTH)")
	var hosts string
	fs.StringVar(&hosts, "allowed-hosts", env("RELGRAPH_ALLOWED_HOSTS", ""), "comma-separated Host names the server answers, or *; default the --addr host and localhost, any host when --addr is 0.0.0.0 or [::] (RELGRAPH_ALLOWED_HOSTS)")
	timeout, err := time.ParseDuration(env("RELGRAPH_REQUEST_TIMEOUT", "10s"))
	if err != nil {
		return cfg, fmt.Errorf("RELGRAPH_REQUEST_TIMEOUT: %w", err)
	}
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", timeout, "how long one request may work before it is cancelled (RELGRAPH_REQUEST_TIMEOUT)")
	ttl, err := time.ParseDuration(env("RELGRAPH_IDEMPOTENCY_TTL", "24h"))
	if err != nil {
		return cfg, fmt.Errorf("RELGRAPH_IDEMPOTENCY_TTL: %w", err)
	}
	fs.DurationVar(&cfg.IdempotencyTTL, "idempotency-ttl", ttl, "how long the response to a request with an Idempotency-Key header is kept for replay (RELGRAPH_IDEMPOTENCY_TTL)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if err := parseCommand(&cfg, fs.Args(), usage); err != nil {
		return cfg, err
	}
	if err := defaultAuth(&cfg, hosts); err != nil {
		return cfg, err
	}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.CORSOrigins = append(cfg.CORSOrigins, strings.TrimSuffix(o, "/"))
		}
	}
	for _, h := range strings.Split(corsHeaders, ",") {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		if !isToken(h) {
			return cfg, fmt.Errorf("--cors-headers: %q is not a header name", h)
		}
		cfg.CORSHeaders = append(cfg.CORSHeaders, h)
	}
	if cfg.IdempotencyTTL <= 0 {
		return cfg, fmt.Errorf("idempotency TTL %s: want a positive duration", cfg.IdempotencyTTL)
	}
	if cfg.MetricsAddr != "" {
		_, port, err := net.SplitHostPort(cfg.MetricsAddr)
		if err != nil {
			return cfg, fmt.Errorf("--metrics-addr: %w", err)
		}
		if cfg.MetricsAddr == cfg.Addr && port != "0" {
			return cfg, errors.New("--metrics-addr must differ from --addr: metrics are not served on the public listener")
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

// parseCommand reads the command and its own flags.
func parseCommand(cfg *Config, rest []string, usage io.Writer) error {
	if len(rest) == 0 {
		cfg.Command = "serve"
		return nil
	}
	cfg.Command = rest[0]
	switch {
	case (rest[0] == "serve" || rest[0] == "migrate") && len(rest) == 1:
		return nil
	case rest[0] == "import" || rest[0] == "export":
		return parseCatalogCommand(cfg, rest, usage)
	case rest[0] == "backup":
		fs := flag.NewFlagSet("relgraph backup", flag.ContinueOnError)
		fs.SetOutput(usage)
		fs.StringVar(&cfg.BackupOut, "out", "", "file to write the copy to (must not exist)")
		if err := fs.Parse(rest[1:]); err != nil {
			return err
		}
		if cfg.BackupOut == "" || fs.NArg() > 0 {
			return errors.New("usage: relgraph backup --out FILE")
		}
		return nil
	case rest[0] == "token" && len(rest) >= 2:
		cfg.Token.Action = rest[1]
		switch rest[1] {
		case "create":
			fs := flag.NewFlagSet("relgraph token create", flag.ContinueOnError)
			fs.SetOutput(usage)
			fs.StringVar(&cfg.Token.Name, "name", "", "who or what uses the token")
			fs.StringVar(&cfg.Token.Role, "role", "", "VIEWER, EDITOR or ADMIN")
			if err := fs.Parse(rest[2:]); err != nil {
				return err
			}
			if cfg.Token.Name == "" || cfg.Token.Role == "" || fs.NArg() > 0 {
				return errors.New("usage: relgraph token create --name NAME --role VIEWER|EDITOR|ADMIN")
			}
			return nil
		case "list":
			if len(rest) == 2 {
				return nil
			}
		case "revoke":
			if len(rest) == 3 {
				cfg.Token.Name = rest[2]
				return nil
			}
			return errors.New("usage: relgraph token revoke NAME")
		}
	}
	return fmt.Errorf("unknown command %q (want serve, migrate, token create|list|revoke, backup, import or export)", strings.Join(rest, " "))
}

// parseCatalogCommand reads `import backstage|csv ...` and `export csv ...`.
func parseCatalogCommand(cfg *Config, rest []string, usage io.Writer) error {
	const (
		importUsage = "usage: relgraph import backstage [--dry-run] FILE... | relgraph import csv [--dry-run] --applications FILE [--dependencies FILE]"
		exportUsage = "usage: relgraph export csv --applications FILE --dependencies FILE"
	)
	want := importUsage
	if rest[0] == "export" {
		want = exportUsage
	}
	if len(rest) < 2 || (rest[1] != "csv" && (rest[1] != "backstage" || rest[0] == "export")) {
		return errors.New(want)
	}
	cmd := &cfg.Catalog
	cmd.Format = rest[1]
	fs := flag.NewFlagSet("relgraph "+rest[0]+" "+rest[1], flag.ContinueOnError)
	fs.SetOutput(usage)
	if rest[0] == "import" {
		fs.BoolVar(&cmd.DryRun, "dry-run", false, "run the import, print what it would change, and write nothing")
	}
	if cmd.Format == "csv" {
		fs.StringVar(&cmd.Applications, "applications", "", "the applications file (name,description,owner,criticality)")
		fs.StringVar(&cmd.Dependencies, "dependencies", "", "the dependencies file (consumer,provider,kind,description)")
	}
	if err := fs.Parse(rest[2:]); err != nil {
		return err
	}
	cmd.Files = fs.Args()
	switch {
	case cmd.Format == "backstage" && len(cmd.Files) == 0,
		cmd.Format == "csv" && (len(cmd.Files) > 0 || cmd.Applications == "" && cmd.Dependencies == ""):
		return errors.New(want)
	}
	return nil
}

// defaultAuth settles --auth and --allowed-hosts from the listen address:
// a server others can reach needs tokens by default, and one on loopback
// answers only its own names, so that a web page cannot reach it through
// DNS rebinding.
func defaultAuth(cfg *Config, hosts string) error {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", cfg.Addr, err)
	}
	switch cfg.Auth {
	case "":
		cfg.Auth = "required"
		if IsLoopback(host) {
			cfg.Auth = "off"
		}
	case "required", "off":
	default:
		return fmt.Errorf("--auth %q: want required or off", cfg.Auth)
	}
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.AllowedHosts = append(cfg.AllowedHosts, strings.ToLower(h))
		}
	}
	if len(cfg.AllowedHosts) == 0 {
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			cfg.AllowedHosts = []string{"*"}
		} else {
			cfg.AllowedHosts = []string{strings.ToLower(host), "localhost", "127.0.0.1", "::1"}
		}
	}
	return nil
}

// IsLoopback reports whether host (a name or an IP) is this machine only.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2), the
// syntax of a header name.
func isToken(s string) bool {
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
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
