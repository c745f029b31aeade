// Package browsertest gives tests a browser to drive and a share of the
// machine to drive it on. `go test ./...` runs every package's tests at
// once, each package in a process of its own, and a Chromium is heavy: on
// two cores, two or three of them at once starve each other (and the
// pages they load) of the time the tests give them. So a test that starts
// one, itself or through the cratesguard binary, first takes a slot: a
// file lock in the system's temporary directory, shared by every process
// on the machine. There are Slots() of them.
package browsertest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// Path returns the browser the tests drive, as find (browser.Find, which
// this package cannot import: the browser package's own tests use it)
// finds it, or skips the test with a visible message. CI installs Chromium
// (.ci/run) and sets CRATESGUARD_REQUIRE_BROWSER: there a missing browser
// fails the test. CRATESGUARD_BROWSER names a browser that is not on PATH.
func Path(t testing.TB, find func(path string) (string, error)) string {
	t.Helper()
	p, err := find(os.Getenv("CRATESGUARD_BROWSER"))
	if err != nil {
		if os.Getenv("CRATESGUARD_REQUIRE_BROWSER") != "" {
			t.Fatalf("CRATESGUARD_REQUIRE_BROWSER is set, and %v", err)
		}
		t.Skipf("SKIPPED: browser tests need Chromium: %v", err)
	}
	return p
}

// Need is Path, and a slot held until the test ends.
func Need(t testing.TB, find func(path string) (string, error)) string {
	t.Helper()
	p := Path(t, find)
	Slot(t)
	return p
}

// Slots is how many browsers the tests of all packages run at once:
// CRATESGUARD_BROWSER_SLOTS, else one per two cores, at least one and at
// most two.
func Slots() int {
	if n, err := strconv.Atoi(os.Getenv("CRATESGUARD_BROWSER_SLOTS")); err == nil && n > 0 {
		return n
	}
	return max(1, min(2, runtime.NumCPU()/2))
}

// Slot waits until a browser slot is free and holds it until the test
// (and its cleanups registered before) ends. A slot is a lock the kernel
// releases when its process ends, however it ends: a crashed test frees
// its slot.
func Slot(t testing.TB) {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "cratesguard-test-browsers")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatalf("browser slots: %v", err)
	}
	n := Slots()
	names := make([]string, n)
	for i := range names {
		names[i] = filepath.Join(dir, fmt.Sprintf("slot-%d.lock", i))
	}
	begun := time.Now()
	release, err := take(names, os.Getpid()%n)
	if err != nil {
		t.Fatalf("browser slots: %v", err)
	}
	if d := time.Since(begun); d > time.Second {
		t.Logf("waited %s for one of %d browser slots", d.Round(100*time.Millisecond), n)
	}
	t.Cleanup(release)
}
