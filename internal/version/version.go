// Package version holds the build's version, stamped with
// -ldflags "-X github.com/cratesguard/cratesguard/internal/version.Version=v1.2.3"
// by the release workflow and the Dockerfile.
package version

import "runtime/debug"

// Version is the release version; "dev" for unstamped builds.
var Version = "dev"

// Get returns the version: the stamped one, else the module version that
// `go install github.com/cratesguard/cratesguard/cmd/cratesguard@v1.2.3`
// records in the binary, else "dev".
func Get() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return Version
}

// UserAgent names cratesguard, its version and where to reach its
// maintainers, in every request it makes (crates.io's crawler policy asks
// for a contact).
func UserAgent() string {
	return "cratesguard/" + Get() + " (+https://github.com/cratesguard/cratesguard)"
}
