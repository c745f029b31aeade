package main

import (
	"bytes"
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

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds cratesguard once for the subprocess tests.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cratesguard-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "cratesguard")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// runner simulates the GitHub Actions runner around one step.
type runner struct {
	t         *testing.T
	workspace string
	env       map[string]string
	// during, if set, runs beside the step once it has started (to signal
	// it, as a cancelled job does).
	during func(*os.Process)
}

func newRunner(t *testing.T, event, payload string) *runner {
	ws := t.TempDir()
	dir := t.TempDir()
	r := &runner{t: t, workspace: ws, env: map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_WORKSPACE":    ws,
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"GITHUB_EVENT_NAME":   event,
		"GITHUB_EVENT_PATH":   filepath.Join(dir, "event.json"),
		"GITHUB_REPOSITORY":   "acme/crate",
		"GITHUB_SHA":          "0123456789abcdef0123456789abcdef01234567",
		"HOME":                dir,
		"PATH":                os.Getenv("PATH"),
	}}
	for _, f := range []string{"output", "summary"} {
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	os.WriteFile(r.env["GITHUB_EVENT_PATH"], []byte(payload), 0o644)
	return r
}

// input sets an input the way the runner does: INPUT_ + the name upper-cased, hyphens kept.
func (r *runner) input(name, value string) *runner {
	r.env["INPUT_"+strings.ToUpper(name)] = value
	return r
}

type stepResult struct {
	code            int
	stdout, stderr  string
	outputs         map[string]string
	summary         string
	sarif           []byte
	outputFileBytes string
}

func (r *runner) run() stepResult {
	r.t.Helper()
	cmd := exec.Command(binary(r.t), "action")
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Start()
	if err == nil {
		if r.during != nil {
			go r.during(cmd.Process)
		}
		err = cmd.Wait()
	}
	res := stepResult{stdout: out.String(), stderr: errb.String(), outputs: map[string]string{}}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatal(err)
	}
	b, _ := os.ReadFile(r.env["GITHUB_OUTPUT"])
	res.outputFileBytes = string(b)
	res.outputs = parseOutputs(string(b))
	s, _ := os.ReadFile(r.env["GITHUB_STEP_SUMMARY"])
	res.summary = string(s)
	if p := res.outputs["sarif-file"]; p != "" {
		// The output is relative to the workspace, as the host resolves it.
		res.sarif, _ = os.ReadFile(filepath.Join(r.workspace, p))
		if len(res.sarif) > 0 {
			keep := filepath.Join(sarifDir, fmt.Sprintf("action-%s.sarif", sanitize(r.t.Name())))
			os.WriteFile(keep, res.sarif, 0o644)
			sarifMu.Lock()
			sarifFiles = append(sarifFiles, keep)
			sarifMu.Unlock()
		}
	}
	return res
}

// parseOutputs reads the runner's GITHUB_OUTPUT file: name<<DELIM / value / DELIM.
func parseOutputs(s string) map[string]string {
	out := map[string]string{}
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			continue
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

// onlyMasked asserts a token appears in no output but its ::add-mask:: line,
// and that the mask line comes before any other line of the step's output
// that speaks of findings.
func onlyMasked(t *testing.T, res stepResult, toks ...string) {
	t.Helper()
	for _, tok := range toks {
		maskAt := -1
		for i, line := range strings.Split(res.stdout, "\n") {
			if line == "::add-mask::"+tok {
				if maskAt < 0 {
					maskAt = i
				}
				continue
			}
			if strings.Contains(line, tok) {
				t.Errorf("stdout line %d holds a full token outside ::add-mask::", i)
			}
			if maskAt < 0 && !strings.HasPrefix(line, "::add-mask::") && (strings.Contains(line, "cio") || strings.HasPrefix(line, "::error")) {
				t.Errorf("line %d is printed before the token is masked: %q", i, line)
			}
		}
		if maskAt < 0 {
			t.Errorf("no ::add-mask:: line for a found token")
		}
		for name, s := range map[string]string{"stderr": res.stderr, "summary": res.summary, "outputs": res.outputFileBytes, "SARIF": string(res.sarif)} {
			if strings.Contains(s, tok) {
				t.Errorf("a full token appears in %s", name)
			}
		}
	}
}

func leakySite(t *testing.T, tok string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<html><script src="/app.js"></script></html>`)
		case "/app.js":
			if tok != "" {
				fmt.Fprintf(w, `const env={CARGO_REGISTRY_TOKEN:"%s"};`, tok)
			} else {
				io.WriteString(w, `const env={};`)
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

const releasePayload = `{"action":"published","release":{"tag_name":"v1.2.3"},"repository":{"full_name":"acme/crate"}}`

func TestActionClean(t *testing.T) {
	srv := leakySite(t, "")
	res := newRunner(t, "release", releasePayload).input("urls", srv.URL+"/").run()
	if res.code != 0 || res.outputs["findings"] != "0" || res.outputs["exit-code"] != "0" || res.outputs["scanned"] != "2" {
		t.Fatalf("exit %d outputs %v\n%s%s", res.code, res.outputs, res.stdout, res.stderr)
	}
	if !strings.Contains(res.summary, "No crates.io tokens found") {
		t.Errorf("summary: %s", res.summary)
	}
}

func TestActionFindings(t *testing.T) {
	tok := tokentest.New(90).API()
	srv := leakySite(t, tok)
	r := newRunner(t, "release", releasePayload).input("urls", srv.URL+"/").
		input("headers", "Authorization: Bearer staging-secret-value")
	res := r.run()
	onlyMasked(t, res, tok)
	if res.code != 1 || res.outputs["findings"] != "1" || res.outputs["exit-code"] != "1" || res.outputs["failed"] != "0" {
		t.Fatalf("exit %d outputs %v\n%s", res.code, res.outputs, res.stdout)
	}
	if res.outputs["sarif-file"] != "cratesguard.sarif" || len(res.sarif) == 0 {
		t.Errorf("sarif-file %q, want cratesguard.sarif (relative to the workspace) written", res.outputs["sarif-file"])
	}
	if !strings.Contains(res.stdout, "::error title=cratesguard") || !strings.Contains(res.stdout, "::group::cratesguard: findings") ||
		!strings.Contains(res.stdout, "::endgroup::") {
		t.Errorf("annotations or groups missing:\n%s", res.stdout)
	}
	if !strings.Contains(res.stdout, "::add-mask::Bearer staging-secret-value") {
		t.Errorf("the header value is not masked")
	}
	red := tok[:7] + "…"
	if !strings.Contains(res.summary, "| `"+red+"` |") || !strings.Contains(res.summary, "/app.js line 1") || !strings.Contains(res.summary, "| error |") ||
		!strings.Contains(res.summary, "after release `v1.2.3`") {
		t.Errorf("summary lacks the finding row:\n%s", res.summary)
	}
}

func TestActionFailOnNever(t *testing.T) {
	tok := tokentest.New(91).API()
	srv := leakySite(t, tok)
	res := newRunner(t, "release", releasePayload).input("urls", srv.URL+"/").input("fail-on", "never").input("sarif-file", "out/report.sarif").run()
	onlyMasked(t, res, tok)
	if res.code != 0 || res.outputs["findings"] != "1" {
		t.Fatalf("exit %d outputs %v", res.code, res.outputs)
	}
	if res.outputs["sarif-file"] != "out/report.sarif" {
		t.Errorf("sarif-file %q", res.outputs["sarif-file"])
	}
}

func TestActionBadInput(t *testing.T) {
	for _, c := range []struct{ name, value, want string }{
		{"max-bytes", "12XB", "input max-bytes: \"12XB\""},
		{"fail-on", "sometimes", "input fail-on"},
		{"shard", "5/4", "input shard"},
		{"depth", "two", "input depth"},
		{"probe", "maybe", "input probe"},
		{"rate", "fast", "input rate: \"fast\" is not a number of requests per second"},
		{"per-host", "0", "input per-host: \"0\" must be 1 or more"},
		{"retries", "x", "input retries: \"x\" is not a whole number"},
		{"scan-binary", "maybe", "input scan-binary"},
		{"browser-path", "/nonexistent/chrome", "input browser-path: \"/nonexistent/chrome\" is not an executable file"},
		{"paths", "dist/**/*.js", "input paths: \"dist/**/*.js\" matches no file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRunner(t, "release", releasePayload).input(c.name, c.value)
			if c.name != "paths" {
				r.input("urls", "https://example.invalid/")
			}
			res := r.run()
			if res.code != 2 || !strings.Contains(res.stdout, "::error::cratesguard: "+c.want) || res.outputs["exit-code"] != "2" {
				t.Fatalf("exit %d, outputs %v\n%s", res.code, res.outputs, res.stdout)
			}
		})
	}
	res := newRunner(t, "release", releasePayload).run()
	if res.code != 2 || !strings.Contains(res.stdout, "release v1.2.3 has no assets, and the workspace has no Cargo.toml publishing a crate") {
		t.Fatalf("nothing to scan on a release: exit %d\n%s", res.code, res.stdout)
	}
	res = newRunner(t, "push", `{}`).run()
	if res.code != 2 || !strings.Contains(res.stdout, "is not deployment_status") {
		t.Fatalf("no URLs on a push: exit %d\n%s", res.code, res.stdout)
	}
}

func TestActionUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/"
	srv.Close() // nothing listens there now
	res := newRunner(t, "release", releasePayload).input("urls", url).input("timeout", "2s").run()
	if res.code != 3 || res.outputs["failed"] != "1" || !strings.Contains(res.summary, "could not be scanned") {
		t.Fatalf("exit %d outputs %v\n%s\n%s", res.code, res.outputs, res.stdout, res.summary)
	}
}

func TestActionDeploymentStatus(t *testing.T) {
	tok := tokentest.New(92).API()
	srv := leakySite(t, tok)
	payload := fmt.Sprintf(`{"deployment_status":{"state":"success","environment_url":%q,"target_url":"https://ci.example/log"},"deployment":{"environment":"staging"}}`, srv.URL+"/")
	res := newRunner(t, "deployment_status", payload).run()
	onlyMasked(t, res, tok)
	if res.code != 1 || res.outputs["findings"] != "1" {
		t.Fatalf("deployment_status: exit %d outputs %v\n%s", res.code, res.outputs, res.stdout)
	}
}

func TestActionPathsAndShards(t *testing.T) {
	src := tokentest.New(93)
	// 24 files, so neither of two shards is empty but with probability 2 x 2^-24.
	var toks []string
	for range 24 {
		toks = append(toks, src.API())
	}
	r := newRunner(t, "release", releasePayload)
	for i, tok := range toks {
		p := filepath.Join(r.workspace, "dist", "assets", fmt.Sprintf("chunk-%d.js", i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("\n\nexport const t = '"+tok+"';\n"), 0o644)
	}
	res := r.input("paths", "dist/**/*.js").run()
	onlyMasked(t, res, toks...)
	if res.code != 1 || res.outputs["findings"] != "24" {
		t.Fatalf("paths: exit %d outputs %v\n%s", res.code, res.outputs, res.stdout)
	}
	if !strings.Contains(res.stdout, "::error file=dist/assets/chunk-0.js,line=3,col=19,title=") {
		t.Errorf("file annotation with workspace-relative path and line missing:\n%s", res.stdout)
	}
	total := 0
	for k := 1; k <= 2; k++ {
		res := r.input("shard", fmt.Sprintf("%d/2", k)).run()
		var n int
		fmt.Sscan(res.outputs["findings"], &n)
		total += n
		if !strings.Contains(string(res.sarif), fmt.Sprintf(`"id": "cratesguard/shard-%d-of-2/"`, k)) {
			t.Errorf("shard %d/2: SARIF category missing", k)
		}
	}
	if total != 24 {
		t.Errorf("the two shards found %d tokens in all, want 24", total)
	}
}

// TestActionAnnotationsAreCapped: GitHub shows ten error annotations per
// step; the rest are counted in the summary.
func TestActionAnnotationsAreCapped(t *testing.T) {
	src := tokentest.New(94)
	r := newRunner(t, "release", releasePayload)
	var toks []string
	for i := 0; i < 13; i++ {
		tok := src.API()
		toks = append(toks, tok)
		os.WriteFile(filepath.Join(r.workspace, fmt.Sprintf("f%02d.js", i)), []byte("t='"+tok+"'"), 0o644)
	}
	res := r.input("paths", "*.js").run()
	onlyMasked(t, res, toks...)
	if n := strings.Count(res.stdout, "::error file="); n != 10 {
		t.Errorf("%d file annotations, want 10", n)
	}
	if !strings.Contains(res.summary, "3 findings not annotated") || strings.Count(res.summary, "| error |") != 13 {
		t.Errorf("summary does not list all 13 and count the 3 unannotated:\n%s", res.summary)
	}
}

// TestActionVerifyAndIgnore: the verify input asks the (fake) crates.io,
// fail-on verified follows it, and the ignore file in the checkout hides a
// handled token; the summary shows validity and the ignored token.
func TestActionVerifyAndIgnore(t *testing.T) {
	src := tokentest.New(95)
	live, handled := src.API(), src.API()
	api := newFakeCratesIO(t)
	api.replies[live] = crates(403, "this action can only be performed on the crates.io website")
	site := siteServing(t, "a='"+live+"'", "b='"+handled+"'")
	r := newRunner(t, "release", releasePayload)
	os.WriteFile(filepath.Join(r.workspace, ".cratesguard-ignore"), []byte(sha(handled)+" rotated last week\n"), 0o644)
	res := r.input("urls", site.URL+"/").input("verify", "true").input("crates-api", api.URL).input("fail-on", "verified").run()
	onlyMasked(t, res, live)
	if res.code != 1 || res.outputs["findings"] != "1" {
		t.Fatalf("exit %d outputs %v\n%s", res.code, res.outputs, res.stdout)
	}
	if !strings.Contains(res.summary, "| active |") || !strings.Contains(res.summary, "rotated last week") || !strings.Contains(res.summary, "1 token ignored") {
		t.Errorf("summary lacks validity or the ignored token:\n%s", res.summary)
	}
	for _, req := range api.reqs {
		if req.Header.Get("Authorization") == handled {
			t.Error("an ignored token was sent to crates.io")
		}
	}
	bad := newRunner(t, "release", releasePayload).input("urls", site.URL+"/").input("fail-on", "verified").run()
	if bad.code != 2 || !strings.Contains(bad.stdout, "input fail-on") {
		t.Errorf("fail-on verified without verify: exit %d\n%s", bad.code, bad.stdout)
	}
}

// replayUpload is ../shared/tools/replay-upload (upload-sarif v4's own
// processing, offline), or "" where it is absent (a user's clone, a GitHub
// runner). Named in CRATESGUARD_REPLAY_UPLOAD (this project's CI), it must
// be there.
func replayUpload(t *testing.T) string {
	p := os.Getenv("CRATESGUARD_REPLAY_UPLOAD")
	named := p != ""
	if !named {
		p, _ = filepath.Abs(filepath.Join("..", "..", "..", "shared", "tools", "replay-upload"))
	}
	if _, err := os.Stat(p); err != nil {
		if named {
			t.Fatalf("replay-upload not found at %s, which CRATESGUARD_REPLAY_UPLOAD names", p)
		}
		t.Logf("note: %s not found; upload-sarif replay skipped", p)
		return ""
	}
	return p
}

// TestSARIFResolvesOnTheHost runs the action with the workspace mapped as
// the runner maps it for a container action (/github/workspace inside,
// another path on the host) and resolves the sarif-file output on the
// host, as upload-sarif does; then replays upload-sarif v4 on it there.
func TestSARIFResolvesOnTheHost(t *testing.T) {
	tok := tokentest.New(96).API()
	srv := leakySite(t, tok)
	r := newRunner(t, "release", releasePayload)
	host := r.workspace
	container := filepath.Join(t.TempDir(), "github", "workspace")
	os.MkdirAll(filepath.Dir(container), 0o755)
	if err := os.Symlink(host, container); err != nil {
		t.Fatal(err)
	}
	r.env["GITHUB_WORKSPACE"] = container
	res := r.input("urls", srv.URL+"/").input("sarif-file", "reports/cratesguard.sarif").run()
	out := res.outputs["sarif-file"]
	if res.code != 1 || out != "reports/cratesguard.sarif" || strings.Contains(res.outputFileBytes, container) {
		t.Fatalf("exit %d, sarif-file %q: want a path relative to the workspace", res.code, out)
	}
	// The host has no /github/workspace: only the workspace's own path.
	os.Remove(container)
	onHost := filepath.Join(host, out)
	if _, err := os.Stat(onHost); err != nil {
		t.Fatalf("the output does not resolve on the host: %v", err)
	}
	tool := replayUpload(t)
	if tool == "" {
		return
	}
	cmd := exec.Command(tool, "--checkout", host, out+"::cratesguard")
	cmd.Dir = host // upload-sarif resolves sarif_file against the host's working directory
	replay, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(replay), `"accepted":true`) {
		t.Fatalf("upload-sarif v4 would not accept the output: %v\n%s", err, replay)
	}
}

// TestEmptyShard: sharding is by hash, so a shard can hold no target; it
// still writes a valid SARIF report (no results, its category) so that
// its category's old alerts close, says so, and passes.
func TestEmptyShard(t *testing.T) {
	r := newRunner(t, "release", releasePayload)
	os.WriteFile(filepath.Join(r.workspace, "only.js"), []byte("x"), 0o644)
	var empty int
	for k := 1; k <= 4; k++ {
		res := r.input("paths", "only.js").input("shard", fmt.Sprintf("%d/4", k)).run()
		if res.code != 0 {
			t.Fatalf("shard %d/4: exit %d\n%s", k, res.code, res.stdout)
		}
		if res.outputs["scanned"] != "0" {
			continue
		}
		empty++
		l := parseSARIF(t, res.sarif)
		run := l.Runs[0]
		if len(run.Results) != 0 || run.AutomationDetails == nil || run.AutomationDetails.ID != fmt.Sprintf("cratesguard/shard-%d-of-4/", k) {
			t.Errorf("shard %d/4: results %d, category %+v", k, len(run.Results), run.AutomationDetails)
		}
		if !strings.Contains(res.summary, "holds none of the 1 targets") {
			t.Errorf("shard %d/4: the summary does not say the shard is empty:\n%s", k, res.summary)
		}
	}
	if empty != 3 {
		t.Errorf("%d empty shards of 4 with one target, want 3", empty)
	}
}
