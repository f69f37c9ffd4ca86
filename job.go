package hookd

import (
	"context"
	"time"
)

// JobStore records the runs of periodic background jobs (pruning, lease
// sweeps, the pull lifecycle, …) so that instances sharing a database run
// each once per period between them, not once each.
type JobStore interface {
	// ClaimJobRun claims the run of the job named name that is due at
	// now for holder (an instance's name): it succeeds if the job never
	// ran or its next run was due at or before now, and then sets the
	// next run at next. Of instances racing for one run, exactly one
	// wins; the others get false.
	ClaimJobRun(ctx context.Context, name, holder string, now, next time.Time) (bool, error)
}
