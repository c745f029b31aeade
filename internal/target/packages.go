package target

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/cratesguard/cratesguard/internal/safe"
)

// Registries other than crates.io a release pushes to, each named as its
// own tools name what they pull: oci:REF (docker pull REF), npm:NAME@VERSION
// (npm install NAME@VERSION), pypi:NAME==VERSION (pip install NAME==VERSION).
const (
	OCIPrefix  = "oci:"
	NPMPrefix  = "npm:"
	PyPIPrefix = "pypi:"
)

// Registry names of Target.Registry.
const (
	OCI  = "oci"
	NPM  = "npm"
	PyPI = "pypi"
)

// Compiled when a package target is first read, as crate names are.
var (
	// The distribution spec's repository path, after a registry host.
	ociPath = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$`)
	})
	ociTag    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`) })
	ociDigest = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^sha256:[a-f0-9]{64}$`) })
	ociHost   = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$`)
	})
	npmName = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?:@[A-Za-z0-9~-][A-Za-z0-9._~-]*/)?[A-Za-z0-9~-][A-Za-z0-9._~-]*$`)
	})
	pypiName    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$`) })
	pypiVersion = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9][0-9A-Za-z.!+_-]{0,63}$`) })
)

// IsPackage tells a package or image target (oci:, npm:, pypi:).
func (t Target) IsPackage() bool { return t.Registry != "" }

// packageString is a package target as it is written.
func (t Target) packageString() string {
	switch {
	case t.Registry == OCI && strings.HasPrefix(t.Version, "sha256:"):
		return OCIPrefix + t.Package + "@" + t.Version
	case t.Registry == OCI:
		return OCIPrefix + t.Package + ":" + t.Version
	case t.Version == "":
		return t.Registry + ":" + t.Package
	case t.Registry == NPM:
		return NPMPrefix + t.Package + "@" + t.Version
	}
	return PyPIPrefix + t.Package + "==" + t.Version
}

// Image is an image target's registry host (with its port) and its
// repository path in it: ghcr.io and org/app for oci:ghcr.io/org/app:1.
// A name with no host is Docker Hub's, as docker pull reads it.
func (t Target) Image() (host, repo string) {
	first, rest, ok := strings.Cut(t.Package, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost" || strings.HasPrefix(first, "[")) {
		return first, rest
	}
	if !ok {
		return "docker.io", "library/" + t.Package
	}
	return "docker.io", t.Package
}

// IsLoopback says whether host (with or without a port) names this
// machine: the only registries spoken to in plain HTTP.
func IsLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// ParsePackage reads oci:REF, npm:NAME[@VERSION] and pypi:NAME[==VERSION].
func ParsePackage(s string) (Target, error) {
	if safe.HasToken(s) {
		return Target{}, &Error{s, "the name holds a crates.io token: it would be sent to the registry; take it out (and revoke it)"}
	}
	switch {
	case strings.HasPrefix(s, OCIPrefix):
		return parseImage(s)
	case strings.HasPrefix(s, NPMPrefix):
		spec := strings.TrimPrefix(s, NPMPrefix)
		at := strings.LastIndexByte(spec, '@')
		name, version := spec, ""
		if at > 0 {
			name, version = spec[:at], spec[at+1:]
		}
		switch {
		case len(name) > 214 || !npmName().MatchString(name):
			return Target{}, &Error{s, "not an npm package name (NAME or @SCOPE/NAME): write npm:NAME@VERSION, or npm:NAME for its latest"}
		case at > 0 && !crateVersion().MatchString(version):
			return Target{}, &Error{s, "not a version (MAJOR.MINOR.PATCH, with an optional -pre and +build)"}
		}
		return Target{Raw: s, Registry: NPM, Package: name, Version: version}, nil
	case strings.HasPrefix(s, PyPIPrefix):
		name, version, pinned := strings.Cut(strings.TrimPrefix(s, PyPIPrefix), "==")
		switch {
		case len(name) > 128 || !pypiName().MatchString(name):
			return Target{}, &Error{s, "not a PyPI project name (letters, digits, . _ -): write pypi:NAME==VERSION, or pypi:NAME for its latest"}
		case pinned && !pypiVersion().MatchString(version):
			return Target{}, &Error{s, "not a version (PEP 440: 1.2.3, 1.0rc1, 2.0.post1)"}
		}
		return Target{Raw: s, Registry: PyPI, Package: name, Version: version}, nil
	}
	return Target{}, &Error{s, "not a package target (oci:, npm:, pypi:)"}
}

// parseImage reads oci:[HOST[:PORT]/]PATH[:TAG][@sha256:DIGEST]. A
// digest wins over a tag (the tag is then only a label); no tag and no
// digest is :latest, as docker pull reads it.
func parseImage(s string) (Target, error) {
	spec := strings.TrimPrefix(s, OCIPrefix)
	repo, digest, byDigest := strings.Cut(spec, "@")
	tag := ""
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		repo, tag = repo[:i], repo[i+1:]
	}
	t := Target{Raw: s, Registry: OCI, Package: repo, Version: tag}
	host, path := t.Image()
	bad := func(why string) (Target, error) { return Target{}, &Error{s, why} }
	switch {
	case len(spec) > 512:
		return bad("an image reference longer than 512 characters")
	case len(repo) > 255:
		return bad("an image name longer than 255 characters (the distribution spec's bound)")
	case !ociHost().MatchString(host):
		return bad("not a registry host (HOST or HOST:PORT): write oci:HOST/REPO:TAG or oci:HOST/REPO@sha256:DIGEST")
	case strings.Contains(host, ":") && !validPort(host):
		return bad("the registry's port is not 1 to 65535")
	case !ociPath().MatchString(path):
		return bad("not an image repository (lower-case letters, digits, . _ - separated by /)")
	case tag != "" && !ociTag().MatchString(tag):
		return bad("not an image tag (letters, digits, _ . -, at most 128)")
	case byDigest && !ociDigest().MatchString(digest):
		return bad("not an image digest (sha256: and 64 lower-case hex digits)")
	}
	switch {
	case byDigest:
		t.Version = digest
	case tag == "":
		t.Version = "latest"
	}
	return t, nil
}

func validPort(host string) bool {
	_, p, err := net.SplitHostPort(host)
	n, perr := strconv.Atoi(p)
	return err == nil && perr == nil && n >= 1 && n <= 65535
}
