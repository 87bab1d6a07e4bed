// Package demo loads a realistic demo portfolio into an empty relgraph
// database: the application landscape of a mid-size online retailer with its
// own payments stack, the dependencies between those applications, a few
// releases with their changes, the environments those releases flow through,
// their deployments and the freeze windows that constrain them.
//
// The data is fixed and reproducible: every window is set relative to a
// fixed base date (2026-12-01T00:00:00Z, the demo's "today"), never to the
// wall clock. Notable features of the portfolio, handy for examples:
//
//   - "2026.12 Payments hardening" and "2026.12 Checkout revamp" have
//     overlapping deployment windows (2026-12-02 00:00–06:00 UTC) and both
//     change payments-gateway directly; checkout-service, changed by the
//     latter, also depends on payments-gateway.
//   - order-service and inventory-service depend on each other (RUNTIME both
//     ways): the portfolio's one dependency cycle.
//   - "2026.11 Identity MFA rollout" is DEPLOYED in the past and
//     "2027.Q1 Data platform migration" is a DRAFT without a window; two
//     changes are not scheduled in any release.
//   - Six environments, one per stage: dev, sit, int, perf, uat, prod.
//     The MFA rollout succeeded in all six; Payments hardening succeeded in
//     dev, sit and int, is IN_PROGRESS in perf and SCHEDULED in uat and prod;
//     Checkout revamp is SCHEDULED in all six; Fulfilment reliability is
//     SCHEDULED in dev and sit; the DRAFT release has no deployment.
//   - uat is double booked: Checkout revamp's deployment (2026-12-01
//     16:00–22:00) overlaps Payments hardening's (08:00–18:00) from 16:00 to
//     18:00, the one environment conflict.
//   - The "Year-end freeze" (2026-12-21 → 2027-01-04) freezes the whole
//     portfolio and no release window falls in it. The "Payments PCI audit
//     freeze" (2027-01-11 → 2027-01-15) freezes payments-gateway and
//     ledger-service; "2027.01 Fulfilment reliability" changes message-bus,
//     which both depend on, so it is the one release with a freeze
//     violation: starting it needs an override.
//   - Payments hardening has a deployment plan for prod, generated from its
//     waves as generateDeploymentPlan does: message-bus (wave 1), then
//     fraud-detection and ledger-service (wave 2), then payments-gateway
//     (wave 3), and the four ROLLBACK steps in reverse; every step PENDING.
//
// Every write is recorded in the audit trail with the actor "demo".
package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/dependency"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/lifecycle"
	"github.com/relgraph/relgraph/store"
)

// Actor is the actor the audit trail records for the demo's writes.
const Actor = "demo"

// ErrNotEmpty is returned by Load when the database already holds an
// application, a dependency, a change, a release, an environment, a
// deployment or a freeze window. Load then writes nothing.
var ErrNotEmpty = errors.New("demo: database is not empty; the demo portfolio is only loaded into an empty database")

// Load fills an empty database with a realistic demo portfolio. It refuses
// (returns ErrNotEmpty) when the database already holds any application,
// dependency, change, release, environment, deployment or freeze window.
// (Audit events alone do not count: they are a log, not portfolio data.)
//
// The emptiness check and all inserts run in one transaction: on any error
// nothing is written. client must not be bound to a transaction already.
// The audit trail records every insert with the actor "demo" (Actor).
func Load(ctx context.Context, client *ent.Client) (err error) {
	ctx = viewer.WithActor(ctx, Actor)
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("demo: begin transaction: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			_ = tx.Rollback()
			panic(v)
		}
	}()
	// The transaction rides in ctx too, for the store's reads (the graph
	// the deployment plan is generated from).
	if err := load(ent.NewTxContext(ctx, tx), tx.Client()); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return fmt.Errorf("%w (rolling back: %v)", err, rerr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("demo: commit: %w", err)
	}
	return nil
}

// load checks emptiness and inserts the tables below through c, a client
// bound to the transaction.
func load(ctx context.Context, c *ent.Client) error {
	if err := checkEmpty(ctx, c); err != nil {
		return err
	}
	appIDs, err := createApplications(ctx, c)
	if err != nil {
		return err
	}
	if err := createDependencies(ctx, c, appIDs); err != nil {
		return err
	}
	releaseIDs, err := createReleases(ctx, c)
	if err != nil {
		return err
	}
	if err := createChanges(ctx, c, appIDs, releaseIDs); err != nil {
		return err
	}
	if err := createPackages(ctx, c, releaseIDs); err != nil {
		return err
	}
	// Releases are born DRAFT and move on only as the state machine allows:
	// to IN_PROGRESS before their deployments start, to DEPLOYED after
	// production succeeded.
	if err := advanceReleases(ctx, c, releaseIDs, lifecycle.InProgress); err != nil {
		return err
	}
	envIDs, err := createEnvironments(ctx, c)
	if err != nil {
		return err
	}
	if err := createDeployments(ctx, c, releaseIDs, envIDs); err != nil {
		return err
	}
	if err := advanceReleases(ctx, c, releaseIDs, lifecycle.Deployed); err != nil {
		return err
	}
	if err := createFreezeWindows(ctx, c, appIDs); err != nil {
		return err
	}
	return createDeploymentPlans(ctx, releaseIDs, envIDs)
}

func checkEmpty(ctx context.Context, c *ent.Client) error {
	checks := []struct {
		what  string
		exist func(context.Context) (bool, error)
	}{
		{"applications", c.Application.Query().Exist},
		{"dependencies", c.Dependency.Query().Exist},
		{"changes", c.Change.Query().Exist},
		{"releases", c.Release.Query().Exist},
		{"environments", c.Environment.Query().Exist},
		{"deployments", c.Deployment.Query().Exist},
		{"freeze windows", c.FreezeWindow.Query().Exist},
	}
	for _, check := range checks {
		found, err := check.exist(ctx)
		if err != nil {
			return fmt.Errorf("demo: check for existing %s: %w", check.what, err)
		}
		if found {
			return fmt.Errorf("%w (it already holds %s)", ErrNotEmpty, check.what)
		}
	}
	return nil
}

func createApplications(ctx context.Context, c *ent.Client) (map[string]int, error) {
	builders := make([]*ent.ApplicationCreate, len(applications))
	for i, a := range applications {
		builders[i] = c.Application.Create().
			SetName(a.name).
			SetOwner(a.owner).
			SetCriticality(a.criticality).
			SetDescription(a.description)
	}
	created, err := c.Application.CreateBulk(builders...).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: create applications: %w", err)
	}
	ids := make(map[string]int, len(created))
	for _, a := range created {
		ids[a.Name] = a.ID
	}
	return ids, nil
}

func createDependencies(ctx context.Context, c *ent.Client, appIDs map[string]int) error {
	builders := make([]*ent.DependencyCreate, len(dependencies))
	for i, d := range dependencies {
		consumer, err := lookup(appIDs, "application", d.consumer)
		if err != nil {
			return fmt.Errorf("demo: dependency %s -> %s: %w", d.consumer, d.provider, err)
		}
		provider, err := lookup(appIDs, "application", d.provider)
		if err != nil {
			return fmt.Errorf("demo: dependency %s -> %s: %w", d.consumer, d.provider, err)
		}
		builders[i] = c.Dependency.Create().
			SetConsumerID(consumer).
			SetProviderID(provider).
			SetKind(d.kind).
			SetDescription(d.description)
	}
	if err := c.Dependency.CreateBulk(builders...).Exec(ctx); err != nil {
		return fmt.Errorf("demo: create dependencies: %w", err)
	}
	return nil
}

func createReleases(ctx context.Context, c *ent.Client) (map[string]int, error) {
	builders := make([]*ent.ReleaseCreate, len(releases))
	for i, r := range releases {
		builders[i] = c.Release.Create().
			SetName(r.name).
			SetDescription(r.description).
			SetNillableStartsAt(r.startsAt).
			SetNillableEndsAt(r.endsAt)
	}
	created, err := c.Release.CreateBulk(builders...).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: create releases: %w", err)
	}
	ids := make(map[string]int, len(created))
	for _, r := range created {
		ids[r.Name] = r.ID
	}
	return ids, nil
}

// createPackages groups the two December releases that share the payments
// stack into the holiday-peak package.
func createPackages(ctx context.Context, c *ent.Client, releaseIDs map[string]int) error {
	for _, p := range packages {
		ids := make([]int, len(p.releases))
		for i, name := range p.releases {
			ids[i] = releaseIDs[name]
		}
		if err := c.ReleasePackage.Create().SetName(p.name).SetDescription(p.description).
			SetNillableStartsAt(p.startsAt).SetNillableEndsAt(p.endsAt).AddReleaseIDs(ids...).Exec(ctx); err != nil {
			return fmt.Errorf("demo: create package %q: %w", p.name, err)
		}
	}
	return nil
}

// lifecyclePath is the order in which a release reaches each status.
var lifecyclePath = []lifecycle.Status{lifecycle.Draft, lifecycle.Planned, lifecycle.InProgress, lifecycle.Deployed}

// advanceReleases moves each release one transition at a time towards its
// status in the table, but no further than limit.
func advanceReleases(ctx context.Context, c *ent.Client, releaseIDs map[string]int, limit lifecycle.Status) error {
	for _, r := range releases {
		target := min(slices.Index(lifecyclePath, r.status), slices.Index(lifecyclePath, limit))
		rel, err := c.Release.Get(ctx, releaseIDs[r.name])
		if err != nil {
			return fmt.Errorf("demo: release %s: %w", r.name, err)
		}
		for step := slices.Index(lifecyclePath, rel.Status) + 1; step <= target; step++ {
			if err := c.Release.UpdateOneID(rel.ID).SetStatus(lifecyclePath[step]).Exec(ctx); err != nil {
				return fmt.Errorf("demo: move release %s to %s: %w", r.name, lifecyclePath[step], err)
			}
		}
	}
	return nil
}

func createChanges(ctx context.Context, c *ent.Client, appIDs, releaseIDs map[string]int) error {
	builders := make([]*ent.ChangeCreate, len(changes))
	for i, ch := range changes {
		b := c.Change.Create().
			SetTitle(ch.title).
			SetKind(ch.kind).
			SetRisk(ch.risk).
			SetExternalRef(ch.ref).
			SetDescription(ch.description)
		if ch.release != "" {
			id, err := lookup(releaseIDs, "release", ch.release)
			if err != nil {
				return fmt.Errorf("demo: change %s: %w", ch.ref, err)
			}
			b.SetReleaseID(id)
		}
		for _, name := range ch.apps {
			id, err := lookup(appIDs, "application", name)
			if err != nil {
				return fmt.Errorf("demo: change %s: %w", ch.ref, err)
			}
			b.AddApplicationIDs(id)
		}
		builders[i] = b
	}
	if err := c.Change.CreateBulk(builders...).Exec(ctx); err != nil {
		return fmt.Errorf("demo: create changes: %w", err)
	}
	return nil
}

func createEnvironments(ctx context.Context, c *ent.Client) (map[string]int, error) {
	builders := make([]*ent.EnvironmentCreate, len(environments))
	for i, e := range environments {
		builders[i] = c.Environment.Create().
			SetName(e.name).
			SetStage(e.stage).
			SetDescription(e.description)
	}
	created, err := c.Environment.CreateBulk(builders...).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: create environments: %w", err)
	}
	ids := make(map[string]int, len(created))
	for _, e := range created {
		ids[e.Name] = e.ID
	}
	return ids, nil
}

// createDeployments inserts the deployments one at a time, in table order:
// the promotion gates let a deployment be IN_PROGRESS or SUCCEEDED only once
// the earlier stages' SUCCEEDED deployments exist, which a bulk insert (all
// rows checked before any is written) would not see.
func createDeployments(ctx context.Context, c *ent.Client, releaseIDs, envIDs map[string]int) error {
	for _, d := range deployments {
		rel, err := lookup(releaseIDs, "release", d.release)
		if err != nil {
			return fmt.Errorf("demo: deployment of %s to %s: %w", d.release, d.environment, err)
		}
		env, err := lookup(envIDs, "environment", d.environment)
		if err != nil {
			return fmt.Errorf("demo: deployment of %s to %s: %w", d.release, d.environment, err)
		}
		err = c.Deployment.Create().
			SetReleaseID(rel).
			SetEnvironmentID(env).
			SetStatus(d.status).
			SetStartsAt(*d.startsAt).
			SetEndsAt(*d.endsAt).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("demo: create deployment of %s to %s: %w", d.release, d.environment, err)
		}
	}
	return nil
}

func createFreezeWindows(ctx context.Context, c *ent.Client, appIDs map[string]int) error {
	builders := make([]*ent.FreezeWindowCreate, len(freezeWindows))
	for i, f := range freezeWindows {
		b := c.FreezeWindow.Create().
			SetName(f.name).
			SetReason(f.reason).
			SetStartsAt(*f.startsAt).
			SetEndsAt(*f.endsAt)
		for _, name := range f.apps {
			id, err := lookup(appIDs, "application", name)
			if err != nil {
				return fmt.Errorf("demo: freeze window %s: %w", f.name, err)
			}
			b.AddApplicationIDs(id)
		}
		builders[i] = b
	}
	if err := c.FreezeWindow.CreateBulk(builders...).Exec(ctx); err != nil {
		return fmt.Errorf("demo: create freeze windows: %w", err)
	}
	return nil
}

// createDeploymentPlans generates the plans of the table the way
// generateDeploymentPlan does (store.GenerateDeploymentPlan), from the
// waves of the releases as loaded; every step is PENDING.
func createDeploymentPlans(ctx context.Context, releaseIDs, envIDs map[string]int) error {
	for _, p := range deploymentPlans {
		rel, err := lookup(releaseIDs, "release", p.release)
		if err != nil {
			return fmt.Errorf("demo: deployment plan of %s to %s: %w", p.release, p.environment, err)
		}
		env, err := lookup(envIDs, "environment", p.environment)
		if err != nil {
			return fmt.Errorf("demo: deployment plan of %s to %s: %w", p.release, p.environment, err)
		}
		if _, err := store.GenerateDeploymentPlan(ctx, rel, env, false); err != nil {
			return fmt.Errorf("demo: generate deployment plan of %s to %s: %w", p.release, p.environment, err)
		}
	}
	return nil
}

// lookup resolves a name from the tables to the id it was inserted under.
func lookup(ids map[string]int, what, name string) (int, error) {
	id, ok := ids[name]
	if !ok {
		return 0, fmt.Errorf("unknown %s %q", what, name)
	}
	return id, nil
}

// base is the demo's "today": release windows are relative to it, so the
// demo is the same whenever it is loaded.
var base = time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)

// at is base shifted by days and hours.
func at(days, hours int) *time.Time {
	t := base.AddDate(0, 0, days).Add(time.Duration(hours) * time.Hour)
	return &t
}

// Short names for the enum values, so the tables below stay narrow.
const (
	critical = application.CriticalityCRITICAL
	high     = application.CriticalityHIGH
	medium   = application.CriticalityMEDIUM
	low      = application.CriticalityLOW

	runtime = dependency.KindRUNTIME
	data    = dependency.KindDATA
	build   = dependency.KindBUILD
	infra   = dependency.KindINFRASTRUCTURE

	feature  = change.KindFEATURE
	fix      = change.KindFIX
	config   = change.KindCONFIGURATION
	infraChg = change.KindINFRASTRUCTURE
	security = change.KindSECURITY

	lowRisk  = change.RiskLOW
	medRisk  = change.RiskMEDIUM
	highRisk = change.RiskHIGH

	scheduled  = lifecycle.DeploymentScheduled
	inProgress = lifecycle.DeploymentInProgress
	succeeded  = lifecycle.DeploymentSucceeded
)

// Release names, used by the release table and the change table.
const (
	relMFA         = "2026.11 Identity MFA rollout"
	relPayments    = "2026.12 Payments hardening"
	relCheckout    = "2026.12 Checkout revamp"
	relFulfilment  = "2027.01 Fulfilment reliability"
	relDataMigrate = "2027.Q1 Data platform migration"
)

type appRow struct {
	name        string
	owner       string
	criticality application.Criticality
	description string
}

var applications = []appRow{
	// Shared platform services.
	{"api-gateway", "Platform", critical, "Edge gateway: routing, rate limiting and token checks for all public and partner APIs."},
	{"identity-service", "Identity & Access", critical, "Customer and staff sign-in, MFA, sessions and OAuth tokens."},
	{"customer-db", "Data Platform", critical, "Primary PostgreSQL cluster holding customer profiles, addresses and consents."},
	{"payments-gateway", "Payments", critical, "Card, wallet and bank-transfer payments through the acquirers; refunds and chargebacks."},
	{"notification-service", "Platform", high, "Sends e-mail, SMS and push notifications from templates."},
	{"audit-log", "Security", high, "Tamper-evident log of security and financial events, kept for ten years."},
	{"config-service", "Platform", high, "Central configuration and feature flags for every service."},
	{"message-bus", "Platform", critical, "Kafka cluster carrying domain events between services."},
	{"container-platform", "Platform", critical, "Kubernetes clusters, ingress and service mesh that run the services."},
	{"ci-pipeline", "Developer Experience", medium, "Build, test and deployment pipelines, artefact registry."},
	// Customer-facing channels.
	{"web-storefront", "Storefront", critical, "The public web shop: browsing, basket and account pages."},
	{"mobile-app-backend", "Mobile", high, "Backend-for-frontend of the iOS and Android apps."},
	{"partner-api", "Partner Integrations", medium, "REST API for marketplace sellers and B2B customers."},
	// Commerce.
	{"product-catalog", "Storefront", high, "Products, categories, attributes and media."},
	{"search-service", "Storefront", high, "Full-text and faceted product search."},
	{"pricing-engine", "Pricing", high, "Prices, promotions and vouchers, computed per basket."},
	{"checkout-service", "Checkout", critical, "Turns a basket into a paid order: addresses, delivery options, payment."},
	{"order-service", "Fulfilment", critical, "Order lifecycle from placement to delivery and returns."},
	{"inventory-service", "Fulfilment", high, "Stock levels and reservations across warehouses."},
	{"shipping-service", "Fulfilment", high, "Carrier selection, labels and shipment tracking."},
	{"loyalty-service", "Marketing", medium, "Loyalty points, tiers and member offers."},
	{"recommendation-engine", "Personalisation", low, "\"Customers also bought\" and personalised product suggestions."},
	// Money.
	{"fraud-detection", "Payments", high, "Scores payments and account events for fraud in real time."},
	{"ledger-service", "Finance Systems", critical, "Double-entry ledger of all money movements."},
	{"invoice-service", "Finance Systems", high, "Invoices, credit notes and VAT reporting."},
	// Back office and data.
	{"crm-portal", "Customer Care", medium, "Customer 360° view for the care team."},
	{"support-desk", "Customer Care", medium, "Ticketing and live chat for customer support."},
	{"admin-console", "Platform", low, "Internal console for operators: users, flags, maintenance tasks."},
	{"data-pipeline", "Data Platform", medium, "Streams and batch jobs feeding the warehouse and the ML features."},
	{"reporting-warehouse", "Data Platform", medium, "Analytical warehouse and BI dashboards."},
}

type depRow struct {
	consumer    string // depends on ...
	provider    string
	kind        dependency.Kind
	description string
}

var dependencies = []depRow{
	// Platform layer.
	{"api-gateway", "identity-service", runtime, "Validates access tokens on every request."},
	{"api-gateway", "config-service", runtime, "Routes and rate limits come from configuration."},
	{"api-gateway", "container-platform", infra, ""},
	{"identity-service", "customer-db", data, "Credentials and MFA devices live in the customer schema."},
	{"identity-service", "audit-log", runtime, "Sign-ins and MFA changes are audited."},
	{"customer-db", "container-platform", infra, "Runs as an operator-managed cluster."},
	{"notification-service", "message-bus", runtime, "Consumes notification requests."},
	{"notification-service", "customer-db", data, "Contact details and consents."},
	{"audit-log", "message-bus", runtime, "Audit events arrive as messages."},
	{"config-service", "container-platform", infra, ""},
	{"message-bus", "container-platform", infra, ""},
	// Payments.
	{"payments-gateway", "fraud-detection", runtime, "Every authorisation is scored first."},
	{"payments-gateway", "audit-log", runtime, ""},
	{"payments-gateway", "message-bus", runtime, "Publishes payment events."},
	{"payments-gateway", "config-service", runtime, "Acquirer routing rules."},
	{"payments-gateway", "container-platform", infra, ""},
	{"fraud-detection", "customer-db", data, "Customer history for scoring."},
	{"fraud-detection", "message-bus", runtime, "Consumes account events."},
	{"ledger-service", "message-bus", runtime, "Books payment and refund events."},
	{"invoice-service", "ledger-service", runtime, ""},
	{"invoice-service", "order-service", data, "Order lines for the invoice."},
	// Channels.
	{"web-storefront", "api-gateway", runtime, ""},
	{"web-storefront", "product-catalog", runtime, ""},
	{"web-storefront", "search-service", runtime, ""},
	{"web-storefront", "checkout-service", runtime, ""},
	{"web-storefront", "recommendation-engine", runtime, "Recommendation carousels; degrade gracefully."},
	{"web-storefront", "ci-pipeline", build, ""},
	{"mobile-app-backend", "api-gateway", runtime, ""},
	{"mobile-app-backend", "identity-service", runtime, "Device sign-in and token refresh."},
	{"mobile-app-backend", "checkout-service", runtime, ""},
	{"mobile-app-backend", "notification-service", runtime, "Push notifications."},
	{"mobile-app-backend", "ci-pipeline", build, ""},
	{"partner-api", "api-gateway", runtime, ""},
	{"partner-api", "order-service", runtime, ""},
	{"partner-api", "inventory-service", runtime, "Stock feed for marketplace sellers."},
	// Commerce.
	{"search-service", "product-catalog", data, "Indexes the catalogue."},
	{"pricing-engine", "product-catalog", data, ""},
	{"pricing-engine", "config-service", runtime, "Promotion switches."},
	{"checkout-service", "identity-service", runtime, ""},
	{"checkout-service", "payments-gateway", runtime, "Authorises and captures payments."},
	{"checkout-service", "pricing-engine", runtime, "Final basket price."},
	{"checkout-service", "order-service", runtime, "Places the order."},
	{"order-service", "inventory-service", runtime, "Reserves stock when an order is placed."},
	{"inventory-service", "order-service", runtime, "Calls back to confirm or cancel orders when stock changes (the cycle)."},
	{"order-service", "customer-db", data, ""},
	{"order-service", "message-bus", runtime, "Publishes order events."},
	{"inventory-service", "message-bus", runtime, ""},
	{"shipping-service", "order-service", runtime, ""},
	{"shipping-service", "notification-service", runtime, "Tracking updates to customers."},
	{"loyalty-service", "customer-db", data, ""},
	{"loyalty-service", "message-bus", runtime, "Earns points on order events."},
	{"recommendation-engine", "data-pipeline", data, "Trained on pipeline features."},
	{"recommendation-engine", "product-catalog", data, ""},
	// Back office and data.
	{"crm-portal", "api-gateway", runtime, ""},
	{"crm-portal", "identity-service", runtime, "Staff sign-in."},
	{"crm-portal", "customer-db", data, ""},
	{"support-desk", "crm-portal", runtime, "Embeds the customer view."},
	{"admin-console", "identity-service", runtime, ""},
	{"admin-console", "config-service", runtime, "Edits feature flags."},
	{"data-pipeline", "message-bus", data, "Consumes all domain events."},
	{"data-pipeline", "customer-db", data, "Nightly extracts."},
	{"reporting-warehouse", "data-pipeline", data, ""},
}

type releaseRow struct {
	name             string
	status           lifecycle.Status
	startsAt, endsAt *time.Time // nil: no window yet
	description      string
}

var releases = []releaseRow{
	{relMFA, lifecycle.Deployed, at(-21, 20), at(-20, 2),
		"Mandatory multi-factor authentication for staff tools and WebAuthn for customers."},
	{relPayments, lifecycle.InProgress, at(-1, 20), at(1, 6),
		"TLS and refund fixes on the payments stack ahead of the holiday peak."},
	{relCheckout, lifecycle.Planned, at(1, 0), at(2, 4),
		"New one-page checkout with wallet payments; shares the payments-gateway with the hardening release."},
	{relFulfilment, lifecycle.Planned, at(42, 20), at(43, 4),
		"Post-peak reliability work on orders, stock and shipping."},
	{relDataMigrate, lifecycle.Draft, nil, nil,
		"Move the warehouse to columnar storage and feed it by change data capture. Window to be agreed."},
}

var packages = []struct {
	name, description string
	startsAt, endsAt  *time.Time
	releases          []string
}{
	{"2026 Holiday peak", "Everything that must land on the payments and checkout stack before the holiday peak.",
		at(-2, 0), at(3, 0), []string{relPayments, relCheckout}},
}

type changeRow struct {
	ref         string // ticket key
	title       string
	kind        change.Kind
	risk        change.Risk
	release     string // "" when not scheduled
	apps        []string
	description string
}

var changes = []changeRow{
	{"IAM-812", "Enforce MFA for admin-console and crm-portal sign-in", security, highRisk, relMFA,
		[]string{"identity-service", "admin-console", "crm-portal"}, "Staff accounts without a second factor are locked out after the grace period."},
	{"IAM-815", "WebAuthn device registration for customers", feature, medRisk, relMFA,
		[]string{"identity-service", "mobile-app-backend"}, ""},
	{"IAM-820", "Rotate access-token signing keys", security, medRisk, relMFA,
		[]string{"identity-service", "api-gateway"}, "Gateway must fetch the new JWKS before the old key is retired."},

	{"PAY-1423", "Allow only TLS 1.3 towards acquirers", security, highRisk, relPayments,
		[]string{"payments-gateway"}, ""},
	{"PAY-1431", "Idempotency keys on the refund API", fix, medRisk, relPayments,
		[]string{"payments-gateway", "ledger-service"}, "Retried refunds were booked twice in the ledger."},
	{"PAY-1440", "Stricter fraud threshold for card-not-present payments", config, medRisk, relPayments,
		[]string{"fraud-detection"}, ""},
	{"PAY-1452", "Dedicated message-bus topic for payment events", infraChg, highRisk, relPayments,
		[]string{"payments-gateway", "message-bus"}, "New topic with longer retention; consumers switch over in the same window."},

	{"CHK-2210", "One-page checkout flow", feature, highRisk, relCheckout,
		[]string{"checkout-service", "web-storefront"}, ""},
	{"CHK-2214", "Apple Pay and Google Pay through the wallet API", feature, highRisk, relCheckout,
		[]string{"checkout-service", "payments-gateway", "mobile-app-backend"}, "Adds the wallet endpoints to payments-gateway."},
	{"CHK-2219", "Cache price quotes during checkout", feature, medRisk, relCheckout,
		[]string{"pricing-engine", "checkout-service"}, ""},
	{"CHK-2225", "Feature flags for the new checkout", config, lowRisk, relCheckout,
		[]string{"config-service"}, ""},

	{"FUL-577", "Make the inventory-to-order callback asynchronous", fix, highRisk, relFulfilment,
		[]string{"order-service", "inventory-service"}, "First step towards breaking the order-service / inventory-service cycle."},
	{"FUL-583", "Carrier label API v3", feature, medRisk, relFulfilment,
		[]string{"shipping-service"}, ""},
	{"FUL-590", "Partition order events by region", infraChg, medRisk, relFulfilment,
		[]string{"order-service", "message-bus"}, ""},

	{"DATA-301", "Migrate reporting-warehouse to columnar storage", infraChg, highRisk, relDataMigrate,
		[]string{"reporting-warehouse", "data-pipeline"}, ""},
	{"DATA-305", "Stream customer-db changes by CDC", feature, medRisk, relDataMigrate,
		[]string{"data-pipeline", "customer-db"}, "Replaces the nightly extracts."},

	// Not scheduled yet.
	{"OPS-1190", "Upgrade container-platform node images", infraChg, medRisk, "",
		[]string{"container-platform"}, "Kernel and container runtime patches."},
	{"CARE-88", "Fix duplicate tickets after customer merge", fix, lowRisk, "",
		[]string{"support-desk", "crm-portal"}, ""},
}

type environmentRow struct {
	name        string
	stage       lifecycle.Stage
	description string
}

// environments has one environment per stage, in flow order.
var environments = []environmentRow{
	{"dev", lifecycle.Development, "Shared development cluster: every merge to main deploys here."},
	{"sit", lifecycle.SystemTest, "System test: each application's automated end-to-end suites, partners stubbed."},
	{"int", lifecycle.IntegrationTest, "Integration test against the acquirers', carriers' and identity providers' sandboxes."},
	{"perf", lifecycle.PerformanceTest, "Production-sized load-test environment; book it for one release at a time or the numbers mean nothing."},
	{"uat", lifecycle.UserAcceptance, "User acceptance with business testers from Payments, Checkout, Fulfilment and Customer Care."},
	{"prod", lifecycle.Production, "Live customer traffic, two regions."},
}

type deploymentRow struct {
	release, environment string
	status               lifecycle.DeploymentStatus
	startsAt, endsAt     *time.Time
}

// deployments are inserted in this order, which the promotion gates need:
// a release's SUCCEEDED deployments to earlier stages come before its
// IN_PROGRESS or SUCCEEDED deployment to a later one.
var deployments = []deploymentRow{
	// Done: every stage succeeded, production inside the release window.
	{relMFA, "dev", succeeded, at(-26, 9), at(-26, 11)},
	{relMFA, "sit", succeeded, at(-26, 13), at(-26, 17)},
	{relMFA, "int", succeeded, at(-25, 9), at(-25, 17)},
	{relMFA, "perf", succeeded, at(-22, 9), at(-22, 17)},
	{relMFA, "uat", succeeded, at(-21, 9), at(-21, 17)},
	{relMFA, "prod", succeeded, at(-21, 21), at(-20, 1)},

	// Under way: the load test runs through the demo's "today".
	{relPayments, "dev", succeeded, at(-5, 9), at(-5, 11)},
	{relPayments, "sit", succeeded, at(-4, 9), at(-4, 17)},
	{relPayments, "int", succeeded, at(-3, 9), at(-3, 17)},
	{relPayments, "perf", inProgress, at(-1, 20), at(0, 4)},
	{relPayments, "uat", scheduled, at(0, 8), at(0, 18)},
	{relPayments, "prod", scheduled, at(1, 0), at(1, 4)},

	// Planned; its uat slot overlaps Payments hardening's from 16:00 to 18:00.
	{relCheckout, "dev", scheduled, at(0, 6), at(0, 8)},
	{relCheckout, "sit", scheduled, at(0, 8), at(0, 11)},
	{relCheckout, "int", scheduled, at(0, 11), at(0, 13)},
	{relCheckout, "perf", scheduled, at(0, 13), at(0, 16)},
	{relCheckout, "uat", scheduled, at(0, 16), at(0, 22)},
	{relCheckout, "prod", scheduled, at(1, 20), at(2, 2)},

	// Planned, after the year-end freeze.
	{relFulfilment, "dev", scheduled, at(35, 9), at(35, 11)},
	{relFulfilment, "sit", scheduled, at(36, 9), at(36, 17)},
}

// deploymentPlans are generated after everything else: Payments hardening
// is IN_PROGRESS with its production deployment SCHEDULED inside its
// window, so its production plan is the one the release manager acts on
// next. Its changes touch message-bus (wave 1), fraud-detection and
// ledger-service (wave 2, both depend on message-bus) and payments-gateway
// (wave 3, depends on both through fraud-detection and message-bus).
var deploymentPlans = []struct{ release, environment string }{
	{relPayments, "prod"},
}

type freezeRow struct {
	name             string
	reason           string
	startsAt, endsAt *time.Time
	apps             []string // none: the whole portfolio
}

var freezeWindows = []freezeRow{
	{"Year-end freeze", "Holiday trading peak: no changes anywhere from the week before Christmas until after New Year, while order volume is at its highest and teams are thin.",
		at(20, 0), at(34, 0), nil},
	{"Payments PCI audit freeze", "Annual PCI DSS assessment: the assessor samples payments-gateway and ledger-service and their configuration must stay as documented.",
		at(41, 0), at(45, 0), []string{"payments-gateway", "ledger-service"}},
}
