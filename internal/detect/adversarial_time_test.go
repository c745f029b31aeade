//go:build linux && !race

package detect_test

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// threadCPU is the CPU time of the calling OS thread.
func threadCPU(t *testing.T) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestDecoderTimeIsLinear holds each 64 MB adversarial input (the
// hostile-content issue's and issue 22's) to at most 5x the time of 64 MB
// of plain text plus one second. Time is the CPU time of this goroutine's locked thread, so
// other processes on the machine do not count; the race detector's
// instrumentation would, so this file is left out under -race.
func TestDecoderTimeIsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 64 MB inputs")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const n = 64 << 20
	measure := func(in []byte) time.Duration {
		runtime.GC()
		t0 := threadCPU(t)
		pipeline(bytes.NewReader(in))
		return threadCPU(t) - t0
	}
	plain := plainText(n)
	base := min(measure(plain), measure(plain))
	plain = nil
	limit := 5*base + time.Second
	for _, a := range adversarial {
		took := measure(repeat(a.unit, n, " x"))
		t.Logf("%-15s %v (%.1fx plain text, %v)", a.name, took, float64(took)/float64(base), base)
		if took > limit {
			t.Errorf("%s: 64 MB took %v of CPU, over 5x plain text (%v) plus 1s", a.name, took, base)
		}
	}
}
