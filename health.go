package hookd

// Check is the outcome of one readiness check, safe to show anyone.
type Check struct {
	// Name is "database" (it answers, every migration is applied) or
	// "disk" (the file system of an SQLite database has room).
	Name string
	OK   bool
	// Message says what was found, for people.
	Message string
	// FreeBytes and MinFreeBytes are, for the disk, the bytes free to
	// hookd and the fewest that still count as ready.
	FreeBytes, MinFreeBytes uint64
}

// Ready reports whether every check passed.
func Ready(checks []Check) bool {
	for _, c := range checks {
		if !c.OK {
			return false
		}
	}
	return true
}
