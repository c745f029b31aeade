package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// spa serves a realistic single-page app deployment with a token planted in
// every kind of file it serves.
type spa struct {
	*httptest.Server
	tok  map[string]string // where -> token
	mu   sync.Mutex
	hits map[string]int
}

func newSPA(t *testing.T) *spa {
	src := tokentest.New(77)
	s := &spa{tok: map[string]string{}, hits: map[string]int{}}
	for _, k := range []string{"index", "vendor", "map", "module", "chunk", "css", "config", "about", "team", "deep"} {
		s.tok[k] = src.API()
	}
	s.tok["chunk-tp"] = src.TP()
	page := func(title, body string) string {
		return "<!doctype html><html><head><title>" + title + "</title></head><body>" + body + "</body></html>"
	}
	files := map[string][2]string{
		"/": {"text/html", `<!doctype html><html><head>
<link rel="stylesheet" href="/assets/style-4f1c.css">
<link rel="preload" href="/config.json" as="fetch" crossorigin>
<script src="/assets/vendor-9a8b.js" defer></script>
<script type="module" src="/assets/index-7c6d.js"></script>
</head><body><div id="app"></div>
<!-- build ` + s.tok["index"] + ` -->
<nav><a href="/about.html">About</a></nav></body></html>`},
		"/assets/vendor-9a8b.js": {"application/javascript", `/*! vendor */(function(){var k="` + s.tok["vendor"] + `";window.v=k})();` + "\n//# sourceMappingURL=vendor-9a8b.js.map\n"},
		"/assets/vendor-9a8b.js.map": {"application/json", `{"version":3,"file":"vendor-9a8b.js","sources":["webpack://app/src/secrets.ts"],"sourcesContent":["export const publishToken = \"` +
			s.tok["map"] + `\";\n"],"mappings":"AAAA"}`},
		"/assets/index-7c6d.js": {"text/javascript", `import{r as e}from"./vendor-9a8b.js";const t="` + s.tok["module"] + `";` +
			`const o=()=>import("./chunk-lazy-3e2f.js");e(o);`},
		"/assets/chunk-lazy-3e2f.js": {"text/javascript", `export default{k:"\u0063` + s.tok["chunk"][1:] + `",b:atob("` +
			base64.StdEncoding.EncodeToString([]byte(`{"publish":{"token":"`+s.tok["chunk-tp"]+`","crate":"acme"}}`)) + `")}`},
		"/assets/style-4f1c.css": {"text/css", `body{margin:0}/* deploy: ` + s.tok["css"] + ` */`},
		"/config.json":           {"application/json", `{"apiUrl":"https://api.example.com","registryToken":"` + s.tok["config"] + `"}`},
		"/about.html":            {"text/html", page("About", `<p>`+s.tok["about"]+`</p><a href="/team.html">Team</a><a href="https://elsewhere.example/">x</a>`)},
		"/team.html":             {"text/html", page("Team", `<p>`+s.tok["team"]+`</p><a href="/deep.html">Deeper</a>`)},
		"/deep.html":             {"text/html", page("Deep", `<p>`+s.tok["deep"]+`</p>`)},
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f[0])
		io.WriteString(w, f[1])
	}))
	t.Cleanup(s.Close)
	return s
}

func TestCrawlFindsEveryPlantedToken(t *testing.T) {
	s := newSPA(t)
	r := cli(t, "scan", "--depth", "2", "--format", "json", s.URL+"/")
	var all []string
	for _, tok := range s.tok {
		all = append(all, tok)
	}
	noLeak(t, r, all...)
	if r.code != 1 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	res := parseSARIF(t, r.sarif).Runs[0].Results
	bySHA := map[string]int{}
	for i, x := range res {
		bySHA[x.Properties["tokenSha256"].(string)] = i
	}
	for where, tok := range s.tok {
		i, ok := bySHA[sha(tok)]
		switch {
		case where == "deep" && ok:
			t.Errorf("the page three hops away was scanned despite --depth 2")
		case where != "deep" && !ok:
			t.Errorf("token planted in %s not found", where)
		}
		if where == "map" && ok && !strings.Contains(res[i].Message.Text, "sourcesContent of webpack://app/src/secrets.ts") {
			t.Errorf("source-map finding does not name the original source: %s", res[i].Message.Text)
		}
		if where == "chunk" && ok && !strings.Contains(res[i].Message.Text, "string escapes") {
			t.Errorf("escaped token's message does not name the encoding: %s", res[i].Message.Text)
		}
		if where == "chunk-tp" && ok && !strings.Contains(res[i].Message.Text, "base64") {
			t.Errorf("base64 token's message does not name the encoding: %s", res[i].Message.Text)
		}
	}
	if s.hits["/deep.html"] != 0 {
		t.Errorf("deep.html fetched %d times", s.hits["/deep.html"])
	}
	for p, n := range s.hits {
		if n > 1 {
			t.Errorf("%s fetched %d times: every URL is fetched once", p, n)
		}
	}
	var js struct {
		Targets []struct {
			Target, State, Reason string
			Status                int
			Bytes                 int64
			DurationMs            *int64 `json:"durationMs"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &js); err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, tg := range js.Targets {
		states[strings.TrimPrefix(tg.Target, s.URL)] = tg.State
		if tg.DurationMs == nil {
			t.Errorf("target %s lacks durationMs", tg.Target)
		}
		if tg.State == "scanned" && (tg.Status != 200 || tg.Bytes == 0) {
			t.Errorf("target %s: status %d, %d bytes", tg.Target, tg.Status, tg.Bytes)
		}
	}
	for _, want := range []struct{ path, state string }{
		{"/", "scanned"}, {"/assets/vendor-9a8b.js.map", "scanned"}, {"/assets/chunk-lazy-3e2f.js", "scanned"},
		{"/team.html", "scanned"}, {"/deep.html", "skipped"}, {"https://elsewhere.example/", "skipped"},
	} {
		if states[want.path] != want.state {
			t.Errorf("%s: state %q, want %s", want.path, states[want.path], want.state)
		}
	}
}

func TestDepthZeroScansOnlyTheTargets(t *testing.T) {
	s := newSPA(t)
	r := cli(t, "scan", "--depth", "0", s.URL+"/")
	if n := len(parseSARIF(t, r.sarif).Runs[0].Results); n != 1 || len(s.hits) != 1 {
		t.Fatalf("--depth 0: %d results, %d paths fetched; want the page alone", n, len(s.hits))
	}
}

func TestMaxURLsIsReported(t *testing.T) {
	s := newSPA(t)
	r := cli(t, "scan", "--max-urls", "3", s.URL+"/")
	if len(s.hits) != 3 || !strings.Contains(r.stdout, "--max-urls 3") {
		t.Fatalf("fetched %d paths; output:\n%s", len(s.hits), r.stdout)
	}
	if r.code != 1 {
		t.Errorf("exit %d", r.code)
	}
}

func TestProbeFindsWellKnownFiles(t *testing.T) {
	src := tokentest.New(78)
	envTok, credTok, hidden := src.API(), src.API(), src.API()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			io.WriteString(w, "<html>hello</html>")
		case "/.env":
			fmt.Fprintf(w, "NODE_ENV=production\nCARGO_REGISTRY_TOKEN=%s\n", envTok)
		case "/.cargo/credentials.toml":
			fmt.Fprintf(w, "[registry]\ntoken = \"%s\"\n", credTok)
		case "/robots.txt":
			io.WriteString(w, "User-agent: *\nDisallow: /internal/\n")
		case "/internal/":
			fmt.Fprintf(w, "<pre>%s</pre>", hidden)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	r := cli(t, "scan", "--probe", srv.URL+"/")
	got := map[string]bool{}
	for _, x := range parseSARIF(t, r.sarif).Runs[0].Results {
		got[x.Properties["tokenSha256"].(string)] = true
	}
	if !got[sha(envTok)] || !got[sha(credTok)] || !got[sha(hidden)] || len(got) != 3 {
		t.Errorf("--probe found %d tokens; want .env, credentials.toml and the path robots.txt disallows", len(got))
	}
	if r.code != 1 {
		t.Errorf("exit %d: missing probes (404) must not fail the scan", r.code)
	}
	r = cli(t, "scan", srv.URL+"/")
	if len(parseSARIF(t, r.sarif).Runs[0].Results) != 0 {
		t.Errorf("without --probe, well-known files were fetched")
	}
}

func TestBinarySkippedUnlessAsked(t *testing.T) {
	tok := tokentest.New(79).API()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		fmt.Fprintf(w, "\x89PNG\r\n\x1a\n tEXt %s ", tok)
	}))
	defer srv.Close()
	r := cli(t, "scan", srv.URL+"/logo.png")
	if r.code != 0 || !strings.Contains(r.stdout, "binary content (image/png)") {
		t.Fatalf("binary: exit %d\n%s", r.code, r.stdout)
	}
	if r := cli(t, "scan", "--scan-binary", srv.URL+"/logo.png"); r.code != 1 {
		t.Fatalf("--scan-binary: exit %d, want the token found", r.code)
	}
}
