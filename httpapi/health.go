package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
)

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// readyCheck is one readiness check as /readyz shows it.
type readyCheck struct {
	Name         string `json:"name" enum:"database,disk" doc:"database: it answers and every migration is applied; disk: the file system of the SQLite database has room (SQLite only)"`
	OK           bool   `json:"ok"`
	Message      string `json:"message" doc:"What was found, for people"`
	FreeBytes    uint64 `json:"free_bytes,omitempty" doc:"disk: bytes free for the database"`
	MinFreeBytes uint64 `json:"min_free_bytes,omitempty" doc:"disk: the fewest free bytes that count as ready"`
}

type readyOutput struct {
	Body struct {
		Status string       `json:"status" example:"ready" doc:"ready when every check passes"`
		Checks []readyCheck `json:"checks" doc:"Each readiness check"`
	}
}

// notReadyProblem is the 503 of /readyz: a problem that lists the checks.
type notReadyProblem struct {
	Problem
	Checks []readyCheck `json:"checks" doc:"Each readiness check"`
}

// readyTimeout bounds how long /readyz waits for the database.
const readyTimeout = 5 * time.Second

func registerReadyz(api huma.API, s *Server) {
	op := operation(http.MethodGet, "/readyz", "readiness", "Service", "Readiness",
		"Answers 200 when hookd can take traffic: its database answers within 5 seconds, every migration has been applied "+
			"and, on SQLite, the data directory's file system has room (64 MiB free by default); 503 with `Retry-After` otherwise, "+
			"listing every check either way. `GET /healthz` (not listed here) answers 200 whenever the process runs.",
		http.StatusOK, http.StatusServiceUnavailable)
	huma.Register(api, op, func(ctx context.Context, _ *struct{}) (*readyOutput, error) {
		ctx, cancel := context.WithTimeout(ctx, readyTimeout)
		defer cancel()
		checks, err := s.Ready(ctx)
		out := &readyOutput{}
		out.Body.Status = "ready"
		for _, c := range checks {
			out.Body.Checks = append(out.Body.Checks, readyCheck{Name: c.Name, OK: c.OK, Message: c.Message, FreeBytes: c.FreeBytes, MinFreeBytes: c.MinFreeBytes})
		}
		if err != nil || !hookd.Ready(checks) {
			s.Log.Warn("not ready", "err", err)
			p := &notReadyProblem{Problem: *newProblem(ProblemTypeBase+"not-ready", http.StatusServiceUnavailable,
				"hookd cannot take traffic now: see the failed checks."), Checks: out.Body.Checks}
			p.Instance = "/readyz"
			p.headers = http.Header{"Retry-After": {strconv.Itoa(hookd.RetryAfterUnavailable)}}
			return nil, p
		}
		return out, nil
	})
}
