package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

type readyOutput struct {
	Body struct {
		Status string `json:"status" example:"ready" doc:"ready when the database answers and every migration is applied"`
	}
}

func registerReadyz(api huma.API, s *Server) {
	op := operation(http.MethodGet, "/readyz", "readiness", "Service", "Readiness",
		"Answers 200 when hookd can take traffic: its database answers and every migration has been applied; 503 otherwise. `GET /healthz` (not listed here) answers 200 whenever the process runs.",
		http.StatusOK, http.StatusServiceUnavailable)
	huma.Register(api, op, func(ctx context.Context, _ *struct{}) (*readyOutput, error) {
		if err := s.Ready(ctx); err != nil {
			s.Log.Warn("not ready", "err", err)
			return nil, newProblem(ProblemTypeBase+"not-ready", http.StatusServiceUnavailable, "The database is unreachable or has pending migrations.")
		}
		out := &readyOutput{}
		out.Body.Status = "ready"
		return out, nil
	})
}
