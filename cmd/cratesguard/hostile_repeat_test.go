//go:build linux && !race

package main

// Hostile content: one token repeated. A body that is one token 100,000
// times over is 100,000 places of one finding; each must cost a lookup,
// not a comparison with every place kept (it once took 460 µs a place: 53 s
// for this 4 MB body, and minutes for a bigger one). Held, like the
// decoder's shapes (internal/detect's TestDecoderTimeIsLinear), to 5x the
// CPU time of a plain body of the same size plus 1 s. The places kept stay
// capped at 100, and every occurrence is counted. (Left out under -race,
// whose instrumentation would count.)

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/tokentest"
	"golang.org/x/sys/unix"
)

func processCPU(t *testing.T) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestARepeatedTokenCostsLittle(t *testing.T) {
	tok := tokentest.New(260).API()
	n := (4 << 20) / (len(tok) + 1)
	bodies := map[string][]byte{
		"/repeated.js": bytes.Repeat([]byte(tok+"\n"), n),
		"/plain.js":    bytes.Repeat([]byte("var a = 1;\n"), n*(len(tok)+1)/11),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(bodies[r.URL.Path])
	}))
	defer srv.Close()
	measure := func(path string) (time.Duration, result) {
		runtime.GC()
		t0 := processCPU(t)
		r := cli(t, "scan", "--format", "json", srv.URL+path)
		return processCPU(t) - t0, r
	}
	b1, _ := measure("/plain.js")
	b2, _ := measure("/plain.js")
	base := min(b1, b2)
	took, r := measure("/repeated.js")
	t.Logf("%d places of one token: %v of CPU (%.1fx a plain body of the same size, %v)", n, took, float64(took)/float64(base), base)
	if took > 5*base+time.Second {
		t.Errorf("%d places of one token took %v of CPU, over 5x a plain body (%v) plus 1s", n, took, base)
	}
	var js struct {
		Findings []struct {
			Sha256      string
			Occurrences int
			Locations   []struct{ Line int }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &js); err != nil {
		t.Fatal(err)
	}
	if r.code != 1 || len(js.Findings) != 1 || js.Findings[0].Sha256 != sha(tok) {
		t.Fatalf("exit %d, %d findings: want the one token", r.code, len(js.Findings))
	}
	f := js.Findings[0]
	if f.Occurrences != n || len(f.Locations) != 100 || f.Locations[0].Line != 1 || f.Locations[99].Line != 100 {
		t.Errorf("occurrences %d (want %d), %d places kept (want the first 100 lines)", f.Occurrences, n, len(f.Locations))
	}
}
