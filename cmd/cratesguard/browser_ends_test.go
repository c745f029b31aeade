package main

// --browser on pages that do their best never to end: the run ends within
// N x --browser-timeout (N pages) and a margin, each page cut short says
// so with its reason in every output, and what a page submitted to in the
// browser is fetched by nobody.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/browser"
	"github.com/cratesguard/cratesguard/internal/browsertest"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// neverEnding are pages that never end on their own, by path.
var neverEnding = map[string]string{
	"/sw-poll": `<script>navigator.serviceWorker.register("/sw-poll.js");</script>`,
	"/workers": `<script>new Worker("/spawn.js"); setInterval(() => fetch("/tick"), 100);</script>`,
	"/dialogs": `<script>for (;;) alert("again");</script>`,
	"/reload":  `<script>setTimeout(() => location.reload(), 50);</script>`,
	"/poll":    `<script>setInterval(() => fetch("/tick"), 100);</script>`,
	"/busy":    `<script>onload = () => setTimeout(() => { for (;;) {} }, 10);</script>`,
}

type hostileSite struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string // method and path of every request
}

func newHostileSite(t *testing.T) *hostileSite {
	s := &hostileSite{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		if html, ok := neverEnding[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, html)
			return
		}
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			for p := range neverEnding {
				fmt.Fprintf(w, `<a href="%s">x</a>`, p)
			}
		case "/form": // a form that posts as written
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<form method="post" action="/submit"><input name=a value=1></form><script>document.forms[0].submit();</script>`)
		case "/form2": // a GET form in the HTML, turned into a POST by the script
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<form action="/submit2"><input name=b value=2></form><script>const f = document.forms[0]; f.method = "post"; f.submit();</script>`)
		case "/sw-poll.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `setInterval(() => fetch("/tick"), 100);`)
		case "/spawn.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `new Worker("/spawn.js?" + Math.random());`)
		default:
			fmt.Fprint(w, "ok")
		}
	}))
	t.Cleanup(s.Server.Close)
	return s
}

func (s *hostileSite) got(req string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.hits {
		if h == req {
			return true
		}
	}
	return false
}

// TestBrowserRunOfHostilePagesEnds: seven pages (the start page and six
// that never end), one at a time, with --browser-timeout 5s: the run ends
// within 7 x 5 s and a minute's margin; each of the six is cut short with
// its reason, in the text report (its own warning and the run's) and in
// the SARIF notifications.
func TestBrowserRunOfHostilePagesEnds(t *testing.T) {
	path := browsertest.Need(t, browser.Find)
	s := newHostileSite(t)
	const timeout = 5 * time.Second
	pages := len(neverEnding) + 1
	begun := time.Now()
	r := cli(t, "scan", "--browser-path", path, "--browser-timeout", "5s", "--concurrency", "1", "--depth", "1", s.URL+"/")
	took := time.Since(begun)
	t.Logf("%d pages, --browser-timeout 5s, one at a time: the run took %.1f s (bound %d x 5 s = %d s, + 60 s)", pages, took.Seconds(), pages, pages*5)
	if took > time.Duration(pages)*timeout+time.Minute {
		t.Errorf("the run took %s", took)
	}
	if r.code == 2 {
		t.Fatalf("exit 2\n%s\n%s", r.stdout, r.stderr)
	}
	for p := range neverEnding {
		line := "warning  " + s.URL + p + ": in the browser: cut short: "
		if !strings.Contains(r.stdout, line) {
			t.Errorf("the text report does not say %s was cut short:\n%s", p, r.stdout)
		}
		if !strings.Contains(string(r.sarif), s.URL+p+": in the browser: cut short: ") {
			t.Errorf("no SARIF notification says %s was cut short", p)
		}
	}
	if want := fmt.Sprintf("in the browser, %d pages did not end on their own within --browser-timeout 5s", len(neverEnding)); !strings.Contains(r.stdout, want) {
		t.Errorf("the run's warning does not say %q:\n%s", want, r.stdout)
	}
}

// TestBrowserCutShortInJSONAndSummary: the same report in JSON and in the
// Action's job summary; and a page's form submissions, blocked in the
// browser, are not fetched with GET by the crawl (nor the 204 cratesguard
// answered them with taken for the site's).
func TestBrowserCutShortInJSONAndSummary(t *testing.T) {
	path := browsertest.Need(t, browser.Find)
	s := newHostileSite(t)
	// The page that never settles, alone under a short budget: only it is
	// cut short, however loaded the machine (the forms run apart, with a
	// budget no load exhausts).
	r := cli(t, "scan", "--browser-path", path, "--browser-timeout", "5s", "--format", "json", s.URL+"/poll")
	rep := parseJSON(t, r.stdout)
	for _, tg := range rep.Targets {
		if tg.Target == s.URL+"/poll" && !strings.Contains(strings.Join(tg.Warnings, "\n"), "in the browser: cut short: ") {
			t.Errorf("/poll's warnings in JSON: %q", tg.Warnings)
		}
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "in the browser, 1 page did not end on its own within --browser-timeout 5s and was cut short") {
		t.Errorf("the run's warnings in JSON: %q", rep.Warnings)
	}
	r = cli(t, "scan", "--browser-path", path, "--browser-timeout", "60s", "--format", "json", s.URL+"/form", s.URL+"/form2")
	rep = parseJSON(t, r.stdout)
	for _, p := range []string{"/submit", "/submit2"} {
		if s.got("GET "+p) || s.got("POST "+p) {
			t.Errorf("%s was fetched", p)
		}
		if !rep.targetWithReason(s.URL+p, "skipped", "the page sends it POST requests in the browser") {
			t.Errorf("%s is not reported as skipped for its POST:\n%s", p, r.stdout)
		}
	}

	res := newRunner(t, "release", releasePayload).input("urls", s.URL+"/poll").input("browser", "true").input("browser-timeout", "5s")
	res.env["PATH"] = filepath.Dir(path) + string(os.PathListSeparator) + os.Getenv("PATH")
	out := res.run()
	if !strings.Contains(out.summary, "in the browser, 1 page did not end on its own within --browser-timeout 5s and was cut short") || !strings.Contains(out.summary, s.URL+"/poll (") {
		t.Errorf("the job summary does not say the page was cut short:\n%s", out.summary)
	}
}

// TestInjectionThroughTheBrowser: a page and its service worker ask for
// URLs (refused: another origin, POST) that carry the forged strings and a
// token: every output the browser's reports reach (the page's and the
// run's warnings, skipped targets) shows them escaped, the token redacted.
func TestInjectionThroughTheBrowser(t *testing.T) {
	path := browsertest.Need(t, browser.Find)
	tok := tokentest.New(2028).API()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer other.Close()
	var js strings.Builder
	for _, f := range forged {
		q, _ := json.Marshal(f)
		fmt.Fprintf(&js, "fetch(%q + %s + %q).catch(() => {});\n", other.URL+"/", q, tok)
		fmt.Fprintf(&js, "fetch(\"/post\" + %s, {method: \"POST\"}).catch(() => {});\n", q)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, "<script>navigator.serviceWorker.register(\"/sw.js\");\n%s</script>", js.String())
		case "/sw.js":
			w.Header().Set("Content-Type", "text/javascript")
			io.WriteString(w, js.String())
		}
	}))
	defer srv.Close()
	r := cli(t, "scan", "--browser-path", path, "--browser-timeout", "10s", srv.URL+"/")
	if !strings.Contains(r.stdout, "12 POST requests") {
		t.Fatalf("the page's and the worker's POSTs are not reported:\n%s", r.stdout)
	}
	checkStdout(t, r.stdout)
	checkNoControl(t, "stderr", r.stderr)
	checkSecrets(t, map[string]string{"stdout": r.stdout, "stderr": r.stderr, "SARIF": string(r.sarif)}, tok)
	j := cli(t, "scan", "--browser-path", path, "--browser-timeout", "10s", "--format", "json", srv.URL+"/")
	checkNoControl(t, "JSON", j.stdout)
	checkSecrets(t, map[string]string{"JSON": j.stdout}, tok)

	res := newRunner(t, "release", releasePayload).input("urls", srv.URL+"/").input("browser", "true").input("browser-timeout", "10s")
	res.env["PATH"] = filepath.Dir(path) + string(os.PathListSeparator) + os.Getenv("PATH")
	out := res.run()
	checkStdout(t, out.stdout, tok)
	checkNoControl(t, "summary", out.summary)
	checkSecrets(t, map[string]string{"summary": out.summary, "SARIF": string(out.sarif)}, tok)
}
