package main

import (
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/relgraph/relgraph/internal/metrics"
)

// metricsServer returns the server of the Prometheus metrics endpoint,
// /metrics and nothing else, and its listener on addr: a listener of its own,
// so that the metrics are never served to the public listener's callers.
func metricsServer(addr string, m *metrics.Metrics, logger *slog.Logger) (*http.Server, net.Listener, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	logger.Info("metrics listening", "url", "http://"+ln.Addr().String()+"/metrics")
	return srv, ln, nil
}
