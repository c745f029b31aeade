package main

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

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// fakeCratesIO answers /api/v1/me per token the way crates.io does, and
// logs every request it gets.
type fakeCratesIO struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []*http.Request
	times   []time.Time
	replies map[string]func(w http.ResponseWriter) // by token
}

func newFakeCratesIO(t *testing.T) *fakeCratesIO {
	f := &fakeCratesIO{replies: map[string]func(http.ResponseWriter){}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.reqs = append(f.reqs, r.Clone(r.Context()))
		f.times = append(f.times, time.Now())
		reply := f.replies[r.Header.Get("Authorization")]
		f.mu.Unlock()
		if r.URL.Path != "/api/v1/me" || reply == nil {
			http.Error(w, `{"errors":[{"detail":"unexpected request"}]}`, http.StatusTeapot)
			return
		}
		reply(w)
	}))
	t.Cleanup(f.Close)
	return f
}

func crates(status int, detail string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"errors":[{"detail":%q}]}`, detail)
	}
}

// siteServing serves each body at /0.js, /1.js… linked from /, logging requests.
type loggedSite struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func siteServing(t *testing.T, bodies ...string) *loggedSite {
	s := &loggedSite{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Clone(r.Context()))
		s.mu.Unlock()
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html")
			for i := range bodies {
				fmt.Fprintf(w, `<script src="/%d.js"></script>`, i)
			}
			return
		}
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/%d.js", &i); err != nil || i >= len(bodies) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/javascript")
		io.WriteString(w, bodies[i])
	}))
	t.Cleanup(s.Close)
	return s
}

// sentNowhere asserts no request to the site carried a token.
func (s *loggedSite) sentNowhere(t *testing.T, toks ...string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.reqs {
		dump := r.URL.String() + fmt.Sprint(r.Header)
		for _, tok := range toks {
			if strings.Contains(dump, tok) {
				t.Errorf("a token was sent to the scanned site: %s", r.URL)
			}
		}
	}
}

type verdict struct {
	validity, level string
}

func validities(t *testing.T, sarif []byte) map[string]verdict {
	t.Helper()
	out := map[string]verdict{}
	for _, r := range parseSARIF(t, sarif).Runs[0].Results {
		v, _ := r.Properties["validity"].(string)
		out[r.Properties["tokenSha256"].(string)] = verdict{v, r.Level}
	}
	return out
}

func TestVerifyClassifiesEveryDocumentedAnswer(t *testing.T) {
	src := tokentest.New(100)
	live, locked, dead, broken, limited, odd, tp := src.API(), src.API(), src.API(), src.API(), src.API(), src.API(), src.TP()
	api := newFakeCratesIO(t)
	api.replies[live] = crates(403, "this action can only be performed on the crates.io website")
	api.replies[locked] = crates(403, "This account is locked until 2027-01-01. Contact help@crates.io to have your account unlocked.")
	api.replies[dead] = crates(403, "authentication failed")
	api.replies[broken] = crates(503, "service unavailable")
	api.replies[limited] = crates(429, "too many requests")
	api.replies[odd] = crates(401, "The given API token does not match the format used by crates.io.")
	all := []string{live, locked, dead, broken, limited, odd, tp}
	var bodies []string
	for _, tok := range all {
		bodies = append(bodies, "var t='"+tok+"';")
	}
	bodies = append(bodies, "var again='"+live+"';") // found twice, asked once
	site := siteServing(t, bodies...)

	begun := time.Now()
	r := cli(t, "scan", "--verify", "--crates-api", api.URL, "--format", "json", site.URL+"/")
	elapsed := time.Since(begun)
	noLeak(t, r, all...)
	site.sentNowhere(t, all...)
	want := map[string]verdict{
		live: {"active", "error"}, locked: {"active", "error"}, dead: {"inactive", "note"},
		broken: {"unknown", "error"}, limited: {"unknown", "error"}, odd: {"unknown", "error"}, tp: {"unverifiable", "warning"},
	}
	got := validities(t, r.sarif)
	for tok, w := range want {
		if got[sha(tok)] != w {
			t.Errorf("%s: got %+v, want %+v", tok[:6], got[sha(tok)], w)
		}
	}

	api.mu.Lock()
	defer api.mu.Unlock()
	asked := map[string]int{}
	for _, req := range api.reqs {
		asked[req.Header.Get("Authorization")]++
		if req.Header.Get("Origin") != "" || !strings.HasPrefix(req.Header.Get("User-Agent"), "cratesguard/") || req.Method != "GET" {
			t.Errorf("request %s %s: Origin %q, User-Agent %q", req.Method, req.URL, req.Header.Get("Origin"), req.Header.Get("User-Agent"))
		}
	}
	if asked[live] != 1 || asked[dead] != 1 || asked[tp] != 0 {
		t.Errorf("requests per token: live %d, dead %d, trusted-publishing %d; want 1, 1, 0", asked[live], asked[dead], asked[tp])
	}
	if asked[broken] < 2 || asked[limited] < 2 {
		t.Errorf("5xx and 429 are retried: %d and %d requests", asked[broken], asked[limited])
	}
	for i := 1; i < len(api.times); i++ {
		if gap := api.times[i].Sub(api.times[i-1]); gap < 950*time.Millisecond {
			t.Errorf("requests %d and %d to crates.io only %v apart: at most one a second", i-1, i, gap)
		}
	}
	if elapsed > time.Duration(len(api.reqs)+10)*time.Second {
		t.Errorf("verification took %v for %d requests", elapsed, len(api.reqs))
	}
	var js struct {
		Findings []struct{ Validity, Sha256 string }
	}
	json.Unmarshal([]byte(r.stdout), &js)
	for _, f := range js.Findings {
		if f.Validity == "" {
			t.Errorf("JSON finding %s lacks validity", f.Sha256[:8])
		}
	}
	if r.code != 1 {
		t.Errorf("exit %d", r.code)
	}
}

func TestFailOnVerified(t *testing.T) {
	src := tokentest.New(101)
	live, dead := src.API(), src.API()
	api := newFakeCratesIO(t)
	api.replies[live] = crates(403, "this action can only be performed on the crates.io website")
	api.replies[dead] = crates(403, "authentication failed")
	onlyDead := siteServing(t, "t='"+dead+"'")
	r := cli(t, "scan", "--verify", "--fail-on", "verified", "--crates-api", api.URL, onlyDead.URL+"/")
	if r.code != 0 || !strings.Contains(r.stdout, "inactive") {
		t.Fatalf("a dead token with --fail-on verified: exit %d\n%s", r.code, r.stdout)
	}
	both := siteServing(t, "t='"+dead+"'", "u='"+live+"'")
	if r := cli(t, "scan", "--verify", "--fail-on", "verified", "--crates-api", api.URL, both.URL+"/"); r.code != 1 {
		t.Fatalf("a live token with --fail-on verified: exit %d", r.code)
	}
	if r := cli(t, "scan", "--fail-on", "verified", both.URL+"/"); r.code != 2 || !strings.Contains(r.stderr, "--verify") {
		t.Fatalf("--fail-on verified without --verify: exit %d %s", r.code, r.stderr)
	}
}

func TestNoVerificationUnlessAsked(t *testing.T) {
	tok := tokentest.New(102).API()
	api := newFakeCratesIO(t)
	site := siteServing(t, "t='"+tok+"'")
	r := cli(t, "scan", "--crates-api", api.URL, site.URL+"/")
	if len(api.reqs) != 0 || r.code != 1 {
		t.Fatalf("without --verify: %d requests to crates.io, exit %d", len(api.reqs), r.code)
	}
	if v := validities(t, r.sarif)[sha(tok)]; v.validity != "" || v.level != "error" {
		t.Errorf("unverified finding: %+v", v)
	}
}

func TestCratesAPIMustBeHTTPS(t *testing.T) {
	dir := t.TempDir()
	for _, api := range []string{"http://crates.example.com", "ftp://crates.io"} {
		r := cli(t, "scan", "--verify", "--crates-api", api, dir)
		if r.code != 2 || !strings.Contains(r.stderr, "--crates-api") {
			t.Errorf("%s: exit %d %s", api, r.code, r.stderr)
		}
	}
}

func TestIgnoreFile(t *testing.T) {
	src := tokentest.New(103)
	handled, expired, fresh := src.API(), src.API(), src.API()
	site := siteServing(t, "a='"+handled+"'", "b='"+expired+"'", "c='"+fresh+"'")
	dir := t.TempDir()
	file := filepath.Join(dir, ".cratesguard-ignore")

	// ignore add writes well-formed entries and refuses mistakes.
	if r := cli(t, "ignore", "add", sha(handled), "--reason", "revoked 2026-11-20; CDN still caches the old bundle", "--file", file); r.code != 0 {
		t.Fatalf("ignore add: %d %s", r.code, r.stderr)
	}
	if r := cli(t, "ignore", "add", sha(expired), "--reason", "temporary", "--expires", "2020-01-31", "--file", file); r.code != 0 {
		t.Fatalf("ignore add --expires: %d %s", r.code, r.stderr)
	}
	for _, bad := range [][]string{
		{"ignore", "add", fresh, "--reason", "x", "--file", file},
		{"ignore", "add", sha(fresh), "--file", file},
		{"ignore", "add", sha(handled), "--reason", "again", "--file", file},
		{"ignore", "add", "abc", "--reason", "x", "--file", file},
	} {
		r := cli(t, bad...)
		if r.code != 2 || strings.Contains(r.stderr, fresh) {
			t.Errorf("%v: exit %d %q", bad[2:4], r.code, r.stderr)
		}
	}
	b, _ := os.ReadFile(file)
	if strings.Contains(string(b), fresh) || strings.Count(string(b), "\n") != 4 {
		t.Fatalf("ignore file:\n%s", b)
	}

	r := cli(t, "scan", "--ignore-file", file, "--format", "json", site.URL+"/")
	noLeak(t, r, handled, expired, fresh)
	got := validities(t, r.sarif)
	if _, ok := got[sha(handled)]; ok || len(got) != 2 {
		t.Errorf("results %d; the ignored token must be left out, the expired and fresh ones kept", len(got))
	}
	var js struct {
		Ignored  []struct{ Sha256, Reason, Entry string }
		Warnings []string
	}
	json.Unmarshal([]byte(r.stdout), &js)
	if len(js.Ignored) != 1 || !strings.Contains(js.Ignored[0].Reason, "CDN still caches") || !strings.HasSuffix(js.Ignored[0].Entry, ":3") {
		t.Errorf("JSON ignored: %+v", js.Ignored)
	}
	if len(js.Warnings) != 1 || !strings.Contains(js.Warnings[0], "expired on 2020-01-31") {
		t.Errorf("JSON warnings: %v", js.Warnings)
	}
	if !strings.Contains(string(r.sarif), "Ignored cio") || !strings.Contains(string(r.sarif), "CDN still caches") {
		t.Errorf("the SARIF notifications do not count the ignored token with its reason")
	}

	os.WriteFile(file, append(b, []byte("nothex reason\n")...), 0o644)
	r = cli(t, "scan", "--ignore-file", file, site.URL+"/")
	if r.code != 2 || !strings.Contains(r.stderr, ".cratesguard-ignore:5") {
		t.Errorf("malformed line: exit %d %q", r.code, r.stderr)
	}
	os.WriteFile(file, []byte(handled+" pasted the token by mistake\n"), 0o644)
	r = cli(t, "scan", "--ignore-file", file, site.URL+"/")
	if r.code != 2 || strings.Contains(r.stderr, handled) || !strings.Contains(r.stderr, "holds a token") {
		t.Errorf("a token in the ignore file: exit %d %q", r.code, r.stderr)
	}
	if r := cli(t, "scan", "--ignore-file", filepath.Join(dir, "missing"), site.URL+"/"); r.code != 2 {
		t.Errorf("a named ignore file that is missing: exit %d", r.code)
	}
}
