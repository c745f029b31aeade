package findings

import (
	"strings"
	"testing"
)

func TestWithoutHashes(t *testing.T) {
	cases := map[string]string{
		// Vite / Rollup
		"example.com/assets/index-4f9c2a1b.js":  "example.com/assets/index-[hash].js",
		"example.com/assets/index-BfT3xY_q.js":  "example.com/assets/index-[hash].js",
		"example.com/assets/Admin-D9vG_k3-.js":  "example.com/assets/Admin-[hash].js",
		"example.com/assets/index-CkQeyWRz.css": "example.com/assets/index-[hash].css",
		// webpack / Create React App
		"example.com/static/js/main.8e1d.chunk.js":             "example.com/static/js/main.[hash].chunk.js",
		"example.com/static/js/288.1f82d3f1.chunk.js":          "example.com/static/js/288.[hash].chunk.js",
		"example.com/static/css/main.a1b2c3d4e5f6a7b8c9d0.css": "example.com/static/css/main.[hash].css",
		// Next.js (Turbopack chunks, webpack pages, build id)
		"example.com/_next/static/chunks/25rcys19867ep.js":                 "example.com/_next/static/chunks/[hash].js",
		"example.com/_next/static/chunks/pages/_app-c1e8a3b9d0e1f2a3.js":   "example.com/_next/static/chunks/pages/_app-[hash].js",
		"example.com/_next/static/kS8z2jdnJ9xQ0pWmZbT1c/_buildManifest.js": "example.com/_next/static/[hash]/_buildManifest.js",
		// esbuild / Angular / Parcel
		"example.com/chunk-5TQJOEWO.js":        "example.com/chunk-[hash].js",
		"example.com/main.abc123def4567890.js": "example.com/main.[hash].js",
		"example.com/index.1a2b3c4d.js":        "example.com/index.[hash].js",
		// not hashes
		"example.com/static/app.js":               "example.com/static/app.js",
		"example.com/vendor-react.js":             "example.com/vendor-react.js",
		"example.com/polyfills-es2015.js":         "example.com/polyfills-es2015.js",
		"example.com/jquery-3.7.1.min.js":         "example.com/jquery-3.7.1.min.js",
		"example.com/docs/v2/index":               "example.com/docs/v2/index",
		"example.com/bootstrap.bundle.min.js.map": "example.com/bootstrap.bundle.min.js.map",
		"example.com/blog/2026/11/hello-world":    "example.com/blog/2026/11/hello-world",
	}
	for in, want := range cases {
		if got := WithoutHashes(in); got != want {
			t.Errorf("WithoutHashes(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWithoutVersions(t *testing.T) {
	for in, want := range map[string]string{
		"static.crates.io/crates/foo/foo-1.2.3.crate!/foo-1.2.3/.cargo/config.toml":              "static.crates.io/crates/foo/foo-[version].crate!/foo-[version]/.cargo/config.toml",
		"github.com/o/r/releases/download/v1.4.0/tool-v1.4.0-x86_64-unknown-linux-gnu.tar.gz!/a": "github.com/o/r/releases/download/[version]/tool-[version]-x86_64-unknown-linux-gnu.tar.gz!/a",
		"dist/foo-0.10.0-rc.1.crate!/foo-0.10.0-rc.1/src/lib.rs":                                 "dist/foo-[version].crate!/foo-[version]/src/lib.rs",
		"dist/app.zip!/assets/index.js":                                                          "dist/app.zip!/assets/index.js",
		"dist/lib2.0.zip!/x":                                                                     "dist/lib2.0.zip!/x",
	} {
		if got := WithoutVersions(in); got != want {
			t.Errorf("WithoutVersions(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

// TestRegistryPlacesAreStable: a place in an image, an npm tarball or a
// PyPI file keeps its stable path when only the tag, the digest, the
// layer or the version changes, and keeps the image's registry host
// (with its port) as a URL's host is kept.
func TestRegistryPlacesAreStable(t *testing.T) {
	layer := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	for _, c := range []struct{ a, b, want string }{
		{"oci:ghcr.io/org/app!/" + layer("a") + "/usr/local/bin/app", "oci:ghcr.io/org/app!/" + layer("b") + "/usr/local/bin/app",
			"oci/ghcr.io/org/app!/[hash]/usr/local/bin/app"},
		{"oci:127.0.0.1:5000/org/app!/" + layer("1") + "/etc/app-1.2.3.conf", "oci:127.0.0.1:5000/org/app!/" + layer("2") + "/etc/app-1.2.4.conf",
			"oci/127.0.0.1_5000/org/app!/[hash]/etc/app-[version].conf"},
		{"oci:ghcr.io/org/app!/config", "oci:ghcr.io/org/app!/config", "oci/ghcr.io/org/app!/config"},
		{"oci:ghcr.io/org/app!/linux/arm64/config", "oci:ghcr.io/org/app!/linux/arm64/config", "oci/ghcr.io/org/app!/linux/arm64/config"},
		{"npm:@scope/pkg!/package/pkg_bg.wasm", "npm:@scope/pkg!/package/pkg_bg.wasm", "npm/@scope/pkg!/package/pkg_bg.wasm"},
		{"pypi:demo!/demo-1.2.3-cp39-abi3-manylinux_2_17_x86_64.whl!/demo/_native.abi3.so",
			"pypi:demo!/demo-1.3.0-cp39-abi3-manylinux_2_17_x86_64.whl!/demo/_native.abi3.so",
			"pypi/demo!/demo-[version]-cp39-abi3-manylinux_2_17_x86_64.whl!/demo/_native.abi3.so"},
		{"pypi:demo!/demo-1.2.3.tar.gz!/demo-1.2.3/src/lib.rs", "pypi:demo!/demo-2.0.0.tar.gz!/demo-2.0.0/src/lib.rs",
			"pypi/demo!/demo-[version].tar.gz!/demo-[version]/src/lib.rs"},
	} {
		a, b := StablePath(Location{Target: c.a, IsURL: true}), StablePath(Location{Target: c.b, IsURL: true})
		if a != c.want || b != c.want {
			t.Errorf("StablePath(%s) = %s\nStablePath(%s) = %s\nwant %s", c.a, a, c.b, b, c.want)
		}
		if first, _, _ := strings.Cut(StandIn(c.a), "/"); strings.Contains(first, ":") {
			t.Errorf("StandIn(%s) = %s: a colon in the first segment reads as a URI scheme", c.a, StandIn(c.a))
		}
	}
}
