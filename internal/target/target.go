// Package target turns what the user names (URLs, paths, lists of them)
// into validated scan targets: the first stage of the pipeline.
package target

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/cratesguard/cratesguard/internal/safe"
	"github.com/cratesguard/cratesguard/internal/textfile"
)

// Target is one thing to scan: an http(s) URL (a site to crawl, or a file
// to download), a local file or directory, a crate on crates.io, or what a
// release pushed to another registry: an image, an npm or a PyPI package.
type Target struct {
	Raw  string   // as the user wrote it
	URL  *url.URL // set for URLs
	Path string   // set for local paths
	// Crate and Version name a crate (crate:NAME@VERSION; no version: the
	// crate's default version).
	Crate, Version string
	// Registry names a package on a registry other than crates.io (OCI,
	// NPM, PyPI; see packages.go); Package is the image repository or the
	// package's name, and Version its tag, digest or version ("": the
	// latest npm or PyPI release).
	Registry, Package string
	// Download marks a URL that is a file to fetch and scan (a release
	// asset), not a site to crawl; Name is how reports call it, and Auth
	// an Authorization header sent to its first host only (a private
	// repository's asset through the API).
	Download   bool
	Name, Auth string
}

// IsURL tells URL targets (sites and downloads) from paths, crates and
// packages.
func (t Target) IsURL() bool { return t.URL != nil }

// IsSite tells a site to crawl from everything else.
func (t Target) IsSite() bool { return t.URL != nil && !t.Download }

// String is the URL, the path, crate:NAME[@VERSION], or the package
// target as it is written (oci:REF, npm:NAME@VERSION, pypi:NAME==VERSION).
func (t Target) String() string {
	switch {
	case t.Registry != "":
		return t.packageString()
	case t.Crate != "" && t.Version != "":
		return "crate:" + t.Crate + "@" + t.Version
	case t.Crate != "":
		return "crate:" + t.Crate
	case t.URL != nil:
		return t.URL.String()
	}
	return t.Path
}

// CratePrefix starts a crate target.
const CratePrefix = "crate:"

// Compiled when a crate target is first read: every run would pay for it
// at start-up, most never use it.
var (
	crateName    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`) })
	crateVersion = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
	})
)

// ParseCrate reads crate:NAME or crate:NAME@VERSION.
func ParseCrate(s string) (Target, error) {
	spec := strings.TrimPrefix(s, CratePrefix)
	name, version, _ := strings.Cut(spec, "@")
	switch {
	case !crateName().MatchString(name):
		return Target{}, &Error{s, "not a crate name (a letter, then up to 63 letters, digits, - or _): write crate:NAME or crate:NAME@VERSION"}
	case strings.Contains(spec, "@") && !crateVersion().MatchString(version):
		return Target{}, &Error{s, "not a version (MAJOR.MINOR.PATCH, with an optional -pre and +build)"}
	}
	return Target{Raw: s, Crate: name, Version: version}, nil
}

// Error is a target that cannot be scanned. Reason never repeats the
// target: a list file's line may hold a secret, and ReadList shows only
// the file and line.
type Error struct {
	Raw    string
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("target %q: %s", e.Raw, e.Reason) }

// Parse validates one target. Anything with a scheme must be http or https
// with a host, and must not carry credentials or a crates.io token (it
// would be sent to the server and printed); anything else must be an
// existing file or directory.
func Parse(raw string) (Target, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Target{}, &Error{raw, "empty target"}
	}
	if strings.HasPrefix(s, CratePrefix) {
		return ParseCrate(s)
	}
	for _, p := range []string{OCIPrefix, NPMPrefix, PyPIPrefix} {
		if strings.HasPrefix(s, p) {
			return ParsePackage(s)
		}
	}
	if i := strings.Index(s, "://"); i > 0 && !strings.ContainsAny(s[:i], `/\`) {
		u, err := url.Parse(s)
		if err != nil {
			return Target{}, &Error{s, "not a valid URL"}
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return Target{}, &Error{s, "the scheme is not supported (use http or https)"}
		}
		if u.Hostname() == "" {
			return Target{}, &Error{s, "the URL has no host"}
		}
		if u.User != nil {
			c := *u
			c.User = nil // the error shows the URL without them
			shown := strings.Replace(c.String(), "://", "://…@", 1)
			return Target{}, &Error{shown, "credentials in URLs would be sent along and printed in reports; pass them with --header instead"}
		}
		if safe.HasToken(s) {
			return Target{}, &Error{s, "the URL holds a crates.io token: it would be sent to the server; take it out (and revoke it)"}
		}
		u.Fragment = ""
		return Target{Raw: s, URL: u}, nil
	}
	if _, err := os.Lstat(s); err != nil {
		if os.IsNotExist(err) {
			return Target{}, &Error{s, "no such file or directory (URLs need http:// or https://)"}
		}
		return Target{}, &Error{s, "cannot be read"}
	}
	return Target{Raw: s, Path: s}, nil
}

// ReadList reads targets from r, one per line; blank lines and # comments
// (a line starting with #, or # after white space) are ignored. Errors name
// the source and line, never the line's content.
func ReadList(r io.Reader, name string) ([]string, error) {
	var out []string
	err := textfile.Lines(r, name, func(n int, line string) error {
		s := StripComment(line)
		if s == "" {
			return nil
		}
		if _, err := Parse(s); err != nil {
			reason := err.Error()
			if te, ok := err.(*Error); ok {
				reason = te.Reason
			}
			return fmt.Errorf("%s:%d: %s", name, n, reason)
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// StripComment drops a # comment (at the line's start, or after white
// space: a # inside a URL is its fragment) and surrounding white space.
func StripComment(line string) string {
	s := strings.TrimSpace(line)
	if strings.HasPrefix(s, "#") {
		return ""
	}
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			return strings.TrimSpace(s[:i])
		}
	}
	return s
}

// MaxListFile bounds a targets file read.
const MaxListFile = 16 << 20

// ReadFile reads a targets file the user named: a regular file, or a pipe
// (--targets-file /dev/stdin, <(…)), at most MaxListFile bytes of it.
func ReadFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lr := &io.LimitedReader{R: f, N: MaxListFile + 1}
	out, err := ReadList(lr, path)
	if err == nil && lr.N == 0 {
		err = fmt.Errorf("%s holds more than %d bytes: not read past them", path, MaxListFile)
	}
	return out, err
}
