//go:build race

package dispatch_test

// raceDetector is true when the tests run under the race detector, which
// slows everything several times: absolute latency targets are checked
// without it (.ci/run runs the latency tests both ways).
const raceDetector = true
