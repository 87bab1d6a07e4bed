// Package subclient is a minimal GraphQL subscription client, for tests and
// tools: the graphql-transport-ws protocol over WebSocket (Dial) and
// server-sent events (SSE).
package subclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// Message is one graphql-transport-ws message.
type Message struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Conn is an acknowledged graphql-transport-ws connection.
type Conn struct {
	ws *websocket.Conn
}

// Dial opens a WebSocket to url (ws:// or wss://) with header, sends
// connection_init with initPayload (nil: none) and waits for the
// acknowledgement; a refusal is an error with the server's reason.
func Dial(ctx context.Context, url string, header http.Header, initPayload map[string]any) (*Conn, error) {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: header, Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	c := &Conn{ws: ws}
	init := map[string]any{"type": "connection_init"}
	if initPayload != nil {
		init["payload"] = initPayload
	}
	if err := wsjson.Write(ctx, ws, init); err != nil {
		return nil, err
	}
	for {
		m, err := c.Read(ctx)
		if err != nil {
			_ = ws.CloseNow()
			return nil, err
		}
		switch m.Type {
		case "connection_ack":
			return c, nil
		case "ping", "pong", "ka":
			continue
		default:
			_ = ws.CloseNow()
			return nil, fmt.Errorf("subclient: connection refused: %s %s", m.Type, m.Payload)
		}
	}
}

// Subscribe starts operation id.
func (c *Conn) Subscribe(ctx context.Context, id, query string, variables map[string]any) error {
	return wsjson.Write(ctx, c.ws, map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query, "variables": variables}})
}

// Stop ends operation id.
func (c *Conn) Stop(ctx context.Context, id string) error {
	return wsjson.Write(ctx, c.ws, map[string]any{"id": id, "type": "complete"})
}

// Read returns the next message, answering pings on the way; a closed
// connection is an error with its close status and reason.
func (c *Conn) Read(ctx context.Context) (Message, error) {
	for {
		var m Message
		if err := wsjson.Read(ctx, c.ws, &m); err != nil {
			return m, err
		}
		if m.Type == "ping" {
			if err := wsjson.Write(ctx, c.ws, map[string]any{"type": "pong"}); err != nil {
				return m, err
			}
			continue
		}
		if m.Type == "pong" {
			continue
		}
		return m, nil
	}
}

// Close closes the connection.
func (c *Conn) Close() error { return c.ws.Close(websocket.StatusNormalClosure, "") }

// Stream is a subscription over server-sent events.
type Stream struct {
	body io.ReadCloser
	r    *bufio.Reader
}

// SSE posts the subscription to url and returns its stream once the
// server answered; a non-200 answer is an error with its body.
func SSE(ctx context.Context, url string, header http.Header, query string, variables map[string]any) (*Stream, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": variables})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if rsp.StatusCode != http.StatusOK {
		defer rsp.Body.Close()
		b, _ := io.ReadAll(rsp.Body)
		return nil, fmt.Errorf("subclient: %s: %s", rsp.Status, b)
	}
	return &Stream{body: rsp.Body, r: bufio.NewReader(rsp.Body)}, nil
}

// ErrComplete is returned by Next when the server completed the stream.
var ErrComplete = errors.New("subclient: stream complete")

// Next returns the data of the next "next" event, skipping keep-alive
// comments.
func (s *Stream) Next() (json.RawMessage, error) {
	var event, data string
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if event == "complete" {
				return nil, ErrComplete
			}
			if event == "next" && data != "" {
				return json.RawMessage(data), nil
			}
			event, data = "", ""
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
		}
	}
}

// Close ends the stream.
func (s *Stream) Close() error { return s.body.Close() }
