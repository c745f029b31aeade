package main

// Hostile content, class 9: the smaller holes. Verification is bounded,
// --rate takes only sane values, annotation paths are escaped once, and
// list files with BOMs and long lines get clear answers.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestVerifyIsBounded(t *testing.T) {
	src := tokentest.New(260)
	toks := []string{src.API(), src.API(), src.API()}
	api := newFakeCratesIO(t)
	for _, tok := range toks {
		api.replies[tok] = crates(403, "authentication failed")
	}
	site := siteServing(t, "a='"+toks[0]+"'", "b='"+toks[1]+"'", "c='"+toks[2]+"'")
	r := cli(t, "scan", "--verify", "--verify-max", "1", "--crates-api", api.URL, "--format", "json", site.URL+"/")
	if len(api.reqs) != 1 {
		t.Errorf("%d requests to crates.io, want 1 (--verify-max 1)", len(api.reqs))
	}
	if strings.Count(r.stdout, `"validity": "unknown"`) != 2 || !strings.Contains(r.stdout, "--verify-max 1 tokens were checked already") {
		t.Errorf("the unchecked tokens are not unknown with the reason:\n%s", r.stdout)
	}
}

func TestRateMustBeSane(t *testing.T) {
	dir := t.TempDir()
	for _, rate := range []string{"NaN", "+Inf", "1e-12", "1e-7", "-1", "fast"} {
		r := cli(t, "scan", "--rate", rate, dir)
		if r.code != 2 || !strings.Contains(r.stderr, "--rate") {
			t.Errorf("--rate %s: exit %d %q", rate, r.code, r.stderr)
		}
	}
}

func TestAnnotationPathsAreEscapedOnce(t *testing.T) {
	tok := tokentest.New(261).API()
	r := newRunner(t, "release", releasePayload)
	os.WriteFile(filepath.Join(r.workspace, "my file,a:b%.js"), []byte("t='"+tok+"'"), 0o644)
	res := r.input("paths", "*.js").run()
	if !strings.Contains(res.stdout, "::error file=my file%2Ca%3Ab%25.js,line=1,col=4,") {
		t.Errorf("the annotation's file= is not escaped exactly once:\n%s", res.stdout)
	}
	for _, c := range runnerCommands(res.stdout) {
		if c.name == "error" && c.props["file"] != "" && c.props["file"] != "my file,a:b%.js" {
			t.Errorf("the runner reads file=%q", c.props["file"])
		}
	}
}

func TestListFilesWithBOMAndLongLines(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "targets.txt")
	os.WriteFile(list, []byte("\uFEFF"+dir+"   # the build output\r\n"), 0o644)
	if r := cli(t, "scan", "--targets-file", list); r.code != 0 && r.code != 3 {
		t.Errorf("a BOM and an inline comment: exit %d %q", r.code, r.stderr)
	}
	os.WriteFile(list, []byte(dir+"\n"+strings.Repeat("x", 70000)+"\n"), 0o644)
	if r := cli(t, "scan", "--targets-file", list); r.code != 2 || !strings.Contains(r.stderr, "targets.txt:2: the line is longer than 64 KiB") {
		t.Errorf("a 70 KB line: exit %d %q", r.code, r.stderr)
	}
	ign := filepath.Join(dir, ".cratesguard-ignore")
	os.WriteFile(ign, []byte("\uFEFF"+strings.Repeat("ab", 32)+" handled\n"+strings.Repeat("y", 70000)+"\n"), 0o644)
	if r := cli(t, "scan", "--ignore-file", ign, dir); r.code != 2 || !strings.Contains(r.stderr, ".cratesguard-ignore:2: the line is longer") {
		t.Errorf("ignore file: exit %d %q", r.code, r.stderr)
	}
}
