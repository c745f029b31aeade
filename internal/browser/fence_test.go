package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/browsertest"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// TestOneFenceForEveryTarget: a shared worker, a service worker, and a
// worker started by a worker are fenced as the page is: none of their
// POSTs or requests to another origin leaves, each is listed as blocked,
// and what they fetch in scope (the configured header with it) is handed
// over, a config fetched by the worker's worker included.
func TestOneFenceForEveryTarget(t *testing.T) {
	path := browsertest.Need(t, Find)
	src := tokentest.New(2027)
	tok := map[string]string{"nested": src.API(), "sw": src.API(), "shared": src.API()}
	var mu sync.Mutex
	var sent, otherHits []string
	headers := map[string]string{}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		otherHits = append(otherHits, r.Method+" "+r.URL.Path)
		mu.Unlock()
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			sent = append(sent, r.Method+" "+r.URL.Path)
		}
		headers[r.URL.Path] = r.Header.Get("X-Deploy")
		mu.Unlock()
		js := func(body string) {
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, body)
		}
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<script>
navigator.serviceWorker.register("/s" + "w.js");
new SharedWorker("/sha" + "red.js");
new Worker("/outer.js");
</script>`)
		case "/sw.js":
			js(fmt.Sprintf(`self.addEventListener("install", e => self.skipWaiting());
fetch("/sw-" + "config").then(r => r.text());
fetch("/sw-submit", {method: "POST", body: "x"}).catch(() => {});
fetch(%q).catch(() => {});`, other.URL+"/from-sw"))
		case "/shared.js":
			js(fmt.Sprintf(`fetch("/shared-" + "config").then(r => r.text());
fetch("/shared-submit", {method: "POST", body: "x"}).catch(() => {});
fetch(%q).catch(() => {});`, other.URL+"/from-shared"))
		case "/outer.js":
			js(`new Worker("/in" + "ner.js");`)
		case "/inner.js":
			js(fmt.Sprintf(`fetch("/nested-" + "config").then(r => r.text());
fetch("/nested-submit", {method: "PUT", body: "x"}).catch(() => {});
fetch(%q).catch(() => {});`, other.URL+"/from-nested"))
		case "/sw-config":
			fmt.Fprint(w, tok["sw"])
		case "/shared-config":
			fmt.Fprint(w, tok["shared"])
		case "/nested-config":
			fmt.Fprint(w, tok["nested"])
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	b, err := Start(context.Background(), Options{Path: path, PageTimeout: 30 * time.Second, MaxBytes: 1 << 20,
		Allow: sameOrigin(srv.URL), Headers: []Header{{"X-Deploy", "key-a"}},
		HeadersFor: func(u *url.URL) bool { return sameOrigin(srv.URL)(u, nil) == "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got := map[string]Record{}
	res, err := b.Load(context.Background(), srv.URL+"/", func(r Record) {
		for k, v := range tok {
			if strings.Contains(string(r.Body), v) {
				got[k] = r
			}
		}
		if r.Type == ServiceWorker || r.Type == SharedWorker {
			got[r.Type] = r
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.CutShort != "" {
		t.Errorf("cut short: %s", res.CutShort)
	}
	for k := range tok {
		if r, ok := got[k]; !ok || r.URL != srv.URL+"/"+k+"-config" {
			t.Errorf("the %s worker's config was not handed over: %+v", k, r)
		}
	}
	for kind, p := range map[string]string{ServiceWorker: "/sw.js", SharedWorker: "/shared.js"} {
		if r := got[kind]; r.URL != srv.URL+p || r.Missing == "" {
			t.Errorf("the %s's script was not handed over for the crawl: %+v", kind, r)
		}
	}
	listed := map[string]string{}
	for _, bl := range res.Blocked {
		listed[bl.Method+" "+strings.TrimPrefix(strings.TrimPrefix(bl.URL, srv.URL), other.URL)] = bl.Reason
	}
	for _, want := range []string{"POST /sw-submit", "POST /shared-submit", "PUT /nested-submit", "GET /from-sw", "GET /from-shared", "GET /from-nested"} {
		if listed[want] == "" {
			t.Errorf("%s was not listed as blocked: %v", want, listed)
		}
	}
	if res.BlockedCount != len(res.Blocked) {
		t.Errorf("%d blocked, %d listed", res.BlockedCount, len(res.Blocked))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sent) > 0 || len(otherHits) > 0 {
		t.Errorf("requests left the fence: sent %v; another origin got %v", sent, otherHits)
	}
	for _, p := range []string{"/sw-config", "/shared-config", "/nested-config"} {
		if headers[p] != "key-a" {
			t.Errorf("%s did not carry the configured header: %q", p, headers[p])
		}
	}
}
