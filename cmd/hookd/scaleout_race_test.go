//go:build race

package main

// scaleOutEvents is how many events the scale-out test publishes in each
// phase. Under the race detector the test's own publishers and receiver
// run many times slower (hookd itself is built without it), so it
// publishes a fifth of the 30,000 a plain `go test` publishes, to stay
// within about a minute and a half.
const scaleOutEvents = 6000
