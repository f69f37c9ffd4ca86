package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/hookd/hookd"
)

// RequestIDHeader carries a request's ID, both ways.
const RequestIDHeader = "X-Request-Id"

// withRequestID gives every request an ID: the client's X-Request-Id when
// it is a sane one (hookd.ValidRequestID), else a new one. The ID is
// echoed in the response's X-Request-Id, carried by the request's context
// (hookd.WithRequestID: events published keep it, and their delivery
// attempts log it), added to the log lines of the request's errors, and
// logged with the request's outcome at debug level.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !hookd.ValidRequestID(id) {
			id = hookd.NewID("req")
		}
		w.Header().Set(RequestIDHeader, id)
		ctx := hookd.WithRequestID(r.Context(), id)
		log := s.Log
		if log == nil {
			log = slog.Default()
		}
		log = log.With("request_id", id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(withLog(ctx, log)))
		if log.Enabled(ctx, slog.LevelDebug) {
			log.LogAttrs(ctx, slog.LevelDebug, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", rec.status), slog.Duration("duration", time.Since(start)))
		}
	})
}

// logOf returns the logger of r's log lines: the Server's, with r's
// request ID.
func (s *Server) logOf(r *http.Request) *slog.Logger {
	if log := logFrom(r.Context()); log != nil {
		return log
	}
	return s.Log
}
