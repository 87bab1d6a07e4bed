// Command relgraph-load measures a relgraph server under load, on this
// machine only:
//
//	relgraph-load seed -db PATH|postgres://... -apps N -deps-per-app K -seed S
//	relgraph-load run -url http://127.0.0.1:PORT/graphql -clients 50 -duration 30s [-mix impact=4,list=4,write=2[,edit=N]] [-token T] [-pid PID]
//	relgraph-load rss -pid PID
//	relgraph-load import -url http://127.0.0.1:PORT/graphql -apps N -deps-per-app K [-batch 5000]
//
// seed migrates the database and stores a synthetic portfolio in it (an
// empty one: it refuses a database with applications). run drives a running
// server with concurrent clients and prints a markdown table of latencies,
// errors and throughput (and, with -pid, the server's peak memory); it exits
// with status 1 if any request failed. rss prints a process's resident
// memory now and at its peak.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/relgraph/relgraph/internal/loadgen"
	"github.com/relgraph/relgraph/store"
)

const usage = `relgraph-load: measure a relgraph server under load (loopback only).

Usage:
  relgraph-load seed -db PATH|postgres://... -apps N -deps-per-app K [-seed S]
  relgraph-load run -url http://127.0.0.1:PORT/graphql [-clients 50] [-duration 30s] [-mix impact=4,list=4,write=2[,edit=N]] [-token T] [-pid PID]
  relgraph-load rss -pid PID
  relgraph-load import -url http://127.0.0.1:PORT/graphql -apps N -deps-per-app K [-batch 5000] [-token T]

Run "relgraph-load COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "relgraph-load:", err)
	}
	os.Exit(code)
}

// run executes the command in args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2, nil
	}
	var err error
	switch args[0] {
	case "seed":
		err = seed(ctx, args[1:], stdout, stderr)
	case "run":
		return load(ctx, args[1:], stdout, stderr)
	case "rss":
		err = rss(args[1:], stdout, stderr)
	case "import":
		err = importPortfolio(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0, nil
	default:
		fmt.Fprint(stderr, usage)
		return 2, fmt.Errorf("unknown command %q", args[0])
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0, nil
	}
	if err != nil {
		return 1, err
	}
	return 0, nil
}

func seed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", "", "the database, as relgraph's --db: an SQLite file path or file: URI, or a postgres:// URL")
	apps := fs.Int("apps", 10_000, "applications")
	deps := fs.Int("deps-per-app", 5, "dependencies per application, on average")
	s := fs.Int64("seed", 1, "seed of the synthetic portfolio")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dsn == "" || fs.NArg() > 0 {
		return errors.New("seed: want -db and flags only")
	}
	start := time.Now()
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	seeded, err := loadgen.Seed(ctx, db, *apps, *deps, *s)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %s (%s): %d applications, %d dependencies, %d releases, %d changes in %s\n",
		store.Redact(*dsn), db.Dialect, seeded.Applications, seeded.Dependencies, seeded.Releases, seeded.Changes,
		time.Since(start).Round(100*time.Millisecond))
	return nil
}

func load(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg loadgen.Config
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080/graphql", "the server's GraphQL endpoint, on a loopback address")
	fs.StringVar(&cfg.Token, "token", os.Getenv("RELGRAPH_TOKEN"), "API token (an EDITOR's, for the writes), if the server requires one (RELGRAPH_TOKEN)")
	fs.IntVar(&cfg.Clients, "clients", 50, "concurrent clients")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long the clients send requests")
	mix := fs.String("mix", loadgen.DefaultMix.String(), "weights of the operations")
	fs.DurationVar(&cfg.RequestTimeout, "timeout", loadgen.DefaultRequestTimeout, "bound on one request")
	fs.Int64Var(&cfg.Seed, "seed", 0, "seed of the clients' choices (0: from the clock)")
	fs.IntVar(&cfg.PID, "pid", 0, "the server's process id, to sample its resident memory during the run")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, nil
		}
		return 2, err
	}
	if fs.NArg() > 0 {
		return 2, errors.New("run: want flags only")
	}
	var err error
	if cfg.Mix, err = loadgen.ParseMix(*mix); err != nil {
		return 2, err
	}
	rep, err := loadgen.Run(ctx, cfg)
	if rep.Total.Count > 0 {
		if werr := rep.WriteMarkdown(stdout); werr != nil {
			return 1, werr
		}
	}
	switch {
	case err != nil:
		return 1, err
	case rep.Total.Errors > 0:
		return 1, fmt.Errorf("%d of %d requests failed", rep.Total.Errors, rep.Total.Count)
	}
	return 0, nil
}

func rss(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rss", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pid := fs.Int("pid", 0, "process id")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pid <= 0 || fs.NArg() > 0 {
		return errors.New("rss: want -pid PID")
	}
	m, err := loadgen.ReadMemory(*pid)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pid %d: VmRSS %.1f MiB, VmHWM %.1f MiB\n", *pid, float64(m.RSS)/(1<<20), float64(m.HWM)/(1<<20))
	return nil
}

// importPortfolio loads a synthetic portfolio through the public API with
// the bulk mutations and prints how long it took.
func importPortfolio(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg loadgen.ImportConfig
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080/graphql", "the server's GraphQL endpoint, on a loopback address")
	fs.StringVar(&cfg.Token, "token", os.Getenv("RELGRAPH_TOKEN"), "an EDITOR's API token, if the server requires one (RELGRAPH_TOKEN)")
	fs.IntVar(&cfg.Apps, "apps", 10000, "applications")
	fs.IntVar(&cfg.DepsPerApp, "deps-per-app", 5, "dependencies per application, on average")
	fs.IntVar(&cfg.Batch, "batch", 5000, "records a request")
	fs.Int64Var(&cfg.Seed, "seed", 1, "seed of the synthetic portfolio")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rep, err := loadgen.Import(ctx, cfg)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "imported %d applications in %s and %d dependencies in %s (%d requests, %s in all)\n",
		rep.Apps, rep.AppsTime.Round(time.Millisecond), rep.Dependencies, rep.DepsTime.Round(time.Millisecond),
		rep.Requests, (rep.AppsTime + rep.DepsTime).Round(time.Millisecond))
	return err
}
