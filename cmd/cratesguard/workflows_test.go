package main

// The release a user runs must be the one this repository built: every
// action the workflows use is pinned to a full commit, with the version it
// is in a comment (Dependabot keeps both current), and the release signs,
// attests and ships an SBOM of what it publishes.

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestWorkflowsPinEveryAction(t *testing.T) {
	files, _ := filepath.Glob("../../.github/workflows/*.yml")
	if len(files) == 0 {
		t.Fatal("no workflows found")
	}
	pinned := regexp.MustCompile(`^\s*-?\s*uses:\s*([^@\s]+)@([0-9a-f]{40})\s+#\s*v[0-9]+(\.[0-9]+)*\s*$`)
	uses := regexp.MustCompile(`^\s*-?\s*uses:\s*(\S+)`)
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			m := uses.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			n++
			if strings.HasPrefix(m[1], "./") {
				continue // this repository's own
			}
			if !pinned.MatchString(line) {
				t.Errorf("%s:%d: %q is not pinned to a full commit SHA with its version in a comment", filepath.Base(f), i+1, strings.TrimSpace(line))
			}
		}
	}
	if n == 0 {
		t.Error("no uses: lines read")
	}
}

func TestReleaseSignsAttestsAndShipsAnSBOM(t *testing.T) {
	b, err := os.ReadFile("../../.github/workflows/release.yml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		"id-token: write", "attestations: write",
		"sigstore/cosign-installer@", "cosign sign-blob --yes --bundle", `cosign sign --yes "${IMAGE}@${main}"`, `cosign sign --yes "${IMAGE}-browser@${browser}"`,
		"actions/attest-build-provenance@", "actions/attest-sbom@", "push-to-registry: true",
		".github/scripts/build-release.sh",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("release.yml does not %q", want)
		}
	}
	readme, _ := os.ReadFile("../../README.md")
	for _, want := range []string{"cosign verify ghcr.io/cratesguard/cratesguard@", "cosign verify-blob", "gh attestation verify"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README's \"Verify a release\" lacks %q", want)
		}
	}
	dep, err := os.ReadFile("../../.github/dependabot.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, eco := range []string{"gomod", "github-actions", "docker"} {
		if !strings.Contains(string(dep), "package-ecosystem: "+eco) {
			t.Errorf("dependabot.yml does not keep %s current", eco)
		}
	}
}
