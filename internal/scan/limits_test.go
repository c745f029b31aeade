package scan

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/findings"
)

// linkSite serves an index linking n pages and records when each request
// arrived and how many were in flight at once.
func linkSite(t *testing.T, n int, hold time.Duration) (*httptest.Server, func() ([]time.Time, int32)) {
	var mu sync.Mutex
	var times []time.Time
	var inFlight, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if now <= p || peak.CompareAndSwap(p, now) {
				break
			}
		}
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		time.Sleep(hold)
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/" {
			for i := 0; i < n; i++ {
				fmt.Fprintf(w, `<a href="/p%d">p</a>`, i)
			}
			return
		}
		io.WriteString(w, "<p>page</p>")
	}))
	t.Cleanup(srv.Close)
	return srv, func() ([]time.Time, int32) {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Time(nil), times...), peak.Load()
	}
}

func TestPerHostConcurrency(t *testing.T) {
	srv, stats := linkSite(t, 40, 30*time.Millisecond)
	rep := scanURL(t, srv.URL+"/", func(c *config.Config) { c.Concurrency = 32; c.PerHost = 3 })
	times, peak := stats()
	if len(times) != 41 || peak > 3 || peak < 2 {
		t.Fatalf("%d requests, at most %d at once; want 41 with at most 3 at once", len(times), peak)
	}
	if !rep.Complete() {
		t.Fatal("scan incomplete")
	}
}

// TestRateLimit: at --rate 20 the k-th request (from 0) cannot reach the
// server before k x 50 ms after the scan began. Arrivals are compared with
// that schedule, not with each other: a request delayed on a loaded machine
// makes the gap to the next one look short, but never makes any request
// early, so the test holds however busy the machine is.
func TestRateLimit(t *testing.T) {
	srv, stats := linkSite(t, 9, 0)
	begun := time.Now()
	scanURL(t, srv.URL+"/", func(c *config.Config) { c.Concurrency = 8; c.Rate = 20 })
	times, _ := stats()
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	if len(times) != 10 {
		t.Fatalf("%d requests", len(times))
	}
	for k, at := range times {
		if early := time.Duration(k)*50*time.Millisecond - at.Sub(begun); early > 0 {
			t.Errorf("request %d arrived %v after the start, %v before its slot at --rate 20", k, at.Sub(begun), early)
		}
	}
}

func TestDiscoveredFailuresDoNotFailTheScan(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<a href="/broken">x</a>`)
	}))
	defer srv.Close()
	rep := scanURL(t, srv.URL+"/", func(c *config.Config) { c.Retries = 0 })
	var broken findings.Target
	for _, tg := range rep.Targets {
		if tg.Discovered {
			broken = tg
		}
	}
	if broken.State != findings.Failed || !rep.Complete() || rep.ExitCode(findings.FailOnAny) != 0 {
		t.Fatalf("discovered 500: %s, complete %v, exit %d; want failed, complete, 0", broken.State, rep.Complete(), rep.ExitCode(findings.FailOnAny))
	}
}
