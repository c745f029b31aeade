package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// spa serves testdata/spa, a single-page app deployment, with a token
// generated for every placeholder in it (see testdata/spa/README.md).
type spa struct {
	*httptest.Server
	tok  map[string]string // placeholder name -> token
	mu   sync.Mutex
	hits map[string]int
}

var placeholder = regexp.MustCompile(`\{\{(token|tail|blob) ([a-z-]+)\}\}`)

func newSPA(t *testing.T) *spa {
	src := tokentest.New(77)
	s := &spa{tok: map[string]string{}, hits: map[string]int{}}
	token := func(name string) string {
		if _, ok := s.tok[name]; !ok {
			if strings.HasSuffix(name, "-tp") {
				s.tok[name] = src.TP()
			} else {
				s.tok[name] = src.API()
			}
		}
		return s.tok[name]
	}
	root := filepath.Join("..", "..", "testdata", "spa")
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "README.md" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		b = placeholder.ReplaceAllFunc(b, func(m []byte) []byte {
			g := placeholder.FindSubmatch(m)
			tok := token(string(g[2]))
			switch string(g[1]) {
			case "tail":
				return []byte(tok[1:])
			case "blob":
				return []byte(base64.StdEncoding.EncodeToString([]byte(`{"publish":{"token":"` + tok + `","crate":"acme"}}`)))
			}
			return []byte(tok)
		})
		rel, _ := filepath.Rel(root, p)
		files["/"+filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	files["/"] = files["/index.html"]
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		switch ext := path.Ext(r.URL.Path); ext {
		case ".map":
			w.Header().Set("Content-Type", "application/json")
		case "":
			w.Header().Set("Content-Type", "text/html")
		default:
			w.Header().Set("Content-Type", mime.TypeByExtension(ext))
		}
		w.Write(b)
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

// TestDepthZeroScansThePageAndWhatItLoads: assets a page loads cost no
// depth, at 0 as at any depth: the page's scripts and style are scanned
// with it; no link to another page is followed.
func TestDepthZeroScansThePageAndWhatItLoads(t *testing.T) {
	s := newSPA(t)
	cli(t, "scan", "--depth", "0", s.URL+"/")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range []string{"/", "/assets/vendor-9a8b.js", "/assets/index-7c6d.js", "/assets/style-4f1c.css"} {
		if s.hits[p] == 0 {
			t.Errorf("--depth 0: %s, which the page loads, was not fetched (fetched: %v)", p, s.hits)
		}
	}
	if s.hits["/about.html"] > 0 {
		t.Errorf("--depth 0: a link to another page was followed: %v", s.hits)
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
