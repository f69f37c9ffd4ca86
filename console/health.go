package console

import (
	"context"
	"net/http"
	"runtime"
	"time"

	"github.com/hookd/hookd"
)

// healthPage is the data of the operator's instance health page.
type healthPage struct {
	Version   string
	GoVersion string
	Backend   string
	// Ready is true when the store answers with every migration applied;
	// Problem says why not.
	Ready   bool
	Problem string
	// Latency is how long the readiness check took.
	Latency    time.Duration
	Started    time.Time
	Uptime     time.Duration
	Goroutines int
	HeapBytes  uint64
	SysBytes   uint64
}

func (s *Server) health(w http.ResponseWriter, r *http.Request, v *visit) error {
	p := healthPage{
		Version:    hookd.Version,
		GoVersion:  runtime.Version(),
		Backend:    s.Backend,
		Started:    s.Started,
		Uptime:     s.now().Sub(s.Started).Truncate(time.Second),
		Goroutines: runtime.NumGoroutine(),
		Ready:      true,
	}
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		start := time.Now()
		err := s.Ready(ctx)
		p.Latency = time.Since(start)
		cancel()
		if err != nil {
			p.Ready, p.Problem = false, err.Error()
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	p.HeapBytes, p.SysBytes = m.HeapAlloc, m.Sys
	status := http.StatusOK
	if !p.Ready {
		status = http.StatusServiceUnavailable
	}
	return s.render(w, r, v, status, "health", "Instance health", p)
}
