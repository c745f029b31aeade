package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// sarifFiles collects every SARIF file the tests make; TestMain has
// ../shared/tools/check-sarif judge them all.
var (
	sarifMu    sync.Mutex
	sarifFiles []string
	sarifDir   string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cratesguard-sarif-")
	if err != nil {
		panic(err)
	}
	sarifDir = dir
	code := m.Run()
	if code == 0 {
		code = checkSARIF()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// checkSARIF runs GitHub's acceptance check over the SARIF the tests wrote.
// The tool lives beside the repository in this project's CI, which names it
// in CRATESGUARD_CHECK_SARIF: named, it must be there. Unnamed, it is used
// where it sits beside the checkout, and skipped where it does not (a
// user's clone, a GitHub runner: CI=true decides nothing).
// With CRATESGUARD_SARIF_OUT set, the files are also copied there.
func checkSARIF() int {
	if out := os.Getenv("CRATESGUARD_SARIF_OUT"); out != "" {
		for _, f := range sarifFiles {
			b, err := os.ReadFile(f)
			if err == nil {
				err = os.WriteFile(filepath.Join(out, filepath.Base(f)), b, 0o644)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "copying SARIF:", err)
				return 1
			}
		}
	}
	tool := os.Getenv("CRATESGUARD_CHECK_SARIF")
	named := tool != ""
	if !named {
		tool = filepath.Join("..", "..", "..", "shared", "tools", "check-sarif")
	}
	if _, err := os.Stat(tool); err != nil {
		if named {
			fmt.Fprintf(os.Stderr, "check-sarif not found at %s, which CRATESGUARD_CHECK_SARIF names\n", tool)
			return 1
		}
		fmt.Fprintf(os.Stderr, "note: %s not found; SARIF acceptance check skipped\n", tool)
		return 0
	}
	if len(sarifFiles) == 0 {
		return 0 // a -run subset that wrote none
	}
	cmd := exec.Command(tool, sarifFiles...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "check-sarif rejected the tests' SARIF:\n%s\n", out)
		return 1
	}
	if strings.Contains("\n"+string(out), "\nwarning ") {
		fmt.Fprintf(os.Stderr, "check-sarif warned about the tests' SARIF (a location URI that is not valid?):\n%s\n", out)
		return 1
	}
	fmt.Fprintf(os.Stderr, "check-sarif accepted %d SARIF files\n", len(sarifFiles))
	return 0
}

type result struct {
	code           int
	stdout, stderr string
	sarif          []byte
}

// cli runs the command in-process. When args hold no --sarif, it adds one.
func cli(t *testing.T, args ...string) result {
	t.Helper()
	var sarifPath string
	if len(args) > 0 && args[0] == "scan" && !contains(args, "--sarif") {
		f, err := os.CreateTemp(sarifDir, sanitize(t.Name())+"-*.sarif")
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		os.Remove(f.Name()) // the scan creates it; usage errors must not
		sarifPath = f.Name()
		args = append(args, "--sarif", sarifPath)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	r := result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	if sarifPath != "" {
		if b, err := os.ReadFile(sarifPath); err == nil {
			r.sarif = b
			sarifMu.Lock()
			sarifFiles = append(sarifFiles, sarifPath)
			sarifMu.Unlock()
		}
	}
	return r
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, s)
}

// noLeak asserts that no full token appears in any output.
func noLeak(t *testing.T, r result, tokens ...string) {
	t.Helper()
	for _, tok := range tokens {
		for name, out := range map[string]string{"stdout": r.stdout, "stderr": r.stderr, "SARIF": string(r.sarif)} {
			if strings.Contains(out, tok) {
				t.Errorf("a full token appears in %s", name)
			}
		}
	}
}

// sarifLog is the part of SARIF the tests read.
type sarifLog struct {
	Runs []struct {
		Results []struct {
			RuleID              string `json:"ruleId"`
			RuleIndex           int    `json:"ruleIndex"`
			Level               string `json:"level"`
			Message             struct{ Text string }
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Properties          map[string]any    `json:"properties"`
			Locations           []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					Region           *struct {
						StartLine, StartColumn int
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			RelatedLocations []json.RawMessage `json:"relatedLocations"`
		} `json:"results"`
		Invocations []struct {
			ExecutionSuccessful        bool `json:"executionSuccessful"`
			ToolExecutionNotifications []struct {
				Level   string
				Message struct{ Text string }
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		AutomationDetails *struct{ ID string } `json:"automationDetails"`
	} `json:"runs"`
}

func parseSARIF(t *testing.T, b []byte) sarifLog {
	t.Helper()
	var l sarifLog
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if len(l.Runs) != 1 {
		t.Fatalf("SARIF has %d runs", len(l.Runs))
	}
	return l
}

// site serves every kind of content the core scanner must handle.
type site struct {
	*httptest.Server
	tok map[string]string // path -> the token planted there
}

func newSite(t *testing.T) *site {
	src := tokentest.New(42)
	s := &site{tok: map[string]string{}}
	mux := http.NewServeMux()
	plant := func(path, tok string, h http.HandlerFunc) {
		if tok != "" {
			s.tok[path] = tok
		}
		mux.HandleFunc(path, h)
	}
	// Each block below declares its own tok: the handlers capture it.
	text := func(ctype, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			io.WriteString(w, body)
		}
	}
	{
		tok := src.API()
		plant("/index.html", tok, text("text/html", "<!doctype html><html><body>\n<!-- deploy token: "+tok+" -->\n<p>hi</p></body></html>"))
	}
	{
		tok := src.API()
		plant("/app.js", tok, text("text/javascript", `(()=>{const e={CARGO_REGISTRY_TOKEN:"`+tok+`"};window.x=e})();`))
	}
	{
		tok := src.TP()
		plant("/config.json", tok, text("application/json", `{"registry":{"token":"`+tok+`"}}`))
	}
	{
		tok := src.API()
		plant("/header", tok, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Debug-Token", tok)
			io.WriteString(w, "ok")
		})
	}
	{
		tok := src.API()
		plant("/gzip.js", tok, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			fmt.Fprintf(zw, "var a=1;\nvar t='%s';", tok)
			zw.Close()
		})
	}
	{
		tok := src.API()
		plant("/br.js", tok, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "br")
			bw := brotli.NewWriter(w)
			fmt.Fprintf(bw, "var t='%s';", tok)
			bw.Close()
		})
	}
	{
		tok := src.API()
		mux.Handle("/old.js", http.RedirectHandler("/moved.js", http.StatusFound))
		s.tok["/old.js"] = tok
		plant("/moved.js", "", text("text/javascript", "t='"+tok+"'"))
	}
	{
		tok := src.API()
		plant("/chunked.js", tok, func(w http.ResponseWriter, r *http.Request) {
			for _, part := range []string{"var t='" + tok[:10], tok[10:20], tok[20:] + "';"} {
				io.WriteString(w, part)
				w.(http.Flusher).Flush()
			}
		})
	}
	{
		tok := src.API()
		plant("/boundary.js", tok, func(w http.ResponseWriter, r *http.Request) {
			body := bytes.Repeat([]byte("x=1;"), (64<<10)/4)
			body = append(body[:64<<10-17], "'"...)
			body = append(body, tok+"';"...)
			w.Write(body)
		})
	}
	{
		tok := src.API()
		plant("/end.js", tok, func(w http.ResponseWriter, r *http.Request) {
			w.Write(bytes.Repeat([]byte("function(a){return a+1},"), (5<<20)/24))
			io.WriteString(w, tok)
		})
	}
	plant("/placeholder.md", "", text("text/markdown", "Run `cargo login "+tokentest.Placeholder('X')+"`"))
	decoyTok := src.API()
	plant("/decoy.css", "", text("text/css", "@font-face{src:url(data:font/woff2;base64,d09GMgABAAAAAAZQAA0AAAAADBAAAAXwAAEAAAAAAAAAP0ZGVE0cGh4GYACCSBEICoE+"+decoyTok+"/ZIGCwgAATYCJAMIBCAFhGQHLxsdCVGUTa==)}"))
	s.tok["decoy"] = decoyTok
	bad := src.TPBadChecksum()
	plant("/badtp.js", "", text("text/javascript", "t='"+bad+"'"))
	s.tok["badtp"] = bad
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *site) all() []string {
	var out []string
	for _, t := range s.tok {
		out = append(out, t)
	}
	out = append(out, tokentest.Placeholder('X'))
	return out
}

func TestScanFindsEachKindOfLeak(t *testing.T) {
	s := newSite(t)
	cases := []struct {
		path, rule, level string
		line, col         int
	}{
		{"/index.html", "crates-io-api-token", "error", 2, 20},
		{"/app.js", "crates-io-api-token", "error", 1, 38},
		{"/config.json", "crates-io-trusted-publishing-token", "error", 1, 23},
		{"/header", "crates-io-api-token", "error", 0, 0},
		{"/gzip.js", "crates-io-api-token", "error", 2, 8},
		{"/br.js", "crates-io-api-token", "error", 1, 8},
		{"/old.js", "crates-io-api-token", "error", 1, 4},
		{"/chunked.js", "crates-io-api-token", "error", 1, 8},
		{"/boundary.js", "crates-io-api-token", "error", 1, 64<<10 - 15},
		{"/end.js", "crates-io-api-token", "error", 1, (5<<20)/24*24 + 1},
	}
	for _, c := range cases {
		t.Run(strings.TrimPrefix(c.path, "/"), func(t *testing.T) {
			r := cli(t, "scan", s.URL+c.path)
			noLeak(t, r, s.all()...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			l := parseSARIF(t, r.sarif)
			res := l.Runs[0].Results
			if len(res) != 1 {
				t.Fatalf("%d results, want 1", len(res))
			}
			got := res[0]
			if got.RuleID != c.rule || got.Level != c.level {
				t.Errorf("rule %s level %s, want %s %s", got.RuleID, got.Level, c.rule, c.level)
			}
			if want := sha(s.tok[c.path]); got.Properties["tokenSha256"] != want {
				t.Errorf("tokenSha256 = %v, want the planted token's %s", got.Properties["tokenSha256"], want)
			}
			loc := got.Locations[0].PhysicalLocation
			if strings.Contains(loc.ArtifactLocation.URI, ":") {
				t.Errorf("location URI %q has a colon", loc.ArtifactLocation.URI)
			}
			if c.line == 0 {
				// A header's region is its line in the sorted header block, in a stand-in of its own.
				if loc.Region == nil || loc.Region.StartLine < 1 || !strings.HasSuffix(loc.ArtifactLocation.URI, "/header.headers") ||
					!strings.Contains(got.Message.Text, "response headers") {
					t.Errorf("header finding: URI %q region %v, message %q", loc.ArtifactLocation.URI, loc.Region, got.Message.Text)
				}
			} else if loc.Region == nil || loc.Region.StartLine != c.line || loc.Region.StartColumn != c.col {
				t.Errorf("region %+v, want line %d column %d", loc.Region, c.line, c.col)
			}
			if !strings.Contains(r.stdout, "error") || !strings.Contains(r.stdout, "…") {
				t.Errorf("text output lacks the finding:\n%s", r.stdout)
			}
		})
	}
}

func TestScanReportsNothingForNonLeaks(t *testing.T) {
	s := newSite(t)
	for _, path := range []string{"/decoy.css", "/badtp.js"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			r := cli(t, "scan", s.URL+path)
			noLeak(t, r, s.all()...)
			if r.code != 0 || len(parseSARIF(t, r.sarif).Runs[0].Results) != 0 {
				t.Fatalf("exit %d, results in SARIF; want a clean scan\n%s", r.code, r.stdout)
			}
		})
	}
}

func TestPlaceholderIsANoteAndNeverFails(t *testing.T) {
	s := newSite(t)
	r := cli(t, "scan", s.URL+"/placeholder.md")
	noLeak(t, r, s.all()...)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0 for a placeholder", r.code)
	}
	res := parseSARIF(t, r.sarif).Runs[0].Results
	if len(res) != 1 || res[0].Level != "note" || res[0].RuleID != "crates-io-token-placeholder" {
		t.Fatalf("results %+v, want one note under the placeholder rule", res)
	}
}

func TestFailedTargetsExitThree(t *testing.T) {
	s := newSite(t)
	for _, path := range []string{"/missing", "/broken"} {
		t.Run(path, func(t *testing.T) {
			r := cli(t, "scan", s.URL+path)
			if r.code != 3 {
				t.Fatalf("exit %d, want 3", r.code)
			}
			inv := parseSARIF(t, r.sarif).Runs[0].Invocations[0]
			if inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 1 ||
				!strings.Contains(inv.ToolExecutionNotifications[0].Message.Text, s.URL+path) {
				t.Fatalf("invocation %+v: want executionSuccessful false and a notification naming the URL", inv)
			}
			if !strings.Contains(r.stdout, "failed") || !strings.Contains(r.stdout, path) {
				t.Errorf("text output does not report the failure:\n%s", r.stdout)
			}
		})
	}
	// A failing finding outranks a failed target.
	r := cli(t, "scan", s.URL+"/missing", s.URL+"/app.js")
	if r.code != 1 {
		t.Fatalf("findings plus a failed target: exit %d, want 1", r.code)
	}
	// fail-on never leaves the failure.
	if r := cli(t, "scan", "--fail-on", "never", s.URL+"/app.js", s.URL+"/missing"); r.code != 3 {
		t.Fatalf("--fail-on never with a failed target: exit %d, want 3", r.code)
	}
	if r := cli(t, "scan", "--fail-on", "never", s.URL+"/app.js"); r.code != 0 {
		t.Fatalf("--fail-on never: exit %d, want 0", r.code)
	}
}

// TestWholeSiteAtOnce scans every URL concurrently and checks that each
// planted token is reported once, that the same leak found twice is one
// result with a related location, and that the report is deterministic.
func TestWholeSiteAtOnce(t *testing.T) {
	s := newSite(t)
	args := []string{"scan", "--concurrency", "8", "--format", "json", "--category", "prod"}
	var paths []string
	for p := range s.tok {
		if strings.HasPrefix(p, "/") {
			paths = append(paths, p)
		}
	}
	for _, p := range paths {
		args = append(args, s.URL+p)
	}
	args = append(args, s.URL+"/app.js?again=1", s.URL+"/missing", s.URL+"/decoy.css", s.URL+"/placeholder.md")
	r1 := cli(t, args...)
	r2 := cli(t, args...)
	noLeak(t, r1, s.all()...)
	if r1.code != 1 {
		t.Fatalf("exit %d", r1.code)
	}
	l := parseSARIF(t, r1.sarif)
	run := l.Runs[0]
	if len(run.Results) != len(paths)+1 {
		t.Fatalf("%d results, want %d (one per token plus the placeholder)", len(run.Results), len(paths)+1)
	}
	for _, res := range run.Results {
		if strings.HasSuffix(res.Locations[0].PhysicalLocation.ArtifactLocation.URI, "/app.js") && len(res.RelatedLocations) != 1 {
			t.Errorf("app.js token: %d related locations, want 1 (the ?again=1 fetch)", len(res.RelatedLocations))
		}
	}
	if run.AutomationDetails == nil || run.AutomationDetails.ID != "prod/" {
		t.Errorf("automationDetails = %+v, want id prod/", run.AutomationDetails)
	}
	fp := func(b []byte) string {
		var out []string
		for _, res := range parseSARIF(t, b).Runs[0].Results {
			out = append(out, res.RuleID+res.PartialFingerprints["primaryLocationLineHash"]+res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		}
		return strings.Join(out, "\n")
	}
	if fp(r1.sarif) != fp(r2.sarif) {
		t.Errorf("two runs differ in results or fingerprints:\n%s\n---\n%s", fp(r1.sarif), fp(r2.sarif))
	}
	var js struct {
		Summary  struct{ Tokens, Placeholders, Failed, Scanned int }
		Findings []struct {
			Token, Sha256, Level string
		}
	}
	if err := json.Unmarshal([]byte(r1.stdout), &js); err != nil {
		t.Fatalf("--format json output: %v\n%s", err, r1.stdout)
	}
	if js.Summary.Tokens != len(paths) || js.Summary.Placeholders != 1 || js.Summary.Failed != 1 || len(js.Findings) != len(paths)+1 {
		t.Errorf("summary %+v, %d findings", js.Summary, len(js.Findings))
	}
	for _, f := range js.Findings {
		if !strings.HasSuffix(f.Token, "…") || len(f.Sha256) != 64 {
			t.Errorf("JSON finding token %q sha %q: want redacted token and full SHA-256", f.Token, f.Sha256)
		}
	}
}

func TestFingerprintIsTheTokens(t *testing.T) {
	// The same token served from two different sites keeps its fingerprint.
	tok := tokentest.New(9).API()
	serve := func(body string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
		t.Cleanup(srv.Close)
		return srv
	}
	a := cli(t, "scan", serve("t='"+tok+"'").URL+"/a.js")
	b := cli(t, "scan", serve("\n\n  x = \""+tok+"\"").URL+"/b/c.js")
	ra, rb := parseSARIF(t, a.sarif).Runs[0].Results, parseSARIF(t, b.sarif).Runs[0].Results
	if ra[0].PartialFingerprints["primaryLocationLineHash"] != rb[0].PartialFingerprints["primaryLocationLineHash"] {
		t.Error("the same token got different fingerprints at different places")
	}
	c := cli(t, "scan", serve("t='"+tokentest.New(10).API()+"'").URL+"/a.js")
	if parseSARIF(t, c.sarif).Runs[0].Results[0].PartialFingerprints["primaryLocationLineHash"] == ra[0].PartialFingerprints["primaryLocationLineHash"] {
		t.Error("different tokens share a fingerprint")
	}
}
