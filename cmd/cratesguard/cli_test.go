package main

// The CLI tells the truth about every run and behaves like the tools its
// users know: help everywhere, mistakes explained, progress in CI logs,
// interrupts reported, empty inputs failed, outputs checked first.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/safe"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestHelpEverywhere(t *testing.T) {
	for _, args := range [][]string{
		{"help"}, {"--help"}, {"help", "scan"}, {"scan", "--help"}, {"scan", "-h"}, {"scan", "--depth", "1", "--help"},
		{"help", "ignore", "add"}, {"ignore", "add", "--help"}, {"ignore", "--help"}, {"demo", "--help"}, {"help", "demo"},
		{"action", "--help"}, {"help", "action"}, {"version", "--help"}, {"help", "version"},
	} {
		r := cli(t, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") || r.stderr != "" || strings.Count(r.stdout, "Usage:") != 1 {
			t.Errorf("%v: exit %d, %d usage headers, stderr %q", args, r.code, strings.Count(r.stdout, "Usage:"), r.stderr)
		}
	}
	help := cli(t, "help", "scan").stdout
	if help != cli(t, "scan", "--help").stdout {
		t.Error("help scan and scan --help differ")
	}
	for _, want := range []string{"\nTargets:\n", "\nOutput:\n", "\nCrawling:\n", "\nRequests:\n", "\nVerification and triage:\n",
		"--depth N", "--sarif FILE", "--per-host N", "(default --concurrency, 16)", "--timeout DURATION", "(default 30s)"} {
		if !strings.Contains(help, want) {
			t.Errorf("scan help lacks %q:\n%s", want, help)
		}
	}
	if regexp.MustCompile(`\n  -[^-]`).MatchString(help) {
		t.Errorf("a flag is shown with one dash:\n%s", help)
	}
}

func TestFlagMistakesAreExplained(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--depht", "0", dir}, "cratesguard: unknown flag --depht: did you mean --depth?\n"},
		{[]string{"scan", "--timeout", "5", dir}, "cratesguard: --timeout: \"5\" has no unit: durations need one, as in 5s\n"},
		{[]string{"scan", "--concurency", "4", dir}, "cratesguard: unknown flag --concurency: did you mean --concurrency?\n"},
		{[]string{"scan", "--depth", "two", dir}, "cratesguard: --depth: \"two\" is not a number\n"},
		{[]string{"scan", "--sarif"}, "cratesguard: --sarif needs a value\n"},
		{[]string{"ignore", "add", "--reson", "x", "abc"}, "cratesguard: unknown flag --reson: did you mean --reason?\n"},
	}
	for _, c := range cases {
		r := cli(t, c.args...)
		if r.code != 2 || r.stderr != c.want {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestNothingScannedIsNoPass(t *testing.T) {
	empty := t.TempDir()
	r := cli(t, "scan", empty)
	if r.code != 3 || !strings.Contains(r.stdout, "no files to scan in it") {
		t.Errorf("an empty directory: exit %d\n%s", r.code, r.stdout)
	}
	dist := t.TempDir()
	os.WriteFile(filepath.Join(dist, "app.css"), []byte("body{}"), 0o644)
	r = cli(t, "scan", "--include", "**/*.js", dist)
	if r.code != 3 || !strings.Contains(r.stdout, "no files matched --include **/*.js") {
		t.Errorf("--include matching nothing: exit %d\n%s", r.code, r.stdout)
	}
	os.WriteFile(filepath.Join(dist, "empty.js"), nil, 0o644)
	r = cli(t, "scan", filepath.Join(dist, "empty.js"))
	if r.code != 3 || !strings.Contains(r.stdout, "the file is empty") {
		t.Errorf("an empty file: exit %d\n%s", r.code, r.stdout)
	}
	r = cli(t, "scan", "--targets-file", filepath.Join(dist, "empty.js"))
	if r.code != 2 || !strings.Contains(r.stderr, "nothing to scan: name a URL or a path, or a --targets-file") {
		t.Errorf("an empty targets file: exit %d %q", r.code, r.stderr)
	}
}

func TestOutputsAreCheckedBeforeTheFirstRequest(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	dir := t.TempDir()
	for _, p := range []string{dir, filepath.Join(dir, "no", "such", "dir", "x.sarif")} {
		r := cli(t, "scan", "--sarif", p, srv.URL+"/")
		if r.code != 2 || !strings.Contains(r.stderr, "--sarif") || hits.Load() != 0 {
			t.Errorf("--sarif %s: exit %d %q, %d requests", p, r.code, r.stderr, hits.Load())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "no")); err == nil {
		t.Error("a directory was created for --sarif")
	}
	// A write that still fails afterwards: the directory goes away during
	// the scan. The failing token keeps its exit 1; the error is said.
	gone := filepath.Join(dir, "gone")
	os.Mkdir(gone, 0o755)
	tok := tokentest.New(290).API()
	leaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		os.RemoveAll(gone)
		fmt.Fprintf(w, "t='%s'", tok)
	}))
	defer leaky.Close()
	r := cli(t, "scan", "--sarif", filepath.Join(gone, "x.sarif"), leaky.URL+"/app.js")
	if r.code != 1 || !strings.Contains(r.stdout, "1 crates.io token found") || !strings.Contains(r.stderr, "the SARIF report was not written: writing "+filepath.Join(gone, "x.sarif")) {
		t.Errorf("SARIF write failing late: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out := filepath.Join(dir, "ok.sarif")
	r = cli(t, "scan", "--sarif", out, leaky.URL+"/app.js")
	if !strings.Contains(r.stderr, "SARIF report written to "+out) {
		t.Errorf("scan does not say where the SARIF went: %q", r.stderr)
	}
}

// TestCountsAgree: tokens, placeholders, scanned, skipped and failed are
// counted apart, and the same in text, JSON, the summary and the outputs.
func TestCountsAgree(t *testing.T) {
	src := tokentest.New(291)
	ta, tb := src.API(), src.API() // made here: handlers run concurrently
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<script src="/a.js"></script><script src="/b.js"></script><a href="https://elsewhere.example/">x</a><a href="/broken">b</a>`)
		case "/a.js":
			fmt.Fprintf(w, "a='%s';p='%s'", ta, tokentest.Placeholder('z'))
		case "/b.js":
			fmt.Fprintf(w, "b='%s'", tb)
		default:
			http.Error(w, "boom", 500)
		}
	}))
	defer srv.Close()
	r := cli(t, "scan", "--retries", "0", srv.URL+"/")
	head := strings.SplitN(r.stdout, "\n", 2)[0]
	if head != "2 crates.io tokens found (2 failing) and 1 placeholder in 3 scanned targets (1 skipped, 1 failed)." {
		t.Errorf("headline %q", head)
	}
	j := cli(t, "scan", "--retries", "0", "--format", "json", srv.URL+"/")
	var js struct{ Summary map[string]int }
	json.Unmarshal([]byte(j.stdout), &js)
	want := map[string]int{"tokens": 2, "placeholders": 1, "failing": 2, "scanned": 3, "skipped": 1, "failed": 1}
	for k, v := range want {
		if js.Summary[k] != v {
			t.Errorf("JSON summary %s = %d, want %d", k, js.Summary[k], v)
		}
	}
	res := newRunner(t, "release", releasePayload).input("urls", srv.URL+"/").input("retries", "0").run()
	for k, v := range map[string]string{"tokens": "2", "placeholders": "1", "scanned": "3", "skipped": "1", "failed": "1"} {
		if res.outputs[k] != v {
			t.Errorf("output %s = %q, want %s", k, res.outputs[k], v)
		}
	}
	if !strings.Contains(res.summary, head) {
		t.Errorf("the summary does not say %q:\n%s", head, res.summary)
	}
}

func TestVerificationWording(t *testing.T) {
	tok := tokentest.New(292).API()
	api := newFakeCratesIO(t)
	api.replies[tok] = crates(200, "all good")
	site := siteServing(t, "a='"+tok+"'")
	r := cli(t, "scan", "--verify", "--crates-api", api.URL, "--format", "json", site.URL+"/")
	if !strings.Contains(r.stdout, `"validity": "unknown"`) || strings.Contains(r.stdout, `"validity": "active"`) {
		t.Errorf("HTTP 200 from /api/v1/me: want unknown (README: anything but the two known 403 bodies)\n%s", r.stdout)
	}
}

func TestIgnoreAddTakesThePrefixTheTableShows(t *testing.T) {
	tok := tokentest.New(293).API()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "app.js"), []byte("t='"+tok+"'"), 0o644)
	file := filepath.Join(dir, ".cratesguard-ignore")
	prefix := sha(tok)[:16] // what the findings table shows
	r := cli(t, "ignore", "add", prefix, "--reason", "revoked", "--file", file)
	if r.code != 0 {
		t.Fatalf("ignore add %s: exit %d %q", prefix, r.code, r.stderr)
	}
	r = cli(t, "scan", "--ignore-file", file, filepath.Join(dir, "app.js"))
	if r.code != 0 || !strings.Contains(r.stdout, "Ignored (per the ignore file): 1 token") {
		t.Errorf("scan with the prefix ignored: exit %d\n%s", r.code, r.stdout)
	}
	r = cli(t, "ignore", "add", sha(tok+"x"), "--reason", "old", "--expires", "2020-01-31", "--file", file)
	if r.code != 0 || !strings.Contains(r.stderr, "--expires 2020-01-31 is already past") {
		t.Errorf("a past --expires: exit %d %q", r.code, r.stderr)
	}
	if r := cli(t, "ignore", "add", "abcdef", "--reason", "x", "--file", file); r.code != 2 {
		t.Errorf("a 6-digit prefix was accepted")
	}
}

func TestTheTableSaysWhatToDo(t *testing.T) {
	src := tokentest.New(294)
	tok, b64tok := src.API(), src.API()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.js"), []byte("t='"+tok+"'"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.js"), []byte("u='"+tok+"'"), 0o644)
	os.WriteFile(filepath.Join(dir, "c.js"), []byte(`atob("`+b64(`{"registry":{"token":"`+b64tok+`"}}`)+`")`), 0o644)
	r := cli(t, "scan", dir)
	if strings.Count(r.stdout, "Revoke each leaked token at https://crates.io/settings/tokens") != 1 {
		t.Errorf("the revoke advice is not given once:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "(+1 more)") || !strings.Contains(r.stdout, "Other places:") || !strings.Contains(r.stdout, "b.js:1:4") {
		t.Errorf("the other place is not listed:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, " base64 ") {
		t.Errorf("the encoding is not named:\n%s", r.stdout)
	}
}

func TestProgressInCILogs(t *testing.T) {
	old := progressEvery
	progressEvery = 100 * time.Millisecond
	defer func() { progressEvery = old }()
	tok := tokentest.New(295).API()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(80 * time.Millisecond)
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html")
			for i := range 6 {
				fmt.Fprintf(w, `<a href="/p%d">p</a>`, i)
			}
			return
		}
		fmt.Fprintf(w, "t='%s'", tok)
	}))
	defer srv.Close()
	r := cli(t, "scan", "--concurrency", "1", srv.URL+"/")
	if !strings.Contains(r.stderr, "of 7 URLs and files, 1 token, ") {
		t.Errorf("no progress line in a long run whose stderr is no terminal:\n%s", r.stderr)
	}
	// Before anything ends, the line counts what is queued (it once said
	// "0 of 0" through a whole large file).
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(350 * time.Millisecond)
	}))
	defer slow.Close()
	r = cli(t, "scan", "--concurrency", "1", slow.URL+"/big.js")
	if !strings.Contains(r.stderr, "scanned 0 of 1 URLs and files, 0 tokens, ") || strings.Contains(r.stderr, " of 0 URLs") {
		t.Errorf("the progress of a long first target does not count it:\n%s", r.stderr)
	}
	progressEvery = time.Hour
	r = cli(t, "scan", "--concurrency", "8", srv.URL+"/")
	if strings.Contains(r.stderr, "scanned ") {
		t.Errorf("a progress line in a short run: %q", r.stderr)
	}
}

// TestDevNullIsNoTerminal: /dev/null is a character device, as a terminal
// is; taken for one, a run with 2>/dev/null wrote a progress line to it
// for every target (2,765 writes for a directory of small files). Neither
// it nor a pipe nor a file is a terminal.
func TestDevNullIsNoTerminal(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for name, f := range map[string]*os.File{"/dev/null": null, "a pipe": pw, "a file": file} {
		if isTerminal(safe.NewOut(f)) || isTerminal(f) {
			t.Errorf("%s is taken for a terminal", name)
		}
	}
}

func b64(s string) string {
	const enc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	for i := 0; i < len(s); i += 3 {
		var n uint32
		k := min(3, len(s)-i)
		for j := 0; j < 3; j++ {
			n <<= 8
			if j < k {
				n |= uint32(s[i+j])
			}
		}
		for j := 0; j < 4; j++ {
			if j <= k {
				b.WriteByte(enc[(n>>(18-6*j))&63])
			} else {
				b.WriteByte('=')
			}
		}
	}
	return b.String()
}

// hangingSite is a page linking to n pages that hang until the test ends
// (or the request is given up); served counts the hanging requests.
func hangingSite(t *testing.T, n int) (*httptest.Server, *atomic.Int32) {
	served := &atomic.Int32{}
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html")
			for i := range n {
				fmt.Fprintf(w, `<a href="/p%d">p</a>`, i)
			}
			return
		}
		served.Add(1)
		select { // the pages hang until the test ends
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv, served
}

// TestInterruptReportsWhatWasScanned sends SIGINT (then SIGTERM, in a
// second run) to a real process in the middle of a crawl: it stops
// fetching, writes the report of what it scanned (the SARIF run
// unsuccessful, with an "interrupted" notification), says how far it got,
// and exits 130 (143). A second signal ends it at once.
func TestInterruptReportsWhatWasScanned(t *testing.T) {
	srv, served := hangingSite(t, 50)
	for _, c := range []struct {
		sigs []syscall.Signal
		code int
		name string
	}{{[]syscall.Signal{syscall.SIGINT}, 130, "SIGINT"}, {[]syscall.Signal{syscall.SIGTERM}, 143, "SIGTERM"},
		{[]syscall.Signal{syscall.SIGINT, syscall.SIGINT}, 130, ""}} {
		served.Store(0)
		sarif := filepath.Join(t.TempDir(), "x.sarif")
		cmd := exec.Command(binary(t), "scan", "--concurrency", "4", "--sarif", sarif, srv.URL+"/")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); served.Load() < 4 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		for _, s := range c.sigs {
			cmd.Process.Signal(s)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%v: still running 10 s after the signal", c.sigs)
		}
		if code := cmd.ProcessState.ExitCode(); code != c.code {
			t.Errorf("%v: exit %d, want %d\n%s", c.sigs, code, c.code, stderr.String())
		}
		if c.name == "" {
			continue // the second signal: out at once, no report owed
		}
		if !strings.Contains(stderr.String(), "interrupted ("+c.name+") after ") || !strings.Contains(stdout.String(), "scanned target") {
			t.Errorf("%s: no report of what was scanned:\n%s\n%s", c.name, stdout.String(), stderr.String())
		}
		b, err := os.ReadFile(sarif)
		if err != nil {
			t.Fatalf("%s: no SARIF written: %v", c.name, err)
		}
		inv := parseSARIF(t, b).Runs[0].Invocations[0]
		said := false
		for _, n := range inv.ToolExecutionNotifications {
			said = said || strings.Contains(n.Message.Text, "interrupted ("+c.name+")")
		}
		if inv.ExecutionSuccessful || !said {
			t.Errorf("%s: executionSuccessful %v, interrupted notification %v", c.name, inv.ExecutionSuccessful, said)
		}
	}
}

// TestConcurrencyMeansWhatItSays: against one host, --concurrency 32 runs
// 32 requests at once unless --per-host says fewer. The server holds each
// request until as many as the run should have are in flight (or, should
// they never be, for a generous bound), so no figure depends on how fast
// the machine is.
func TestConcurrencyMeansWhatItSays(t *testing.T) {
	var now, peak, want atomic.Int32
	var mu sync.Mutex
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := now.Add(1)
		defer now.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html")
			for i := range 40 {
				fmt.Fprintf(w, `<a href="/p%d">p</a>`, i)
			}
			return
		}
		mu.Lock()
		rel := release
		if n >= want.Load() {
			select {
			case <-rel:
			default:
				close(rel)
			}
		}
		mu.Unlock()
		select {
		case <-rel:
		case <-time.After(20 * time.Second):
		}
	}))
	defer srv.Close()
	for _, c := range []struct {
		args []string
		want int32
	}{{[]string{"--concurrency", "32"}, 32}, {[]string{"--concurrency", "32", "--per-host", "4"}, 4}} {
		peak.Store(0)
		want.Store(c.want)
		mu.Lock()
		release = make(chan struct{})
		mu.Unlock()
		cli(t, append(append([]string{"scan"}, c.args...), srv.URL+"/")...)
		if p := peak.Load(); p != c.want {
			t.Errorf("%v against one host: at most %d requests at once, want %d", c.args, p, c.want)
		}
	}
}
