package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestUsageErrorsNameTheProblem(t *testing.T) {
	dir := t.TempDir()
	secret := "Bearer s3cr3t-value-never-printed"
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "Usage"},
		{"unknown command", []string{"scna"}, `unknown command "scna"`},
		{"no targets", []string{"scan"}, "nothing to scan"},
		{"bad max-bytes", []string{"scan", "--max-bytes", "12XB", dir}, `--max-bytes: "12XB" is not a positive size`},
		{"zero max-bytes", []string{"scan", "--max-bytes", "0", dir}, "--max-bytes"},
		{"bad fail-on", []string{"scan", "--fail-on", "sometimes", dir}, `--fail-on: "sometimes"`},
		{"bad format", []string{"scan", "--format", "xml", dir}, `--format: "xml" is not a format`},
		{"bad concurrency", []string{"scan", "--concurrency", "0", dir}, "--concurrency"},
		{"bad timeout", []string{"scan", "--timeout", "soon", dir}, "-timeout"},
		{"negative depth", []string{"scan", "--depth", "-1", dir}, "--depth"},
		{"bad glob", []string{"scan", "--include", "a/[b", dir}, `--include: "a/[b" is not a valid glob`},
		{"header without colon", []string{"scan", "--header", "Authorization " + secret, dir}, "--header"},
		{"bad header name", []string{"scan", "--header", "Bad Name: " + secret, dir}, `--header: header 1: its name is not a valid HTTP header name`},
		{"missing path", []string{"scan", filepath.Join(dir, "nope")}, "no such file or directory"},
		{"ftp URL", []string{"scan", "ftp://example.com/x"}, `"ftp://example.com/x": the scheme is not supported`},
		{"URL without host", []string{"scan", "https:///x"}, "has no host"},
		{"credentials in URL", []string{"scan", "https://user:" + "pw-never-printed@example.com/"}, "--header"},
		{"missing targets file", []string{"scan", "--targets-file", filepath.Join(dir, "list.txt")}, "--targets-file"},
		{"unknown flag", []string{"scan", "--colour", dir}, "-colour"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := cli(t, c.args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\nstderr: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr does not say %q:\n%s", c.want, r.stderr)
			}
			for _, s := range []string{"s3cr3t-value-never-printed", "pw-never-printed"} {
				if strings.Contains(r.stderr+r.stdout, s) {
					t.Errorf("a secret value was printed")
				}
			}
			if len(r.sarif) != 0 {
				t.Errorf("a usage error wrote SARIF")
			}
		})
	}
}

func TestTargetsFileErrorNamesTheLine(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "targets.txt")
	os.WriteFile(list, []byte("# deployments\nhttps://example.com/\n\nftp://nope/\n"), 0o644)
	r := cli(t, "scan", "--targets-file", list)
	if r.code != 2 || !strings.Contains(r.stderr, "targets.txt:4") {
		t.Fatalf("exit %d, stderr %q: want 2 and the line number", r.code, r.stderr)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"scan", "--version"}} {
		r := cli(t, args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "cratesguard ") {
			t.Errorf("%v: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
}

func TestLocalPaths(t *testing.T) {
	src := tokentest.New(11)
	dir := t.TempDir()
	build := filepath.Join(dir, "dist")
	write := func(rel, body string) {
		p := filepath.Join(build, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inJS, inMap, inGit, inVendor := src.API(), src.API(), src.API(), src.API()
	write("assets/app.js", "const t='"+inJS+"';")
	write("assets/app.js.map", `{"sourcesContent":["export const t = '`+inMap+`'"]}`)
	write(".git/config", inGit)
	write("vendor/lib.js", inVendor)
	if err := os.Symlink(filepath.Join(build, "vendor"), filepath.Join(build, "link")); err != nil {
		t.Fatal(err)
	}
	all := []string{inJS, inMap, inGit, inVendor}

	t.Chdir(dir)
	r := cli(t, "scan", "--format", "json", "dist")
	noLeak(t, r, all...)
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	res := parseSARIF(t, r.sarif).Runs[0].Results
	got := map[string]bool{}
	for _, x := range res {
		got[x.Properties["tokenSha256"].(string)] = true
		if uri := x.Locations[0].PhysicalLocation.ArtifactLocation.URI; !strings.HasPrefix(uri, "dist/") {
			t.Errorf("file URI %q is not relative to the working directory", uri)
		}
	}
	if !got[sha(inJS)] || !got[sha(inMap)] || !got[sha(inVendor)] || got[sha(inGit)] || len(got) != 3 {
		t.Errorf("want the tokens in app.js, the map and vendor, not .git; got %d", len(got))
	}
	if !strings.Contains(r.stdout, "symbolic link, not followed") {
		t.Errorf("the skipped symlink is not reported:\n%s", r.stdout)
	}

	r = cli(t, "scan", "--include", "assets/**", "--exclude", "**/*.map", "dist")
	res = parseSARIF(t, r.sarif).Runs[0].Results
	if len(res) != 1 || res[0].Properties["tokenSha256"] != sha(inJS) {
		t.Errorf("--include assets/** --exclude **/*.map: %d results, want only app.js", len(res))
	}
	// A file named directly is scanned whatever the globs say.
	r = cli(t, "scan", "--exclude", "**", "dist/vendor/lib.js")
	if len(parseSARIF(t, r.sarif).Runs[0].Results) != 1 {
		t.Errorf("a file target was filtered out by --exclude")
	}
}

func TestDemo(t *testing.T) {
	t.Chdir(t.TempDir())
	r := cli(t, "demo")
	if r.code != 0 {
		t.Fatalf("demo exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(demoSARIF)
	if err != nil {
		t.Fatal(err)
	}
	l := parseSARIF(t, b)
	if len(l.Runs[0].Results) != 2 || !strings.Contains(r.stdout, "crates-io-api-token") {
		t.Fatalf("demo: %d results\n%s", len(l.Runs[0].Results), r.stdout)
	}
	keep := filepath.Join(sarifDir, "demo.sarif")
	os.WriteFile(keep, b, 0o644)
	sarifMu.Lock()
	sarifFiles = append(sarifFiles, keep)
	sarifMu.Unlock()
}

func TestShardFlag(t *testing.T) {
	dir := t.TempDir()
	var files []string
	// 60 files: each of three shards is empty with probability 3 x (2/3)^60.
	for i := 0; i < 60; i++ {
		p := filepath.Join(dir, fmt.Sprintf("f%02d.js", i))
		os.WriteFile(p, []byte("x"), 0o644)
		files = append(files, p)
	}
	total := 0
	for k := 1; k <= 3; k++ {
		r := cli(t, append([]string{"scan", "--shard", fmt.Sprintf("%d/3", k), "--format", "json"}, files...)...)
		var js struct{ Summary struct{ Scanned int } }
		json.Unmarshal([]byte(r.stdout), &js)
		total += js.Summary.Scanned
		if !strings.Contains(string(r.sarif), fmt.Sprintf(`"id": "cratesguard/shard-%d-of-3/"`, k)) {
			t.Errorf("shard %d/3: no shard category", k)
		}
	}
	if total != 60 {
		t.Errorf("three shards scanned %d files, want 60", total)
	}
	if r := cli(t, "scan", "--shard", "4/3", dir); r.code != 2 || !strings.Contains(r.stderr, "--shard") {
		t.Errorf("--shard 4/3: exit %d %s", r.code, r.stderr)
	}
}
