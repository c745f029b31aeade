package main

// Hostile content, class 4: the crawl's scope is the origin (scheme, host,
// port), not the host name. From http://127.0.0.1:A/ nothing may reach
// http://127.0.0.1:B/ — not by a link, a JS string, robots.txt, a sitemap,
// a redirect or a user:pass@ form — and --header values go only where the
// scan was pointed.

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestScopeIsTheOriginNotTheHost(t *testing.T) {
	var mu sync.Mutex
	var hitsB []string
	headerAtB := false
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hitsB = append(hitsB, r.URL.Path)
		headerAtB = headerAtB || r.Header.Get("X-Staging") != ""
		mu.Unlock()
		io.WriteString(w, "<a href='/deeper'>d</a>")
	}))
	defer b.Close()
	other := b.URL // http://127.0.0.1:B, the same host on another port
	hostB := strings.TrimPrefix(other, "http://")
	var headerAtA bool
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		headerAtA = headerAtA || r.Header.Get("X-Staging") == "secret-for-a-only"
		mu.Unlock()
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<a href="%[1]s/link">a</a><script src="%[1]s/app.js"></script><link rel="stylesheet" href="//%[2]s/s.css">`+
				`<iframe src="%[1]s/frame"></iframe><form action="%[1]s/form"></form><a href="http://%[3]s@%[2]s/userinfo">u</a>`+
				`<a href="/go">redirect</a><script src="/local.js"></script>`, other, hostB, strings.TrimPrefix(a(r), "http://"))
		case "/local.js":
			fmt.Fprintf(w, `import("%[1]s/chunk.js");const u="//%[2]s/config.json";fetch("%[1]s/api.json")`, other, hostB)
		case "/go":
			http.Redirect(w, r, other+"/redirected", http.StatusFound)
		case "/robots.txt":
			fmt.Fprintf(w, "Sitemap: %[1]s/sitemap.xml\nDisallow: %[1]s/private\n", other)
		case "/sitemap.xml":
			fmt.Fprintf(w, "<urlset><url><loc>%s/from-sitemap</loc></url></urlset>", other)
		default:
			http.NotFound(w, r)
		}
	}))
	defer a.Close()

	r := cli(t, "scan", "--probe", "--depth", "3", "--header", "X-Staging: secret-for-a-only", a.URL+"/")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hitsB) != 0 || headerAtB {
		t.Errorf("the crawl of %s reached %s: %v (header sent: %v)", a.URL, other, hitsB, headerAtB)
	}
	if !headerAtA {
		t.Error("the start origin did not get the header")
	}
	if !strings.Contains(r.stdout, "on other origins") {
		t.Errorf("the refused links are not counted:\n%s", r.stdout)
	}
}

// a returns the address a request came to, as a URL prefix.
func a(r *http.Request) string { return "http://" + r.Host }
