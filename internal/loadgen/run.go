package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Limits on a run: a load test is bounded in time and size.
const (
	MaxClients  = 1000
	MaxDuration = 10 * time.Minute
)

// DefaultRequestTimeout bounds one request unless Config says otherwise.
const DefaultRequestTimeout = 15 * time.Second

// DefaultDiscover is how many applications Run learns before the clock
// starts, unless Config says otherwise.
const DefaultDiscover = 100_000

// ErrNotLoopback is returned by Run for a URL whose host is not a loopback
// address: the load generator only ever talks to this machine.
var ErrNotLoopback = errors.New("loadgen: the server URL must name a loopback host (127.0.0.0/8, ::1 or localhost)")

// Mix weighs the operations each client picks from; a zero weight leaves
// an operation out.
type Mix struct {
	// Impact: a release's impact, node(id:) { ... on Release { impact } }.
	Impact int
	// List: a page of 50 applications after a random cursor (or from the
	// start), or, one time in four, the first 20 releases.
	List int
	// Write: a dependency between two random applications, or, one time in
	// two, a new application with a unique name.
	Write int
	// Edit: a random release's description, or, one time in two, a random
	// change moved to a random release: writes that the lifecycle rules
	// judge, and that take turns on a release (a DEPLOYED release's refusal
	// counts as a refusal, not an error).
	Edit int
}

// DefaultMix is four impact reads and four list reads to two writes.
var DefaultMix = Mix{Impact: 4, List: 4, Write: 2}

// ParseMix reads a mix written as "impact=4,list=4,write=2"; operations not
// named weigh zero.
func ParseMix(s string) (Mix, error) {
	var m Mix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		w, err := strconv.Atoi(strings.TrimSpace(value))
		if !ok || err != nil || w < 0 {
			return Mix{}, fmt.Errorf("loadgen: mix %q: want name=weight with a non-negative integer weight", part)
		}
		switch strings.TrimSpace(name) {
		case "impact":
			m.Impact = w
		case "list":
			m.List = w
		case "write":
			m.Write = w
		case "edit":
			m.Edit = w
		default:
			return Mix{}, fmt.Errorf("loadgen: mix %q: operations are impact, list, write and edit", part)
		}
	}
	if m.Impact+m.List+m.Write+m.Edit == 0 {
		return Mix{}, fmt.Errorf("loadgen: mix %q weighs nothing", s)
	}
	return m, nil
}

// String writes m as ParseMix reads it.
func (m Mix) String() string {
	s := fmt.Sprintf("impact=%d,list=%d,write=%d", m.Impact, m.List, m.Write)
	if m.Edit > 0 {
		s += fmt.Sprintf(",edit=%d", m.Edit)
	}
	return s
}

// Config describes a run.
type Config struct {
	// URL is the GraphQL endpoint, e.g. http://127.0.0.1:8080/graphql. Its
	// host must be a loopback address or resolve only to loopback addresses.
	URL string
	// Token, if set, is sent as "Authorization: Bearer <token>"; writes need
	// an EDITOR token when the server requires authentication.
	Token string
	// Clients is how many clients send requests concurrently, each waiting
	// for its response before sending the next.
	Clients int
	// Duration is how long clients keep starting requests; requests in
	// flight at the end are completed and counted.
	Duration time.Duration
	// Mix weighs the operations; the zero Mix means DefaultMix.
	Mix Mix
	// RequestTimeout bounds one request; 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Discover bounds how many applications are learnt before the run, to
	// pick list cursors and dependency ends from; 0 means DefaultDiscover.
	Discover int
	// Seed makes the clients' choices reproducible; 0 picks one from the
	// clock.
	Seed int64
	// PID, if not 0, is the server's process id (on this machine): its
	// resident memory is sampled from /proc during the run.
	PID int
}

// Operation names, as they appear in a Report.
const (
	OpImpact            = "impact"
	OpListApplications  = "list applications"
	OpListReleases      = "list releases"
	OpCreateDependency  = "create dependency"
	OpCreateApplication = "create application"
	OpEditRelease       = "edit release"
	OpMoveChange        = "move change"
)

var opNames = []string{OpImpact, OpListApplications, OpListReleases, OpCreateDependency, OpCreateApplication, OpEditRelease, OpMoveChange}

const (
	opImpact = iota
	opListApplications
	opListReleases
	opCreateDependency
	opCreateApplication
	opEditRelease
	opMoveChange
)

// OpStats summarizes the requests of one operation. Latencies run from
// sending the request to reading the last byte of the response.
type OpStats struct {
	Name  string
	Count int
	// Errors are transport failures, statuses other than 200, undecodable
	// responses and GraphQL errors other than expected refusals.
	Errors int
	// Refused are writes the server refused for a reason the load makes
	// legitimate: a dependency that already exists (CONFLICT).
	Refused            int
	P50, P90, P99, Max time.Duration
}

// ErrorCount is one kind of error seen during a run, and how often.
type ErrorCount struct {
	Message string
	Count   int
}

// Report is what a run measured.
type Report struct {
	URL      string
	Clients  int
	Duration time.Duration
	Mix      Mix
	// Elapsed runs from the first request to the last response.
	Elapsed time.Duration
	// Applications and Releases are how many of each the run learnt
	// before it started.
	Applications, Releases int
	// Ops has one entry per operation that ran, in a fixed order; Total
	// sums them.
	Ops   []OpStats
	Total OpStats
	// Throughput is responses per second over Elapsed.
	Throughput float64
	// Errors lists the distinct errors, most frequent first.
	Errors []ErrorCount
	// PeakRSS is the highest resident memory sampled during the run and
	// HWM the kernel's high-water mark at its end (Config.PID only).
	PeakRSS, HWM int64
}

type sample struct {
	op      uint8
	outcome uint8
	dur     time.Duration
}

const (
	outcomeOK = iota
	outcomeError
	outcomeRefused
)

// runner is the state the clients of one run share.
type runner struct {
	cfg    Config
	client *http.Client
	nonce  string

	releases []string // ids
	changes  []string // ids, when edits are weighed
	mu       sync.RWMutex
	apps     []string // ids, grown by created applications
	cursors  []string // one per discovered application

	errMu  sync.Mutex
	errors map[string]int
}

// Run drives the server at cfg.URL with cfg.Clients concurrent clients for
// cfg.Duration and reports what it measured. Before the clock starts it
// learns the releases and up to cfg.Discover applications. It refuses a URL
// that is not on a loopback address. If ctx ends first, it returns what was
// measured so far with ctx's error.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.Mix == (Mix{}) {
		cfg.Mix = DefaultMix
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Discover <= 0 {
		cfg.Discover = DefaultDiscover
	}
	if cfg.Seed == 0 {
		cfg.Seed = time.Now().UnixNano()
	}
	switch {
	case cfg.Clients < 1 || cfg.Clients > MaxClients:
		return Report{}, fmt.Errorf("loadgen: clients must be between 1 and %d, got %d", MaxClients, cfg.Clients)
	case cfg.Duration <= 0 || cfg.Duration > MaxDuration:
		return Report{}, fmt.Errorf("loadgen: duration must be positive and at most %s, got %s", MaxDuration, cfg.Duration)
	case cfg.Mix.Impact < 0 || cfg.Mix.List < 0 || cfg.Mix.Write < 0:
		return Report{}, fmt.Errorf("loadgen: negative weight in mix %s", cfg.Mix)
	}
	if err := CheckLoopback(ctx, cfg.URL); err != nil {
		return Report{}, err
	}
	r := &runner{
		cfg:    cfg,
		client: newClient(cfg.Clients),
		nonce:  strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36),
		errors: map[string]int{},
	}
	defer r.client.CloseIdleConnections()
	if err := r.discover(ctx); err != nil {
		return Report{}, err
	}
	rep := Report{
		URL: cfg.URL, Clients: cfg.Clients, Duration: cfg.Duration, Mix: cfg.Mix,
		Applications: len(r.apps), Releases: len(r.releases),
	}

	var mem *memorySampler
	if cfg.PID != 0 {
		var err error
		if mem, err = sampleMemory(cfg.PID, 100*time.Millisecond); err != nil {
			return Report{}, err
		}
	}
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	perClient := make([][]sample, cfg.Clients)
	var wg sync.WaitGroup
	for i := range cfg.Clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(i)))
			perClient[i] = r.loop(ctx, i, rng, deadline)
		})
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	if mem != nil {
		rep.PeakRSS, rep.HWM = mem.stop()
	}

	var all []sample
	for _, s := range perClient {
		all = append(all, s...)
	}
	rep.Ops, rep.Total = summarize(all)
	if rep.Elapsed > 0 {
		rep.Throughput = float64(rep.Total.Count) / rep.Elapsed.Seconds()
	}
	for msg, n := range r.errors {
		rep.Errors = append(rep.Errors, ErrorCount{Message: msg, Count: n})
	}
	slices.SortFunc(rep.Errors, func(a, b ErrorCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Message, b.Message)
	})
	return rep, ctx.Err()
}

// CheckLoopback refuses (ErrNotLoopback) an http or https URL whose host is
// not a loopback address or does not resolve only to loopback addresses.
func CheckLoopback(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("loadgen: server URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("loadgen: server URL %q: want http or https", rawURL)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("loadgen: server URL %q has no host", rawURL)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.Unmap().IsLoopback() {
			return fmt.Errorf("%w: %s", ErrNotLoopback, host)
		}
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("%w: %s does not resolve: %v", ErrNotLoopback, host, err)
	}
	for _, ip := range addrs {
		if !ip.Unmap().IsLoopback() {
			return fmt.Errorf("%w: %s resolves to %s", ErrNotLoopback, host, ip)
		}
	}
	if len(addrs) == 0 {
		return fmt.Errorf("%w: %s resolves to nothing", ErrNotLoopback, host)
	}
	return nil
}

// newClient returns an HTTP client that keeps a connection per client
// alive, ignores proxy settings, follows no redirects, and refuses to
// connect to anything but a loopback address, whatever a name resolves to
// by the time it dials.
func newClient(clients int) *http.Client {
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !ap.Addr().Unmap().IsLoopback() {
				return fmt.Errorf("%w: refusing to connect to %s", ErrNotLoopback, address)
			}
			return nil
		},
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			MaxIdleConns:        2 * clients,
			MaxIdleConnsPerHost: 2 * clients,
			IdleConnTimeout:     time.Minute,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// gqlResponse is the part of a GraphQL response the runner reads.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code string `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
}

// Markers of gqlgen's compact responses, for post's fast path.
var (
	dataPrefix = []byte(`{"data":{`)
	errorsKey  = []byte(`"errors"`)
	someData   = json.RawMessage(`{}`)
)

// post sends one GraphQL request and returns its decoded response, how long
// it took, and a transport or HTTP error. Unless needData, a response that
// has data and cannot have an errors entry (the bytes "errors" occur nowhere
// in it) is not decoded: decoding every large impact answer would cost the
// load generator, on the server's machine, more CPU than it measures.
func (r *runner) post(ctx context.Context, query string, vars map[string]any, needData bool) (*gqlResponse, time.Duration, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Actor", Actor)
	if r.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.cfg.Token)
	}
	start := time.Now()
	res, err := r.client.Do(req)
	if err != nil {
		return nil, time.Since(start), err
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(start)
	if err != nil {
		return nil, took, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, took, fmt.Errorf("HTTP %d: %s", res.StatusCode, snippet(raw))
	}
	if !needData && bytes.HasPrefix(raw, dataPrefix) && bytes.HasSuffix(bytes.TrimSpace(raw), []byte("}")) && !bytes.Contains(raw, errorsKey) {
		return &gqlResponse{Data: someData}, took, nil
	}
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, took, fmt.Errorf("undecodable response: %v: %s", err, snippet(raw))
	}
	return &out, took, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

const (
	discoverReleasesQuery = `query { releases(first: 1000) { edges { node { id } } } }`
	discoverAppsQuery     = `query($after: Cursor) { applications(first: 1000, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`
	impactQuery           = `query($id: ID!) { node(id: $id) { ... on Release { impact { impacted { application { name } distance } } } } }`
	listAppsQuery         = `query($after: Cursor) { applications(first: 50, after: $after) { edges { node { id name } } pageInfo { hasNextPage endCursor } } }`
	listReleasesQuery     = `query { releases(first: 20) { edges { node { id name status startsAt endsAt } } pageInfo { hasNextPage endCursor } } }`
	createDependencyQuery = `mutation($in: CreateDependencyInput!) { createDependency(input: $in) { id } }`
	createAppQuery        = `mutation($in: CreateApplicationInput!) { createApplication(input: $in) { id name } }`
	discoverChangesQuery  = `query { changes(first: 1000) { edges { node { id } } } }`
	editReleaseQuery      = `mutation($id: ID!, $d: String!) { updateRelease(id: $id, input: {description: $d}) { id version } }`
	moveChangeQuery       = `mutation($id: ID!, $r: ID!) { updateChange(id: $id, input: {releaseID: $r}) { id version } }`
)

// discover learns the releases and up to cfg.Discover applications, with
// a cursor for each.
func (r *runner) discover(ctx context.Context) error {
	var rels struct {
		Releases struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	if err := r.query(ctx, discoverReleasesQuery, nil, &rels); err != nil {
		return fmt.Errorf("loadgen: list releases: %w", err)
	}
	for _, e := range rels.Releases.Edges {
		r.releases = append(r.releases, e.Node.ID)
	}
	if (r.cfg.Mix.Impact > 0 || r.cfg.Mix.Edit > 0) && len(r.releases) == 0 {
		return errors.New("loadgen: the server has no releases to ask the impact of or edit (seed it, or weigh impact and edit 0)")
	}
	if r.cfg.Mix.Edit > 0 {
		var changes struct {
			Changes struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		if err := r.query(ctx, discoverChangesQuery, nil, &changes); err != nil {
			return fmt.Errorf("loadgen: list changes: %w", err)
		}
		for _, e := range changes.Changes.Edges {
			r.changes = append(r.changes, e.Node.ID)
		}
	}
	var after any
	for len(r.apps) < r.cfg.Discover {
		var page struct {
			Applications struct {
				Edges []struct {
					Cursor string
					Node   struct{ ID string }
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		if err := r.query(ctx, discoverAppsQuery, map[string]any{"after": after}, &page); err != nil {
			return fmt.Errorf("loadgen: list applications: %w", err)
		}
		for _, e := range page.Applications.Edges {
			r.apps = append(r.apps, e.Node.ID)
			r.cursors = append(r.cursors, e.Cursor)
		}
		if !page.Applications.PageInfo.HasNextPage {
			break
		}
		after = page.Applications.PageInfo.EndCursor
	}
	return nil
}

// query runs one request outside the measurements and decodes its data.
func (r *runner) query(ctx context.Context, query string, vars map[string]any, data any) error {
	res, _, err := r.post(ctx, query, vars, true)
	if err != nil {
		return err
	}
	if len(res.Errors) > 0 {
		return fmt.Errorf("%s (%s)", res.Errors[0].Message, res.Errors[0].Extensions.Code)
	}
	return json.Unmarshal(res.Data, data)
}

// loop is one client: it picks operations by weight until the deadline.
func (r *runner) loop(ctx context.Context, client int, rng *rand.Rand, deadline time.Time) []sample {
	mix := r.cfg.Mix
	total := mix.Impact + mix.List + mix.Write + mix.Edit
	var out []sample
	for n := 0; ctx.Err() == nil && time.Now().Before(deadline); n++ {
		var op int
		switch w := rng.IntN(total); {
		case w < mix.Impact:
			op = opImpact
		case w < mix.Impact+mix.List:
			op = opListApplications
			if rng.IntN(4) == 0 {
				op = opListReleases
			}
		case w < mix.Impact+mix.List+mix.Write:
			op = opCreateApplication
			if rng.IntN(2) == 0 && r.appCount() >= 2 {
				op = opCreateDependency
			}
		default:
			op = opEditRelease
			if rng.IntN(2) == 0 && len(r.changes) > 0 {
				op = opMoveChange
			}
		}
		s, ok := r.do(ctx, op, client, n, rng)
		if !ok {
			break // the run was cancelled mid-request: not a measurement
		}
		out = append(out, s)
	}
	return out
}

func (r *runner) appCount() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.apps)
}

// do runs one operation and classifies its outcome.
func (r *runner) do(ctx context.Context, op, client, n int, rng *rand.Rand) (sample, bool) {
	var (
		query string
		vars  map[string]any
		// refusal tells the codes of a legitimate refusal of this write.
		refusal func(code string) bool
	)
	switch op {
	case opImpact:
		query = impactQuery
		vars = map[string]any{"id": r.releases[rng.IntN(len(r.releases))]}
	case opListApplications:
		query = listAppsQuery
		vars = map[string]any{"after": nil}
		r.mu.RLock()
		if len(r.cursors) > 0 && rng.IntN(10) != 0 {
			vars["after"] = r.cursors[rng.IntN(len(r.cursors))]
		}
		r.mu.RUnlock()
	case opListReleases:
		query = listReleasesQuery
	case opCreateDependency:
		r.mu.RLock()
		c := rng.IntN(len(r.apps))
		p := (c + 1 + rng.IntN(len(r.apps)-1)) % len(r.apps) // never c
		consumer, provider := r.apps[c], r.apps[p]
		r.mu.RUnlock()
		query = createDependencyQuery
		vars = map[string]any{"in": map[string]any{"consumerID": consumer, "providerID": provider}}
		refusal = func(code string) bool { return code == "CONFLICT" } // the pair exists already
	case opEditRelease:
		query = editReleaseQuery
		vars = map[string]any{"id": r.releases[rng.IntN(len(r.releases))], "d": fmt.Sprintf("load %s %d %d", r.nonce, client, n)}
		refusal = func(code string) bool { return code == "FAILED_PRECONDITION" } // a DEPLOYED or CANCELLED release
	case opMoveChange:
		query = moveChangeQuery
		vars = map[string]any{"id": r.changes[rng.IntN(len(r.changes))], "r": r.releases[rng.IntN(len(r.releases))]}
		refusal = func(code string) bool { return code == "FAILED_PRECONDITION" } // a lifecycle rule
	case opCreateApplication:
		query = createAppQuery
		vars = map[string]any{"in": map[string]any{
			"name":  fmt.Sprintf("load-%s-%d-%d", r.nonce, client, n),
			"owner": "load",
		}}
	}
	res, took, err := r.post(ctx, query, vars, op == opCreateApplication)
	s := sample{op: uint8(op), dur: took}
	switch {
	case err != nil && ctx.Err() != nil:
		return s, false
	case err != nil:
		s.outcome = outcomeError
		r.recordError(op, err.Error())
	case len(res.Errors) > 0:
		s.outcome = outcomeRefused
		for _, e := range res.Errors {
			if refusal == nil || !refusal(e.Extensions.Code) {
				s.outcome = outcomeError
				r.recordError(op, fmt.Sprintf("%s: %s", e.Extensions.Code, e.Message))
			}
		}
	case len(res.Data) == 0 || string(res.Data) == "null":
		s.outcome = outcomeError
		r.recordError(op, "response without data")
	case op == opCreateApplication:
		var d struct{ CreateApplication struct{ ID string } }
		if json.Unmarshal(res.Data, &d) == nil && d.CreateApplication.ID != "" {
			r.mu.Lock()
			r.apps = append(r.apps, d.CreateApplication.ID)
			r.mu.Unlock()
		}
	}
	return s, true
}

// maxDistinctErrors bounds the distinct error messages a run keeps.
const maxDistinctErrors = 50

func (r *runner) recordError(op int, msg string) {
	msg = opNames[op] + ": " + msg
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if _, ok := r.errors[msg]; !ok && len(r.errors) >= maxDistinctErrors {
		msg = "(other errors)"
	}
	r.errors[msg]++
}

// summarize computes each operation's statistics, and the total's, by
// sorting the recorded latencies.
func summarize(all []sample) ([]OpStats, OpStats) {
	byOp := make([][]sample, len(opNames))
	for _, s := range all {
		byOp[s.op] = append(byOp[s.op], s)
	}
	var ops []OpStats
	for op, samples := range byOp {
		if len(samples) > 0 {
			ops = append(ops, stats(opNames[op], samples))
		}
	}
	return ops, stats("all", all)
}

func stats(name string, samples []sample) OpStats {
	st := OpStats{Name: name, Count: len(samples)}
	durs := make([]time.Duration, len(samples))
	for i, s := range samples {
		durs[i] = s.dur
		switch s.outcome {
		case outcomeError:
			st.Errors++
		case outcomeRefused:
			st.Refused++
		}
	}
	if len(durs) == 0 {
		return st
	}
	slices.Sort(durs)
	st.P50, st.P90, st.P99 = quantile(durs, 0.50), quantile(durs, 0.90), quantile(durs, 0.99)
	st.Max = durs[len(durs)-1]
	return st
}

// quantile is the nearest-rank quantile q of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}
