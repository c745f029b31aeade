package main

// Hostile content, class 8: the Action's inputs (and the event payload)
// cannot make the step read or write outside GITHUB_WORKSPACE, add step
// outputs, or print a file's contents.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestInputsStayInTheWorkspace(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("root:x:0:0:first line of a private file\n"), 0o644)
	cases := []struct {
		input, value, want string
		setup              func(ws string)
	}{
		{"sarif-file", "../outside/x.sarif", "input sarif-file", nil},
		{"sarif-file", filepath.Join(outside, "x.sarif"), "input sarif-file", nil},
		{"sarif-file", "link/x.sarif", "input sarif-file", func(ws string) { os.Symlink(outside, filepath.Join(ws, "link")) }},
		{"sarif-file", "a.sarif\nexit-code<<EOF\n0\nEOF", "input sarif-file", nil},
		{"urls-file", filepath.Join(outside, "secret.txt"), "input urls-file", nil},
		{"urls-file", "in/secret.txt", "input urls-file", func(ws string) { os.Symlink(outside, filepath.Join(ws, "in")) }},
		{"ignore-file", filepath.Join(outside, "secret.txt"), "input ignore-file", nil},
		{"repo", "..", "input repo", nil},
		{"paths", "../", "input paths", nil},
		{"paths", "dist/**", "input paths", func(ws string) {
			os.MkdirAll(filepath.Join(ws, "dist"), 0o755)
			os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(ws, "dist", "leak.js"))
		}},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d-%s", i, c.input), func(t *testing.T) {
			r := newRunner(t, "release", releasePayload)
			if c.setup != nil {
				c.setup(r.workspace)
			}
			if c.input != "paths" && c.input != "urls-file" {
				r.input("urls", "https://example.invalid/")
			}
			res := r.input(c.input, c.value).run()
			if res.code != 2 || !strings.Contains(res.stdout, "::error::cratesguard: "+c.want) {
				t.Fatalf("exit %d\n%s", res.code, res.stdout)
			}
			if strings.Contains(res.stdout+res.summary, "first line of a private file") {
				t.Error("a file outside the workspace was shown")
			}
			if _, err := os.Stat(filepath.Join(outside, "x.sarif")); err == nil {
				t.Error("a SARIF file was written outside the workspace")
			}
			if got := outputNames(t, res.outputFileBytes); !slices.Equal(got, []string{"exit-code"}) {
				t.Errorf("outputs set: %v, want only exit-code", got)
			}
		})
	}
}

// outputNames parses GITHUB_OUTPUT as the runner does and returns the
// names set; it fails on anything but name<<DELIM … DELIM blocks.
func outputNames(t *testing.T, file string) []string {
	t.Helper()
	var names []string
	lines := strings.Split(strings.TrimSuffix(file, "\n"), "\n")
	head := regexp.MustCompile(`^([a-z-]+)<<(ghadelimiter_[0-9a-f]{32})$`)
	seen := map[string]bool{}
	for i := 0; i < len(lines) && lines[i] != ""; i++ {
		m := head.FindStringSubmatch(lines[i])
		if m == nil {
			t.Fatalf("GITHUB_OUTPUT line %d is no output header: %q", i+1, lines[i])
		}
		if seen[m[2]] {
			t.Errorf("two outputs share the delimiter %s", m[2])
		}
		seen[m[2]] = true
		names = append(names, m[1])
		for i++; i < len(lines) && lines[i] != m[2]; i++ {
		}
	}
	return names
}

func TestOutputsAreWellFormed(t *testing.T) {
	srv := leakySite(t, "")
	res := newRunner(t, "release", releasePayload).input("urls", srv.URL+"/").run()
	got := outputNames(t, res.outputFileBytes)
	slices.Sort(got)
	want := []string{"exit-code", "failed", "findings", "not-opened", "placeholders", "revoked", "sarif-file", "scanned", "skipped", "tokens"}
	if !slices.Equal(got, want) {
		t.Errorf("outputs %v, want %v", got, want)
	}
}

func TestDeploymentURLMustBeHTTP(t *testing.T) {
	for _, u := range []string{"/etc", "file:///etc/passwd", "ftp://example.com/"} {
		payload := fmt.Sprintf(`{"deployment_status":{"state":"success","environment_url":%q},"deployment":{"environment":"x"}}`, u)
		res := newRunner(t, "deployment_status", payload).run()
		if res.code != 2 || !strings.Contains(res.stdout, "is not an http(s) URL") {
			t.Errorf("environment_url %q: exit %d\n%s", u, res.code, res.stdout)
		}
	}
}

// TestMasksOnlyUnderActions: outside GitHub Actions nothing hides a mask
// line, so none is printed.
func TestMasksOnlyUnderActions(t *testing.T) {
	srv := leakySite(t, tokenForMasks)
	r := newRunner(t, "release", releasePayload).input("urls", srv.URL+"/").input("headers", "X-Staging: not-in-actions-secret")
	delete(r.env, "GITHUB_ACTIONS")
	res := r.run()
	if res.code != 1 || strings.Contains(res.stdout, "::add-mask::") || strings.Contains(res.stdout, tokenForMasks) ||
		strings.Contains(res.stdout, "not-in-actions-secret") {
		t.Errorf("exit %d; outside Actions no mask line (and no secret) may be printed:\n%s", res.code, res.stdout)
	}
}

var tokenForMasks = tokentest.New(230).API()
