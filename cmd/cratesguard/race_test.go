//go:build race

package main

// raceEnabled: the race detector slows the test process (not the binary
// the memory tests run) tenfold; tests that only serve gigabytes to a
// child skip under it.
const raceEnabled = true
