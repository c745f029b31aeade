package main

// The default crawl on production builds of six frameworks
// (testdata/frameworks), tokens planted where teams leak them: islands,
// resumable handlers, route manifests, page hash maps, runtime bases,
// payloads of pages no link names, source maps of inlined scripts.

import (
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cratesguard/cratesguard/internal/browser"
	"github.com/cratesguard/cratesguard/internal/browsertest"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// plantToken is a planted token's placeholder in the builds: CgPlant and a
// name, letters and digits only, so that a search index keeps it whole. Its
// case says which copy of the token it stands for: CgPlant the token,
// cgplant its lowercased copy (a search index lowercases what it indexes).
var plantToken = regexp.MustCompile(`(?i)cgplant[a-z0-9]+`)

// framework is one build: where it is served, what the test answers that
// the build does not hold (a runtime config only running code asks for:
// path to token name), and its tokens the static crawl cannot reach by
// nature (their path is put together at run time).
type framework struct {
	name, base  string
	runtime     map[string]string
	browserOnly []string
}

var frameworks = []framework{
	{name: "angular", base: "/", runtime: map[string]string{"/config/127.json": "stage"}, browserOnly: []string{"stage"}},
	{name: "astro", base: "/docs/", runtime: map[string]string{"/docs/api/regions/US.json": "region"}, browserOnly: []string{"region"}},
	{name: "nuxt", base: "/", runtime: map[string]string{"/api/mirrors/eu.json": "mirrors"}, browserOnly: []string{"mirrors"}},
	{name: "qwik", base: "/", runtime: map[string]string{"/api/regions/US.json": "region"}, browserOnly: []string{"region"}},
	{name: "react-router", base: "/", runtime: map[string]string{"/api/env/127.json": "env"}, browserOnly: []string{"env"}},
	{name: "vitepress", base: "/handbook/"},
}

// builtSite is a served build: its tokens by name, and the status of every
// answer it gave, by path.
type builtSite struct {
	srv    *httptest.Server
	tokens map[string]string
	mu     sync.Mutex
	status map[string]int
}

// serveSite serves testdata/frameworks/NAME/site under its base as a static
// host does: a file where one exists, DIR/index.html for DIR/ and DIR, and
// the build's 404.html (or a plain page) with status 404 for anything else.
// Web fonts left out of the build are answered with an empty font.
func serveSite(t *testing.T, fw framework) *builtSite {
	t.Helper()
	src := tokentest.New(uint64(len(fw.name))*104729 + 1)
	s := &builtSite{tokens: map[string]string{}, status: map[string]int{}}
	for _, p := range slices.Sorted(maps.Keys(fw.runtime)) {
		s.tokens[fw.runtime[p]] = src.API()
	}
	fill := func(b []byte) []byte {
		return plantToken.ReplaceAllFunc(b, func(m []byte) []byte {
			name := strings.ToLower(string(m[len("cgplant"):]))
			if _, ok := s.tokens[name]; !ok {
				s.tokens[name] = src.API()
			}
			if string(m[:len("cgplant")]) == "cgplant" {
				return []byte(strings.ToLower(s.tokens[name]))
			}
			return []byte(s.tokens[name])
		})
	}
	files := readTree(t, filepath.Join("..", "..", "testdata", "frameworks", fw.name, "site"), fw.base, fill)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		code := http.StatusOK
		defer func() {
			s.mu.Lock()
			s.status[p] = code
			s.mu.Unlock()
		}()
		for _, c := range []string{p, p + "index.html", p + "/index.html", p + ".html"} {
			if b, ok := files[c]; ok && (c == p || !strings.HasSuffix(p, ".html")) {
				w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(c)))
				w.Write(b)
				return
			}
		}
		switch {
		case fw.runtime[p] != "":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"registryToken":%q}`, s.tokens[fw.runtime[p]])
		case strings.HasSuffix(p, ".woff2") && strings.HasPrefix(p, fw.base):
			w.Header().Set("Content-Type", "font/woff2")
		default:
			code = http.StatusNotFound
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(code)
			if b, ok := files[fw.base+"404.html"]; ok {
				w.Write(b)
			} else {
				fmt.Fprint(w, "404 page not found")
			}
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// frameworkReport is the part of --format json the test reads.
type frameworkReport struct {
	Findings []struct {
		Sha256    string
		Locations []struct {
			Target, Part, Encoding string
			IsURL                  bool
		}
	}
}

// scanSite scans a served build from its base with args, and reads the
// JSON report.
func scanSite(t *testing.T, s *builtSite, fw framework, args ...string) (frameworkReport, result) {
	t.Helper()
	r := cli(t, append(append([]string{"scan", "--format", "json"}, args...), s.srv.URL+fw.base)...)
	var rep frameworkReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	return rep, r
}

// TestFrameworks crawls each build with the default settings and finds
// every token but those whose path only running code puts together; no
// finding is located at a URL the host answered with its 404 page; and the
// lowercased copy of a token in a search index is a place of that token,
// not a token of its own.
func TestFrameworks(t *testing.T) {
	planted, found := 0, 0
	for _, fw := range frameworks {
		t.Run(fw.name, func(t *testing.T) {
			s := serveSite(t, fw)
			rep, r := scanSite(t, s, fw)
			bySHA := map[string]int{}
			for i, f := range rep.Findings {
				bySHA[f.Sha256] = i
			}
			var got, missed []string
			for _, name := range slices.Sorted(maps.Keys(s.tokens)) {
				_, ok := bySHA[sha(s.tokens[name])]
				switch browser := slices.Contains(fw.browserOnly, name); {
				case ok && browser:
					t.Errorf("the static crawl found the %s token: it is not put together at run time", name)
				case ok:
					got = append(got, name)
				case !browser:
					missed = append(missed, name)
				}
				if _, ok := bySHA[sha(strings.ToLower(s.tokens[name]))]; ok {
					t.Errorf("the lowercased copy of the %s token is reported as a token of its own", name)
				}
			}
			t.Logf("found %d of %d planted (%v); missed %v; browser only %v", len(got), len(s.tokens), got, missed, fw.browserOnly)
			planted += len(s.tokens)
			found += len(got)
			for _, name := range missed {
				t.Errorf("the %s token was not found", name)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, f := range rep.Findings {
				for _, l := range f.Locations {
					if p := strings.TrimPrefix(l.Target, s.srv.URL); l.IsURL && s.status[p] == http.StatusNotFound {
						t.Errorf("a finding is located at %s, which the host answered with its 404 page", p)
					}
				}
			}
			if fw.name == "vitepress" {
				checkLowercasedCopies(t, rep, s, "page", "guide")
			}
			noLeak(t, r, slices.Collect(maps.Values(s.tokens))...)
		})
	}
	t.Logf("all builds: the default crawl found %d of %d planted tokens", found, planted)
}

// checkLowercasedCopies: the search index's lowercased copy of each named
// token is one of that token's places.
func checkLowercasedCopies(t *testing.T, rep frameworkReport, s *builtSite, names ...string) {
	t.Helper()
	for _, name := range names {
		copies := 0
		for _, f := range rep.Findings {
			if f.Sha256 != sha(s.tokens[name]) {
				continue
			}
			for _, l := range f.Locations {
				if l.Encoding == "lowercased copy" {
					copies++
				}
			}
		}
		if copies == 0 {
			t.Errorf("the search index's lowercased copy of the %s token is not one of its places", name)
		}
	}
}

// TestFrameworksInTheBrowser: the tokens the static crawl cannot reach are
// found by --browser, which runs the code that puts their paths together:
// they need a browser by nature.
func TestFrameworksInTheBrowser(t *testing.T) {
	path := browsertest.Need(t, browser.Find)
	for _, fw := range frameworks {
		if len(fw.browserOnly) == 0 {
			continue
		}
		t.Run(fw.name, func(t *testing.T) {
			s := serveSite(t, fw)
			rep, r := scanSite(t, s, fw, "--browser-path", path, "--browser-timeout", "30s")
			found := map[string]bool{}
			for _, f := range rep.Findings {
				found[f.Sha256] = true
			}
			for _, name := range fw.browserOnly {
				if !found[sha(s.tokens[name])] {
					t.Errorf("--browser did not find the %s token", name)
				}
			}
			noLeak(t, r, slices.Collect(maps.Values(s.tokens))...)
		})
	}
}
