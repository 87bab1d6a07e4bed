package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/relgraph/relgraph/internal/mediatype"
)

// postTransport is gqlgen's POST transport (transport.POST, v0.17.98) with
// one difference: it writes the response's data as the executor produced
// it. gqlgen encodes the response with json.Marshal, which re-validates and
// compacts the data it was handed as raw JSON: for a large answer (an
// impact naming thousands of applications) that scan cost a quarter of the
// request. The data comes from gqlgen's marshallers and is compact, valid
// JSON by construction. Everything else (content negotiation, status codes,
// errors) is the original's; graphQLOverHTTP adjusts the statuses after it.
type postTransport struct{}

var _ graphql.Transport = postTransport{}

// Supports is transport.POST's.
func (postTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return false
	}
	return r.Method == http.MethodPost && mediaType == mediatype.JSON
}

// Do is transport.POST's, but for writeResponse.
func (postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := mediatype.Of(r)
	w.Header().Add("Content-Type", contentType)
	start := graphql.Now()

	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %+v", err)}))
		return
	}
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf(
			"json request body could not be decoded: %+v body:%s", err, string(body))}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			if contentType == mediatype.GraphQLResponse {
				w.WriteHeader(http.StatusBadRequest)
			} else {
				w.WriteHeader(http.StatusUnprocessableEntity)
			}
		}
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// writeResponse writes resp as json.Marshal would, but copies Data as it
// is instead of re-validating it (and so without json.Marshal's escaping
// of <, > and & inside it: the answer is served as JSON with nosniff, never
// as HTML).
func writeResponse(w io.Writer, resp *graphql.Response) {
	// The small fields are encoded around data, which, the bulk, is
	// written as it is rather than copied among them.
	var head, tail []byte
	field := func(out *[]byte, name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(fmt.Errorf("unable to marshal the response's %s: %w", name, err))
		}
		*out = append(*out, `,"`+name+`":`...)
		*out = append(*out, b...)
	}
	if len(resp.Errors) > 0 {
		field(&head, "errors", resp.Errors)
	}
	if resp.Label != "" {
		field(&tail, "label", resp.Label)
	}
	if len(resp.Path) > 0 {
		field(&tail, "path", resp.Path)
	}
	if resp.HasNext != nil {
		field(&tail, "hasNext", resp.HasNext)
	}
	if len(resp.Extensions) > 0 {
		field(&tail, "extensions", resp.Extensions)
	}
	head = append(head, `,"data":`...)
	head[0] = '{' // the first field's comma
	tail = append(tail, '}')
	if resp.Data == nil {
		_, _ = w.Write(append(append(head, "null"...), tail...))
		return
	}
	// Declared, the length spares a large answer chunked framing (and the
	// client its parsing); ignored if the status was written already.
	if rw, ok := w.(http.ResponseWriter); ok {
		rw.Header().Set("Content-Length", strconv.Itoa(len(head)+len(resp.Data)+len(tail)))
	}
	_, _ = w.Write(head)
	_, _ = w.Write(resp.Data)
	_, _ = w.Write(tail)
}
