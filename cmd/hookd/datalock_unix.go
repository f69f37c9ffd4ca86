//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataDir takes the data directory's lock, held by a running
// `hookd serve` on SQLite (SQLite allows one serving process: two would
// both deliver and sweep each other's leases) and by `hookd admin
// restore`. It fails at once, saying why, if another process holds it.
// The lock is released by unlock, or by the kernel when the process ends
// however it ends.
func lockDataDir(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	path := filepath.Join(dir, "hookd.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another hookd serve (or admin restore) is using the data directory %s: "+
				"SQLite allows one serving process; stop it first, or use PostgreSQL to run several instances", dir)
		}
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
