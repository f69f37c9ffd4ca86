package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"
)

const (
	// checkpointInterval is how often the checkpointer copies the SQLite
	// write-ahead log into the database file.
	checkpointInterval = 25 * time.Millisecond
	// idleCheckpointInterval is how often it looks at a log that has not
	// changed for a while.
	idleCheckpointInterval = time.Second
	// restartFrames is the length of the log, in pages (32 MiB), past
	// which the checkpointer makes the writer start it over. A restart
	// holds writes back for a few milliseconds: the longer the log may
	// grow, the rarer that is.
	restartFrames = 8192
)

// checkpointer copies the write-ahead log into the database file from its
// own connection, in PASSIVE mode, which never blocks the writer. SQLite's
// automatic checkpoint (switched off on the write connection) runs inside
// the commit that crosses the threshold, so one write in a thousand pages
// would wait for the copy and its fsync: tens of milliseconds.
//
// Under steady writes a passive checkpoint never catches up with the
// writer, and the log only starts over once it has: so when the log is long
// the checkpointer follows with a RESTART, which holds writers back only
// while it copies the few pages written since the passive one.
//
// A checkpoint costs about half a millisecond even with nothing to copy, so
// the checkpointer first looks whether the log file changed since the last
// one, and looks less often while it does not: an idle hookd does not spend
// 2 % of a core on it.
type checkpointer struct {
	db      *sql.DB
	walPath string
	stop    context.CancelFunc
	done    chan struct{}
}

// startCheckpointer opens a connection to the database named by the URI
// name, whose file is path, and checkpoints through it until stopped.
func startCheckpointer(ctx context.Context, name, path string) (*checkpointer, error) {
	db, err := openSQLitePool(ctx, name+"?_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)", 1)
	if err != nil {
		return nil, fmt.Errorf("checkpointer: %w", err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	c := &checkpointer{db: db, walPath: path + "-wal", stop: stop, done: make(chan struct{})}
	go c.run(runCtx)
	return c, nil
}

// walState is what tells that the log file changed.
type walState struct {
	size    int64
	modTime time.Time
}

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	wait := checkpointInterval
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var last walState
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
			info, err := os.Stat(c.walPath)
			if err == nil {
				now := walState{info.Size(), info.ModTime()}
				if now == last {
					// Idle: look less and less often, up to once a second.
					wait = min(2*wait, idleCheckpointInterval)
					timer.Reset(wait)
					continue
				}
				last = now
			}
			wait = checkpointInterval
			timer.Reset(wait)
			// A failed checkpoint is retried at the next change; the log
			// only grows meanwhile.
			var busy, frames, copied int
			err = c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
			if err == nil && frames >= restartFrames {
				_, _ = c.db.ExecContext(ctx, "PRAGMA wal_checkpoint(RESTART)")
			}
		}
	}
}

// Close stops the checkpointer, checkpoints what is left and closes its
// connection.
func (c *checkpointer) Close() error {
	c.stop()
	<-c.done
	_, err := c.db.Exec("PRAGMA wal_checkpoint(PASSIVE)")
	if cerr := c.db.Close(); err == nil {
		err = cerr
	}
	return err
}
