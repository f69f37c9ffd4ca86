//go:build !race

package app_test

// raceEnabled is true when the race detector is on.
const raceEnabled = false
