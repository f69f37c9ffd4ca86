package sqlstore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCheckpointKeepsLogSmall writes several times what the write-ahead log
// may hold and checks that the checkpointer, not the writer (whose
// automatic checkpoint is off), keeps it bounded.
func TestCheckpointKeepsLogSmall(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "hookd.db")
	s, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const page = 4096
	value := strings.Repeat("x", 15*page) // about 15 pages per write
	limit := int64(restartFrames) * page
	var written int64
	start := time.Now()
	for i := 0; written < 4*limit || time.Since(start) < 10*checkpointInterval; i++ {
		if err := s.PutSetting(ctx, "k"+strings.Repeat("0", i%7), value+string(rune('a'+i%26))); err != nil {
			t.Fatal(err)
		}
		written += int64(len(value))
	}
	info, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d MiB written in %s; the log is %d MiB", written>>20, time.Since(start), info.Size()>>20)
	if info.Size() > 2*limit {
		t.Errorf("write-ahead log is %d MiB after %d MiB written: nothing restarted it", info.Size()>>20, written>>20)
	}
}
