package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/browsertest"
)

// hostilePages are pages that do their best never to end, each with what
// its cut-short reason must say ("" when the page must end on its own).
var hostilePages = []struct {
	path, html, cut string
}{
	{"/sw", `<p id=x>sw</p><script>navigator.serviceWorker.register("/sw.js");</script>`, ""},
	{"/sw-poll", `<script>navigator.serviceWorker.register("/sw-poll.js");</script>`, "when --browser-timeout"},
	{"/workers", `<script>new Worker("/spawn.js");</script>`, ""},
	{"/dialogs", `<script>for (;;) alert("again");</script>`, "could not be read"},
	{"/reload", `<script>setTimeout(() => location.reload(), 50);</script>`, "when --browser-timeout"},
	{"/poll", `<script>setInterval(() => fetch("/poll-data"), 100);</script>`, "when --browser-timeout"},
	{"/busy", `<script>onload = () => setTimeout(() => { for (;;) {} }, 10);</script>`, "could not be read"},
	{"/never", "", "did not get the page"},
}

// hostileServer serves hostilePages and what they ask for.
func hostileServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sw.js": // a service worker that installs and fetches
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `self.addEventListener("install", e => self.skipWaiting()); fetch("/from-sw");`)
			return
		case "/sw-poll.js": // one that polls for ever
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `setInterval(() => fetch("/from-sw"), 100);`)
			return
		case "/spawn.js": // workers starting workers, for ever
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `new Worker("/spawn.js?" + Math.random());`)
			return
		case "/never":
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
			return
		}
		for _, p := range hostilePages {
			if p.path == r.URL.Path {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, p.html)
				return
			}
		}
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// loadWithin loads page and fails the test if the load has not returned
// within bound (with the goroutines that hold it).
func loadWithin(t *testing.T, b *Browser, page string, bound time.Duration, each func(Record)) (Result, time.Duration, error) {
	t.Helper()
	type out struct {
		res Result
		err error
	}
	done := make(chan out, 1)
	begun := time.Now()
	go func() {
		res, err := b.Load(context.Background(), page, each)
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		return o.res, time.Since(begun), o.err
	case <-time.After(bound):
		pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
		t.Fatalf("%s: the load had not ended %s later", page, bound)
	}
	panic("unreachable")
}

// TestEveryPageEnds: whatever a page does (a service worker, workers
// starting workers, dialogs, reloads, polling, a busy loop, a document
// that never comes), its load ends within 2 × --browser-timeout plus a
// generous margin, cut short with its reason when it did not end on its
// own, and the same browser goes on with the next page. The pages that end
// on their own get 30 s, which they need a fraction of; the rest 6 s.
func TestEveryPageEnds(t *testing.T) {
	path := browsertest.Need(t, Find)
	srv := hostileServer(t)
	for _, settles := range []bool{true, false} {
		timeout := 6 * time.Second
		if settles {
			timeout = 30 * time.Second
		}
		b, err := Start(context.Background(), Options{Path: path, PageTimeout: timeout, MaxBytes: 1 << 20, Allow: sameOrigin(srv.URL)})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range hostilePages {
			if settles != (p.cut == "") {
				continue
			}
			var recs []Record
			res, took, err := loadWithin(t, b, srv.URL+p.path, 2*timeout+30*time.Second, func(r Record) { recs = append(recs, r) })
			t.Logf("%-9s %5.1fs of %s; cut short: %q", p.path, took.Seconds(), timeout, res.CutShort)
			if err != nil {
				t.Errorf("%s: %v", p.path, err)
				continue
			}
			switch {
			case p.cut == "" && res.CutShort != "":
				t.Errorf("%s was cut short: %s", p.path, res.CutShort)
			case p.cut != "" && !strings.Contains(res.CutShort, p.cut):
				t.Errorf("%s: cut short %q, want it to say %q", p.path, res.CutShort, p.cut)
			}
			if p.path == "/workers" && !strings.Contains(strings.Join(res.Warnings, "\n"), "held at their start") {
				t.Errorf("/workers: the workers past the bound are not reported: %q", res.Warnings)
			}
			if p.path == "/sw" {
				found := map[string]bool{}
				for _, r := range recs {
					found[r.Type+" "+strings.TrimPrefix(r.URL, srv.URL)] = true
				}
				if !found["service_worker /sw.js"] || !found["Fetch /from-sw"] {
					t.Errorf("/sw: the service worker's script or its fetch was not handed over: %v", found)
				}
			}
		}
		b.Close()
	}
}

// TestInterruptEndsALoad: an interrupt ends a load at once, with its error.
func TestInterruptEndsALoad(t *testing.T) {
	path := browsertest.Need(t, Find)
	srv := hostileServer(t)
	b, err := Start(context.Background(), Options{Path: path, PageTimeout: time.Minute, Allow: sameOrigin(srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan struct{})
	go func() {
		<-first
		cancel()
	}()
	var once bool
	done := make(chan error, 1)
	go func() {
		_, err := b.Load(ctx, srv.URL+"/poll", func(Record) {
			if !once {
				once = true
				close(first) // the page is running: interrupt it
			}
		})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("an interrupted load reported success")
		}
	case <-time.After(45 * time.Second):
		t.Fatal("an interrupted load (--browser-timeout 1m) had not ended 45 s later")
	}
}
