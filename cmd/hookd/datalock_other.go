//go:build !unix

package main

// lockDataDir has no file lock to take on this system: running one
// `hookd serve` per SQLite data directory is up to the operator.
func lockDataDir(dir string) (unlock func(), err error) { return func() {}, nil }
