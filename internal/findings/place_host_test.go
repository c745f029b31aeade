package findings

import "testing"

// TestStablePathLeavesTheHost: hashes and versions are taken out of a
// URL's path, never out of its host.
func TestStablePathLeavesTheHost(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:8766/dl/foo-1.2.3.tar.gz!/foo-1.2.3/.env":        "127.0.0.1_8766/dl/foo-[version].tar.gz!/foo-[version]/.env",
		"https://10.0.0.1/releases/v1.4.0/tool-v1.4.0.zip!/config.json":    "10.0.0.1/releases/[version]/tool-[version].zip!/config.json",
		"https://4f9c2a1b.cdn.example.com/assets/index-4f9c2a1b.js":        "4f9c2a1b.cdn.example.com/assets/index-[hash].js",
		"https://static.crates.io/crates/foo/foo-1.2.3.crate!/foo-1.2.3/x": "static.crates.io/crates/foo/foo-[version].crate!/foo-[version]/x",
	} {
		if got := StablePath(Location{Target: raw, IsURL: true}); got != want {
			t.Errorf("%s: %s, want %s", raw, got, want)
		}
	}
}
