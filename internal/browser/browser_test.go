package browser

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/browsertest"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// sameOrigin admits only the origin of start.
func sameOrigin(start string) func(u, from *url.URL) string {
	s, _ := url.Parse(start)
	return func(u, from *url.URL) string {
		if u.Scheme == s.Scheme && u.Host == s.Host {
			return ""
		}
		return "out of scope: " + u.Scheme + "://" + u.Host
	}
}

// wsEcho answers a WebSocket handshake and sends one text frame, by hand
// (the standard library has no WebSocket server).
func wsEcho(w http.ResponseWriter, r *http.Request, text string) {
	key := r.Header.Get("Sec-WebSocket-Key")
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	hj := w.(http.Hijacker)
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", base64.StdEncoding.EncodeToString(sum[:]))
	frame := []byte{0x81, byte(len(text))} // FIN, text; short payload
	buf.Write(append(frame, text...))
	buf.Flush()
	// Keep it open a little, reading what the page sends.
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	io.Copy(io.Discard, bufio.NewReader(conn))
}

type site struct {
	tokens  map[string]string // what -> token
	main    *httptest.Server
	other   *httptest.Server
	otherN  atomic.Int64
	mu      sync.Mutex
	headers map[string]string // path -> X-Secret header seen
	posts   atomic.Int64
}

// split writes a token into JavaScript so that no static reader finds it:
// the page assembles it at run time.
func split(tok string) string { return fmt.Sprintf("%q+%q", tok[:10], tok[10:]) }

func newSite(t *testing.T) *site {
	src := tokentest.New(77)
	s := &site{tokens: map[string]string{}, headers: map[string]string{}}
	for _, k := range []string{"api", "local", "session", "cookie", "ws", "dom", "worker", "workerdata"} {
		s.tokens[k] = src.API()
	}
	s.other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.otherN.Add(1)
	}))
	t.Cleanup(s.other.Close)
	other := s.other.URL
	otherWS := "ws" + strings.TrimPrefix(other, "http")
	s.main = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.headers[r.URL.Path] = r.Header.Get("X-Secret")
		s.mu.Unlock()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.posts.Add(1)
		}
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<!doctype html><html><body><p id=x>hello</p>
<img src="%[1]s/pixel.png">
<script>
const env = ["set","tings"].join("");
fetch(location.origin + "/api/" + env).then(r => r.json()).then(j => { window.cfg = j; });
fetch("/submit", {method: "POST", body: "x"}).catch(() => {});
fetch("%[1]s/beacon").catch(() => {});
localStorage.setItem("deploy", %[3]s);
sessionStorage.setItem("s", %[4]s);
document.cookie = "c=" + %[5]s + "; path=/";
const ws = new WebSocket(location.origin.replace("http", "ws") + "/live");
ws.onopen = () => ws.send("hello");
try { const w2 = new WebSocket("%[2]s/steal"); } catch (e) {}
document.getElementById("x").textContent = "key " + %[6]s;
const a = document.createElement("a"); a.href = "/" + ["hid","den"].join(""); document.body.appendChild(a);
new Worker("/worker.js");
alert("dialogs do not stop us");
</script></body></html>`, other, otherWS, split(s.tokens["local"]), split(s.tokens["session"]), split(s.tokens["cookie"]), split(s.tokens["dom"]))
		case "/api/settings":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"publish":%q}`, s.tokens["api"])
		case "/live":
			wsEcho(w, r, "token "+s.tokens["ws"])
		case "/worker.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprintf(w, "self.k = %q;\nfetch(\"/worker-data\");\nfetch(%q).catch(() => {});\n", s.tokens["worker"], other+"/from-worker")
		case "/worker-data":
			fmt.Fprintf(w, "%s", s.tokens["workerdata"])
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.main.Close)
	return s
}

func TestLoadSeesWhatThePageDoes(t *testing.T) {
	path := browsertest.Need(t, Find)
	s := newSite(t)
	secret := "hdr-" + tokentest.New(5).Alnum(12)
	b, err := Start(context.Background(), Options{
		Path: path, PageTimeout: 30 * time.Second, MaxBytes: 1 << 20,
		Allow: sameOrigin(s.main.URL), Headers: []Header{{"X-Secret", secret}},
		HeadersFor: func(u *url.URL) bool { return sameOrigin(s.main.URL)(u, nil) == "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	var recs []Record
	res, err := b.Load(context.Background(), s.main.URL+"/", func(r Record) { recs = append(recs, r) })
	if err != nil {
		t.Fatal(err)
	}
	found := func(kind Kind, tok string) *Record {
		for i := range recs {
			if recs[i].Kind == kind && strings.Contains(string(recs[i].Body), tok) {
				return &recs[i]
			}
		}
		return nil
	}
	if r := found(Response, s.tokens["api"]); r == nil || r.URL != s.main.URL+"/api/settings" || r.Type != "Fetch" || r.Status != 200 {
		t.Errorf("the runtime fetch's response: %+v", r)
	}
	if found(Response, s.tokens["worker"]) == nil {
		t.Error("the worker's script was not handed over")
	}
	if r := found(Response, s.tokens["workerdata"]); r == nil || r.URL != s.main.URL+"/worker-data" {
		t.Errorf("what the worker fetched was not handed over: %+v", r)
	}
	for kind, tok := range map[Kind]string{LocalStorage: s.tokens["local"], SessionStorage: s.tokens["session"],
		Cookies: s.tokens["cookie"], WebSocket: s.tokens["ws"], DOM: s.tokens["dom"]} {
		if found(kind, tok) == nil {
			t.Errorf("kind %d: the token the page put there was not handed over", kind)
		}
	}
	if r := found(DOM, s.tokens["dom"]); r != nil && !strings.Contains(string(r.Body), `href="/hidden"`) {
		t.Error("the rendered DOM lacks the link the page added")
	}
	if res.URL != s.main.URL+"/" {
		t.Errorf("final URL %q", res.URL)
	}

	// Nothing left the scope: not the image, the fetch, nor the WebSocket.
	if s.otherN.Load() != 0 {
		t.Errorf("the out-of-scope server got %d requests", s.otherN.Load())
	}
	if s.posts.Load() != 0 {
		t.Errorf("%d POST requests reached the site", s.posts.Load())
	}
	reasons := map[string]string{}
	for _, bl := range res.Blocked {
		reasons[bl.Method+" "+bl.URL] = bl.Reason
	}
	if r := reasons["POST "+s.main.URL+"/submit"]; !strings.Contains(r, "POST request") {
		t.Errorf("the POST was not reported as blocked: %v", reasons)
	}
	if r := reasons["GET "+s.other.URL+"/beacon"]; !strings.Contains(r, "out of scope") {
		t.Errorf("the out-of-scope fetch was not reported as blocked: %v", reasons)
	}
	if _, n := b.Refused(); n == 0 {
		t.Error("the fence refused nothing: the WebSocket to another origin went unnoticed")
	}
	// The configured header went to the site only.
	s.mu.Lock()
	if s.headers["/api/settings"] != secret || s.headers["/"] != secret {
		t.Errorf("the configured header did not reach the site: %v", s.headers)
	}
	s.mu.Unlock()
}

func TestFindNamesTheFix(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Find("")
	if err == nil || !strings.Contains(err.Error(), "apt-get install chromium") || !strings.Contains(err.Error(), "--browser-path") {
		t.Errorf("no browser: %v", err)
	}
	_, err = Find("/nonexistent/chromium")
	if err == nil || !strings.Contains(err.Error(), `"/nonexistent/chromium" is not an executable file`) {
		t.Errorf("a bad --browser-path: %v", err)
	}
}

// TestLoadCapsAreReported: a page that makes too much of everything is
// cut at each bound, and each cut is said.
func TestLoadCapsAreReported(t *testing.T) {
	path := browsertest.Need(t, Find)
	defer func(r, so, sb, bl, ch, st int) {
		maxResponses, maxSockets, maxSocketBytes, maxBlocked, maxChildren, maxStorageBytes = r, so, sb, bl, ch, st
	}(maxResponses, maxSockets, maxSocketBytes, maxBlocked, maxChildren, maxStorageBytes)
	maxResponses, maxSockets, maxSocketBytes, maxBlocked, maxChildren, maxStorageBytes = 10, 2, 64, 5, 2, 100

	big := strings.Repeat("x", 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<script>
for (let i = 0; i < 30; i++) fetch("/r" + i);
for (let i = 0; i < 4; i++) new WebSocket(location.origin.replace("http", "ws") + "/ws");
for (let i = 0; i < 12; i++) fetch("/post", {method: "POST"}).catch(() => {});
for (let i = 0; i < 4; i++) new Worker("/w.js?" + i);
localStorage.setItem("a", "`+big+`"); localStorage.setItem("b", "`+big+`");
</script>`)
		case r.URL.Path == "/ws":
			wsEcho(w, r, strings.Repeat("y", 100))
		case r.URL.Path == "/w.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, "1")
		default:
			fmt.Fprint(w, "ok")
		}
	}))
	defer srv.Close()
	b, err := Start(context.Background(), Options{Path: path, PageTimeout: 20 * time.Second, Allow: sameOrigin(srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	responses := 0
	res, err := b.Load(context.Background(), srv.URL+"/", func(r Record) {
		if r.Kind == Response {
			responses++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if responses > maxResponses {
		t.Errorf("%d responses handed over, bound %d", responses, maxResponses)
	}
	if res.BlockedCount != 12 || len(res.Blocked) != maxBlocked {
		t.Errorf("blocked: %d listed of %d, want %d of 12", len(res.Blocked), res.BlockedCount, maxBlocked)
	}
	all := strings.Join(res.Warnings, "\n")
	for _, want := range []string{"more than 10 responses", "more than 2 WebSockets", "more than 64 bytes of text",
		"more than 2 workers", "localStorage holds more than 100 bytes"} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning says %q:\n%s", want, all)
		}
	}
}
