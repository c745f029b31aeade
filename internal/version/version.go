// Package version holds the build's version, stamped with
// -ldflags "-X github.com/cratesguard/cratesguard/internal/version.Version=v1.2.3".
package version

// Version is the release version; "dev" for unstamped builds.
var Version = "dev"

// UserAgent names cratesguard and its version in every request it makes.
func UserAgent() string {
	return "cratesguard/" + Version + " (+https://github.com/cratesguard/cratesguard)"
}
