//go:build !race

package main

// scaleOutEvents is how many events the scale-out test publishes in each
// phase: issue 13's 30,000 (fewer under the race detector, see
// scaleout_race_test.go).
const scaleOutEvents = 30000
