//go:build race

package app_test

// raceEnabled is true when the race detector is on: tests that measure
// load shrink it, the detector making every step some twenty times slower.
const raceEnabled = true
