package target

import (
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestParsePackages(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	for in, want := range map[string]struct{ registry, pkg, version, host, repo string }{
		"oci:ghcr.io/org/app:1.2.3":          {OCI, "ghcr.io/org/app", "1.2.3", "ghcr.io", "org/app"},
		"oci:ghcr.io/org/app@" + digest:      {OCI, "ghcr.io/org/app", digest, "ghcr.io", "org/app"},
		"oci:ghcr.io/org/app:v1@" + digest:   {OCI, "ghcr.io/org/app", digest, "ghcr.io", "org/app"},
		"oci:docker.io/library/x:tag":        {OCI, "docker.io/library/x", "tag", "docker.io", "library/x"},
		"oci:alpine":                         {OCI, "alpine", "latest", "docker.io", "library/alpine"},
		"oci:someone/tool:2":                 {OCI, "someone/tool", "2", "docker.io", "someone/tool"},
		"oci:127.0.0.1:5000/repo:tag":        {OCI, "127.0.0.1:5000/repo", "tag", "127.0.0.1:5000", "repo"},
		"oci:localhost:5000/a/b-c/d_e:x":     {OCI, "localhost:5000/a/b-c/d_e", "x", "localhost:5000", "a/b-c/d_e"},
		"npm:left-pad@1.3.0":                 {NPM, "left-pad", "1.3.0", "", ""},
		"npm:@scope/wasm-thing@0.2.0-beta.1": {NPM, "@scope/wasm-thing", "0.2.0-beta.1", "", ""},
		"npm:@scope/wasm-thing":              {NPM, "@scope/wasm-thing", "", "", ""},
		"pypi:maturin-demo==1.2.3":           {PyPI, "maturin-demo", "1.2.3", "", ""},
		"pypi:Some.Project==2.0rc1":          {PyPI, "Some.Project", "2.0rc1", "", ""},
		"pypi:tool":                          {PyPI, "tool", "", "", ""},
	} {
		got, err := Parse(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got.Registry != want.registry || got.Package != want.pkg || got.Version != want.version || !got.IsPackage() || got.IsURL() {
			t.Errorf("%s: got %+v", in, got)
		}
		if want.host != "" {
			if h, r := got.Image(); h != want.host || r != want.repo {
				t.Errorf("%s: image %s %s, want %s %s", in, h, r, want.host, want.repo)
			}
		}
		// What String writes reads back the same.
		again, err := Parse(got.String())
		if err != nil || again.String() != got.String() || again.Version != got.Version {
			t.Errorf("%s: String %q reads back as %+v, %v", in, got.String(), again, err)
		}
	}
}

func TestParsePackagesRefused(t *testing.T) {
	tok := tokentest.New(24).API()
	for in, want := range map[string]string{
		"oci:ghcr.io/Org/App:1":           "not an image repository",
		"oci:ghcr.io/org/app:" + tok:      "holds a crates.io token",
		"oci:ghcr.io/org/app@sha256:abc":  "not an image digest",
		"oci:ghcr.io/org/app:-bad":        "not an image tag",
		"oci:ghcr.io:99999/app:1":         "port",
		"oci:bad_host.io/app:1":           "not a registry host",
		"oci:ghcr.io/org/../app:1":        "not an image repository",
		"oci:" + strings.Repeat("a", 600): "longer than 512",
		"oci:" + strings.Repeat("0", 300): "longer than 255",
		"npm:../etc/passwd@1.0.0":         "not an npm package name",
		"npm:left-pad@latest":             "not a version",
		"npm:@scope/a/b@1.0.0":            "not an npm package name",
		"npm:" + tok:                      "holds a crates.io token",
		"pypi:a/b==1.0":                   "not a PyPI project name",
		"pypi:tool==1.0;rm -rf":           "not a version",
		"pypi:tool==":                     "not a version",
	} {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.60s: error %v, want %q", in, err, want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:5000": true, "localhost:80": true, "[::1]:5000": true, "127.9.9.9": true,
		"ghcr.io": false, "10.0.0.1:5000": false, "localhost.evil.com": false,
	} {
		if IsLoopback(host) != want {
			t.Errorf("IsLoopback(%s) = %v", host, !want)
		}
	}
}

// FuzzParsePackage: a package target that parses writes itself back as
// the same target.
func FuzzParsePackage(f *testing.F) {
	for _, s := range []string{"oci:ghcr.io/o/a:1", "oci:localhost:5000/a@sha256:" + strings.Repeat("0", 64), "npm:@s/p@1.0.0", "pypi:p==1.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParsePackage(s)
		if err != nil {
			return
		}
		again, err := ParsePackage(tg.String())
		if err != nil || again.String() != tg.String() || again.Registry != tg.Registry || again.Package != tg.Package || again.Version != tg.Version {
			t.Fatalf("%q -> %q -> %+v, %v", s, tg.String(), again, err)
		}
	})
}
