package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/graph"
	"github.com/relgraph/relgraph/internal/auth"
	"github.com/relgraph/relgraph/internal/freetext"
	"github.com/relgraph/relgraph/internal/viewer"
)

// Failed authentications allowed per client address within a minute
// before it must wait.
const (
	authFailures      = 10
	authFailureWindow = time.Minute
)

// authenticate names the viewer of every GraphQL request. With
// authentication required, the bearer token decides (a missing or wrong
// one is 401 UNAUTHENTICATED, and an address that keeps failing waits: 429);
// with it off, everyone is an ADMIN and X-Actor names the audit actor.
//
// A WebSocket upgrade may come without the header (browsers cannot set it):
// it is admitted unauthenticated, and its connection_init payload's
// Authorization must then authenticate it (websocketInit) before any
// operation runs.
//
// Only /graphql, whose WebSocket transport authenticates connection_init,
// admits such an upgrade (websockets); any other endpoint would serve it
// unauthenticated.
func authenticate(next http.Handler, client *ent.Client, required, websockets bool, limiter *auth.FailureLimiter, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !required {
			v := viewer.Viewer{Actor: viewer.Anonymous, Role: viewer.Admin}
			if actor, ok := freetext.Sanitize(r.Header.Get(ActorHeader), freetext.MaxActor); ok {
				v.Actor = actor
			}
			next.ServeHTTP(w, r.WithContext(viewer.With(r.Context(), v)))
			return
		}
		if websockets && r.Header.Get("Authorization") == "" && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, r.WithContext(withPendingAuth(r.Context(), clientAddr(r))))
			return
		}
		addr := clientAddr(r)
		if wait, blocked := limiter.Blocked(addr); blocked {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			writeError(w, http.StatusTooManyRequests, "RATE_LIMITED", "too many failed authentications from this address: try again later")
			return
		}
		v, err := auth.Authenticate(r.Context(), client, r.Header.Get("Authorization"))
		switch {
		case errors.Is(err, auth.ErrMissing) || errors.Is(err, auth.ErrInvalid):
			if !errors.Is(err, auth.ErrMissing) {
				limiter.Fail(addr)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="relgraph"`)
			writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", err.Error())
			return
		case err != nil:
			logger.ErrorContext(r.Context(), "authentication failed", "err", err)
			writeError(w, http.StatusServiceUnavailable, "INTERNAL", "internal error")
			return
		}
		next.ServeHTTP(w, r.WithContext(viewer.With(r.Context(), v)))
	})
}

type pendingAuthKey struct{}

// withPendingAuth marks a WebSocket from addr that is still to
// authenticate in its connection_init.
func withPendingAuth(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, pendingAuthKey{}, addr)
}

// websocketInit authenticates a WebSocket admitted without an Authorization
// header by the Authorization of its connection_init payload
// ({"Authorization": "Bearer <token>"}), with the same failure limit as the
// header; one already authenticated (or with authentication off) passes.
func websocketInit(client *ent.Client, limiter *auth.FailureLimiter, logger *slog.Logger) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		addr, pending := ctx.Value(pendingAuthKey{}).(string)
		if !pending {
			return ctx, nil, nil
		}
		// Refused: closed with 4403 (graphql-transport-ws's Forbidden) and
		// the code and message as the reason (at most 123 bytes).
		refuse := func(code, msg string) (context.Context, *transport.InitPayload, error) {
			reason := code + ": " + msg
			if len(reason) > 123 {
				reason = reason[:123]
			}
			ctx = transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, reason), 4403)
			return ctx, nil, errors.New(reason)
		}
		if _, blocked := limiter.Blocked(addr); blocked {
			return refuse("RATE_LIMITED", "too many failed authentications from this address: try again later")
		}
		v, err := auth.Authenticate(ctx, client, payload.Authorization())
		switch {
		case errors.Is(err, auth.ErrMissing) || errors.Is(err, auth.ErrInvalid):
			if !errors.Is(err, auth.ErrMissing) {
				limiter.Fail(addr)
			}
			return refuse("UNAUTHENTICATED", err.Error())
		case err != nil:
			logger.ErrorContext(ctx, "authentication failed", "err", err)
			return refuse("INTERNAL", "internal error")
		}
		return viewer.With(ctx, v), nil, nil
	}
}

// clientAddr is the address a request came from, without its port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// allowHosts refuses requests whose Host is not one of hosts ("*": any), so
// that a web page cannot reach a loopback server by DNS rebinding; and
// requests from a browser origin that is neither the server's own nor an
// allowed CORS origin, so that cross-origin pages cannot run queries.
func allowHosts(next http.Handler, hosts, origins []string) http.Handler {
	anyHost := slices.Contains(hosts, "*")
	anyOrigin := slices.Contains(origins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := strings.ToLower(r.Host)
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		if !anyHost && !slices.Contains(hosts, host) {
			writeError(w, http.StatusForbidden, "FORBIDDEN", fmt.Sprintf("this server does not answer for host %q (see --allowed-hosts)", r.Host))
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !anyOrigin && !slices.Contains(origins, origin) && !sameOrigin(origin, r.Host) {
			writeError(w, http.StatusForbidden, "FORBIDDEN", fmt.Sprintf("origin %q may not call this API (see --cors-origins)", origin))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func sameOrigin(origin, host string) bool {
	return origin == "http://"+host || origin == "https://"+host
}

// withDeadline bounds each request's work; the database and the resolvers
// stop when the deadline passes or the client goes away.
//
// A subscription's connection (WebSocket, server-sent events) lives as long
// as its client watches: it is exempt, and so are the server's read and
// write deadlines for it. Keep-alive pings find dead peers; each query or
// mutation it carries is bounded by graph.Options.OperationTimeout.
func withDeadline(next http.Handler, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/graphql" && graph.IsStream(r) {
			rc := http.NewResponseController(w)
			_ = rc.SetReadDeadline(time.Time{})
			_ = rc.SetWriteDeadline(time.Time{})
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// writeError answers with a GraphQL error and no data.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"message":%q,"extensions":{"code":%q}}]}`, msg, code)
}
