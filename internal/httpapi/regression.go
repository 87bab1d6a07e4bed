package httpapi

import (
	"bytes"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/graph/scalar"
	"github.com/relgraph/relgraph/regression"
	"github.com/relgraph/relgraph/store"
)

// regressionCSV serves GET /releases/{id}/regression.csv: a release's
// regression scope (Release.regressionScope) as CSV for test managers,
// columns regression.Header, one row per application in team order (see
// regression.WriteCSV, which also says how cells that a spreadsheet would
// run as formulas are defused). The id is the release's GraphQL id. A
// malformed id is 400 and an id that names no release (another type's
// included) 404, each with a line of plain text. It is mounted behind
// authenticate, like /graphql: any role may read it.
func regressionCSV(db *store.DB, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, err := scalar.UnmarshalID(r.PathValue("id"))
		if err != nil {
			plainError(w, http.StatusBadRequest, fmt.Sprintf("%q is not a release id", r.PathValue("id")))
			return
		}
		rel, err := db.Client.Release.Get(ctx, id)
		switch {
		case ent.IsNotFound(err):
			plainError(w, http.StatusNotFound, fmt.Sprintf("no release has id %d", id))
			return
		case err != nil:
			logger.ErrorContext(ctx, "regression scope: load release", "release", id, "err", err)
			plainError(w, http.StatusInternalServerError, "internal error")
			return
		}
		_, scope, err := db.Graph.RegressionScope(ctx, rel.ID)
		if err != nil {
			logger.ErrorContext(ctx, "regression scope", "release", id, "err", err)
			plainError(w, http.StatusInternalServerError, "internal error")
			return
		}
		// Written whole before the status, so that a failure is an error
		// response rather than a 200 with half a file.
		var body bytes.Buffer
		if err := regression.WriteCSV(&body, scope); err != nil {
			logger.ErrorContext(ctx, "regression scope: write CSV", "release", id, "err", err)
			plainError(w, http.StatusInternalServerError, "internal error")
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{
			"filename": csvFilename(rel.Name, rel.ID),
		}))
		// The scope moves with every change and dependency write, and it
		// is access-controlled: no cache should keep a copy.
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Length", strconv.Itoa(body.Len()))
		_, _ = w.Write(body.Bytes())
	})
}

// csvFilename is the download's file name: the release name with every run
// of characters other than ASCII letters, digits, '.', '_' and '-' made one
// '-' (no quote, slash or control character reaches the header or the
// user's disk), at most 100 of them, then "-regression.csv"; a name with
// nothing left gives "release-<id>".
func csvFilename(name string, id int) string {
	var b strings.Builder
	dash := false
	for _, c := range name {
		switch {
		case c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'):
			b.WriteRune(c)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	safe := b.String()
	if len(safe) > 100 {
		safe = safe[:100]
	}
	// Leading dots would hide the file on Unix; edge dashes are noise.
	safe = strings.Trim(safe, ".-")
	if safe == "" {
		safe = "release-" + strconv.Itoa(id)
	}
	return safe + "-regression.csv"
}

// plainError answers with a line of plain text.
func plainError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, msg)
}
