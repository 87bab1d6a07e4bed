package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/internal/mediatype"
	"github.com/relgraph/relgraph/internal/viewer"
)

// The HTTP headers.
const (
	// Header is the request header that carries the key.
	Header = "Idempotency-Key"
	// ReplayedHeader is "true" on a response replayed for a repeat.
	ReplayedHeader = "Idempotent-Replayed"
)

// Handler serves POST requests that carry an Idempotency-Key with next at
// most once per caller and key (see the package comment); other requests go
// to next untouched. It must run after the caller is known (viewer.With) and
// reads the request body whole, through whatever limit r.Body already has:
// a body it cannot read goes to next as it is, to be refused there.
//
// Its own refusals are GraphQL error responses without data, in the media
// type the client accepts: under application/json status 200 (as for any
// well-formed GraphQL request), under application/graphql-response+json 400
// for a bad key and 409 for a conflict.
func (k *Keeper) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys := r.Header.Values(Header)
		if r.Method != http.MethodPost || len(keys) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if len(keys) > 1 || !ValidKey(keys[0]) {
			refuse(w, r, http.StatusBadRequest, "BAD_USER_INPUT", false,
				"the Idempotency-Key header must be one key of 1 to 255 printable ASCII characters")
			return
		}
		if r.Body == nil { // a request built in Go rather than received
			r.Body = http.NoBody
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), failingReader{err}))
			next.ServeHTTP(w, r)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256(body)
		k.serve(w, r, next, request{caller: viewer.Actor(r.Context()), key: keys[0], hash: hex.EncodeToString(sum[:])})
	})
}

// failingReader hands on the error that reading a body ended with (say an
// *http.MaxBytesError), so that next refuses it as it would have.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// serve claims q's key and runs the request, or answers it from the
// request that holds the key, waiting while that one runs.
func (k *Keeper) serve(w http.ResponseWriter, r *http.Request, next http.Handler, q request) {
	ctx := r.Context()
	row, claimed, err := k.claim(ctx, q)
	waited := false
	for err == nil && !claimed {
		switch {
		case row.RequestHash != q.hash:
			refuse(w, r, http.StatusConflict, "CONFLICT", false,
				"this Idempotency-Key was already used for a different request: send a new request with a new key")
			return
		case row.Done:
			replay(w, row)
			return
		case k.interrupted(row):
			refuse(w, r, http.StatusConflict, "CONFLICT", false,
				"the request first sent with this Idempotency-Key was interrupted and its outcome is unknown: check what it did, then send it with a new key")
			return
		}
		waited = true
		timer := time.NewTimer(PollInterval)
		select {
		case <-ctx.Done():
			timer.Stop()
			err = ctx.Err()
			continue
		case <-timer.C:
		}
		if row, err = k.lookup(ctx, q); err == nil && row == nil {
			// The first request failed and released the key: run this one.
			row, claimed, err = k.claim(ctx, q)
		}
	}
	switch {
	case err != nil && ctx.Err() != nil && waited:
		refuse(w, r, http.StatusConflict, "CONFLICT", true,
			"a request with this Idempotency-Key is still in progress: retry later with the same key")
	case err != nil && ctx.Err() != nil:
		refuse(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", true,
			"the request ran out of time before its Idempotency-Key could be claimed: retry with the same key")
	case err != nil:
		k.logger.ErrorContext(ctx, "idempotency key claim failed", "err", err)
		refuse(w, r, http.StatusInternalServerError, "INTERNAL", false, "internal error")
	default:
		k.run(w, r, next, row)
	}
}

// run serves the request that claimed row, holding its response back until
// it is kept (or the claim released), so that a client that saw a success
// finds its response kept when it retries. A response over MaxResponseBytes
// is not kept: it is sent as it comes, and the claim released.
func (k *Keeper) run(w http.ResponseWriter, r *http.Request, next http.Handler, row *ent.IdempotencyKey) {
	finished := false
	rec := &recorder{w: w, status: http.StatusOK}
	defer func() {
		if !finished { // next panicked: nothing was kept
			k.finish(r.Context(), "releasing", func(ctx context.Context) error { return k.release(ctx, row) })
		}
	}()
	next.ServeHTTP(rec, r)
	finished = true
	if rec.passing {
		k.finish(r.Context(), "releasing", func(ctx context.Context) error { return k.release(ctx, row) })
		return
	}
	body := rec.body.Bytes()
	if succeeded(rec.status, body) {
		contentType := w.Header().Get("Content-Type")
		k.finish(r.Context(), "keeping", func(ctx context.Context) error {
			return k.keep(ctx, row, rec.status, contentType, body)
		})
	} else {
		k.finish(r.Context(), "releasing", func(ctx context.Context) error { return k.release(ctx, row) })
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	rec.pass()
}

// finish keeps or releases a claim even if the request's time has run out.
// On failure the claim stays unfinished: a repeat waits for it, then is told
// that its outcome is unknown (see Options.MaxRun); running it again could
// write twice.
func (k *Keeper) finish(ctx context.Context, what string, f func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	if err := f(ctx); err != nil {
		k.logger.ErrorContext(ctx, what+" an idempotency key failed", "err", err)
	}
}

// succeeded reports whether a response is one to keep: status 200 and a JSON
// body with no "errors" entry (a request with errors wrote nothing).
func succeeded(status int, body []byte) bool {
	if status != http.StatusOK {
		return false
	}
	var rsp struct {
		Errors json.RawMessage `json:"errors"`
	}
	return json.Unmarshal(body, &rsp) == nil && rsp.Errors == nil
}

// replay answers with a kept response.
func replay(w http.ResponseWriter, row *ent.IdempotencyKey) {
	h := w.Header()
	h.Set("Content-Type", row.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(row.Response)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set(ReplayedHeader, "true")
	w.WriteHeader(row.Status)
	_, _ = w.Write(row.Response)
}

// recorder holds back a response until it is known whether it is kept, up
// to MaxResponseBytes; beyond, it passes the response through.
type recorder struct {
	w       http.ResponseWriter
	status  int
	body    bytes.Buffer
	passing bool // the held response was sent; the rest goes straight through
}

func (rec *recorder) Header() http.Header { return rec.w.Header() }

func (rec *recorder) WriteHeader(status int) {
	if rec.passing {
		rec.w.WriteHeader(status)
		return
	}
	rec.status = status
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.passing {
		return rec.w.Write(b)
	}
	if rec.body.Len()+len(b) > MaxResponseBytes {
		rec.pass()
		return rec.w.Write(b)
	}
	return rec.body.Write(b)
}

// pass sends what is held back and lets the rest through.
func (rec *recorder) pass() {
	rec.passing = true
	rec.w.WriteHeader(rec.status)
	_, _ = rec.w.Write(rec.body.Bytes())
	rec.body = bytes.Buffer{}
}

// refuse answers with a GraphQL error and no data. Under application/json
// the status is 200, as for any well-formed GraphQL request; under
// application/graphql-response+json it is status.
func refuse(w http.ResponseWriter, r *http.Request, status int, code string, retryable bool, msg string) {
	type extensions struct {
		Code      string `json:"code"`
		Retryable bool   `json:"retryable,omitempty"`
	}
	type gqlError struct {
		Message    string     `json:"message"`
		Extensions extensions `json:"extensions"`
	}
	body, _ := json.Marshal(struct {
		Errors []gqlError `json:"errors"`
	}{[]gqlError{{Message: msg, Extensions: extensions{Code: code, Retryable: retryable}}}})
	contentType := mediatype.Of(r)
	if contentType == "application/json" {
		status = http.StatusOK
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
