package findings

import (
	"net"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/cratesguard/cratesguard/internal/safe"
)

// StandIn maps a URL to a relative path that names it, for SARIF, which
// takes no URL: example.com/static/app.js, localhost_8080/index for
// http://localhost:8080/. GitHub rejects a whole upload whose location URIs
// have a scheme, and host:8080/… parses as scheme "host". A token in the URL
// is redacted first.
func StandIn(raw string) string {
	if reg, rest, ok := RegistryPlace(safe.Redact(raw)); ok {
		return reg + "/" + rest
	}
	u, err := url.Parse(safe.Redact(raw))
	if err != nil || u.Host == "" {
		return "url/" + url.PathEscape(safe.Redact(raw))
	}
	host := strings.ToLower(u.Hostname())
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		host = strings.ReplaceAll(host, ":", "-") // IPv6
	}
	if p := u.Port(); p != "" && !(u.Scheme == "http" && p == "80") && !(u.Scheme == "https" && p == "443") {
		host += "_" + p
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	p = path.Clean(p)
	if strings.HasSuffix(u.EscapedPath(), "/") || p == "/" {
		p = strings.TrimSuffix(p, "/") + "/index"
	}
	return host + p
}

// Registries whose places are named by reference, not URL: an image's
// layer or config (oci:ghcr.io/org/app!/sha256:…/usr/bin/app,
// oci:ghcr.io/org/app!/config), a member of an npm tarball
// (npm:@scope/pkg!/package/index.js), of a PyPI file
// (pypi:pkg!/pkg-1.2.3-py3-none-any.whl!/pkg/__init__.py), or a
// package's registry metadata (npm:NAME, pypi:NAME). No version, tag or
// digest is in the name: the next release's place is the same.
var registries = []string{"oci", "npm", "pypi"}

// RegistryPlace splits a place in a registry into the registry (oci, npm,
// pypi) and the rest. For an image the rest starts with the registry's
// host, its port joined with "_" as a URL's stand-in has it
// (127.0.0.1_5000/repo!/config).
func RegistryPlace(raw string) (registry, rest string, ok bool) {
	for _, r := range registries {
		if rest, ok := strings.CutPrefix(raw, r+":"); ok && rest != "" {
			if r == "oci" {
				host, path, _ := strings.Cut(rest, "/")
				rest = strings.Replace(host, ":", "_", 1) + "/" + path
			}
			return r, rest, true
		}
	}
	return "", "", false
}

// StablePath names a place the same way across releases: the URL's
// stand-in or the file's slash path, with content hashes replaced by
// [hash] (see WithoutHashes). A file in the repository keeps its real path.
func StablePath(l Location) string {
	var p string
	switch {
	case l.IsURL && isRegistry(l.Target):
		// An image's registry host is kept as a URL's host is.
		reg, rest, _ := RegistryPlace(safe.Redact(l.Target))
		if reg == "oci" {
			host, path, _ := strings.Cut(rest, "/")
			return reg + "/" + host + "/" + Stable(path)
		}
		return reg + "/" + Stable(rest)
	case l.IsURL:
		// The host is no path: neither hashes nor versions are taken out
		// of it (127.0.0.1_8766 is no version, 4f9c2a1b.cdn.example.com
		// names another host than 9d8e7f6a.cdn.example.com).
		host, rest, _ := strings.Cut(StandIn(l.Target), "/")
		return host + "/" + Stable(rest)
	case l.InRepo:
		return filepath.ToSlash(l.Target)
	default:
		p = filepath.ToSlash(l.Target)
	}
	return Stable(p)
}

func isRegistry(target string) bool {
	_, _, ok := RegistryPlace(target)
	return ok
}

// Stable is a place's path with content hashes taken out and, inside an
// archive, version numbers too (see WithoutHashes, WithoutVersions).
func Stable(p string) string {
	p = WithoutHashes(p)
	if strings.Contains(p, ArchiveSep) {
		p = WithoutVersions(p)
	}
	return p
}

// ArchiveSep joins an archive's place and the path of a member in it:
// dist/foo-1.2.3.crate!/foo-1.2.3/.cargo/config.toml.
const ArchiveSep = "!/"

// VersionMarker stands for a version number in a stable path.
const VersionMarker = "[version]"

var versionRE = regexp.MustCompile(`(^|[-_/.@])v?[0-9]+\.[0-9]+(\.[0-9]+)*(-(alpha|beta|rc|pre|dev)[0-9A-Za-z.]*)?(\+[0-9A-Za-z.]+)?($|[-_/.])`)

// WithoutVersions replaces version numbers in the place of an archive
// member (foo-1.2.3.crate!/foo-1.2.3/src/lib.rs, releases/download/v1.4.0/
// tool-v1.4.0-x86_64.tar.gz) with [version], so that the next release's
// archive keeps its alerts.
func WithoutVersions(p string) string {
	for {
		q := versionRE.ReplaceAllString(p, "${1}"+VersionMarker+"${6}")
		if q == p {
			return q
		}
		p = q
	}
}

// HashMarker stands for a content hash in a stable path.
const HashMarker = "[hash]"

// WithoutHashes replaces the content hashes bundlers put in file and
// directory names with [hash], so that the next release's bundle has the
// same name: assets/index-4f9c2a1b.js (Vite's -XXXXXXXX, also with - and _
// in it), static/js/main.8e1d2f3a.chunk.js (webpack's .hex.), Turbopack's
// chunks/25rcys19867ep.js, Next.js's build-id directory, esbuild's
// chunk-5TQJOEWO.js, an image layer's sha256:<64 hex>. Names with no digits, and short or all-letter pieces
// (app.js, vendor-react.js, v2), are left alone.
func WithoutHashes(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = segmentWithoutHashes(s)
	}
	return strings.Join(segs, "/")
}

func segmentWithoutHashes(seg string) string {
	if d, ok := strings.CutPrefix(seg, "sha256:"); ok && len(d) == 64 && isHexHash(d) {
		return HashMarker // an image layer's digest
	}
	if c := classify(seg, "-_"); len(seg) >= 16 && c.ok && c.digits > 0 && (c.upper || c.lower) {
		return HashMarker // a build-id directory (Next.js writes 21 characters)
	}
	pieces := strings.Split(seg, ".")
	for i, p := range pieces {
		if i == len(pieces)-1 && i > 0 {
			break // the extension
		}
		if c := classify(p, ""); isHexHash(p) || len(p) >= 8 && c.ok && c.digits > 0 && (c.upper || c.lower) {
			pieces[i] = HashMarker
			continue
		}
		pieces[i] = dashHash(p)
	}
	return strings.Join(pieces, ".")
}

// dashHash replaces a hash after the last dash of a name: Vite's eight
// characters (which may hold - and _ themselves) or a longer one.
func dashHash(p string) string {
	if n := len(p); n > 9 && p[n-9] == '-' {
		if c := classify(p[n-8:], "-_"); c.ok && (c.digits > 0 || c.upper && c.lower) {
			return p[:n-8] + HashMarker
		}
	}
	if i := strings.LastIndexAny(p, "-_~"); i > 0 {
		h := p[i+1:]
		if c := classify(h, ""); len(h) >= 8 && (isHexHash(h) || c.ok && c.digits > 0 && (c.upper || c.lower)) {
			return p[:i+1] + HashMarker
		}
	}
	return p
}

// isHexHash: 8 or more hex digits, or 4 to 7 with both digits and letters.
func isHexHash(s string) bool {
	if len(s) < 4 {
		return false
	}
	digit, letter := false, false
	for _, c := range []byte(s) {
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
			letter = true
		default:
			return false
		}
	}
	return len(s) >= 8 || digit && letter
}

// classes says what characters s holds; ok is false when it holds any but
// letters, digits and extra.
type classes struct {
	digits       int
	upper, lower bool
	ok           bool
}

func classify(s, extra string) classes {
	c := classes{ok: s != ""}
	for _, b := range []byte(s) {
		switch {
		case b >= '0' && b <= '9':
			c.digits++
		case b >= 'a' && b <= 'z':
			c.lower = true
		case b >= 'A' && b <= 'Z':
			c.upper = true
		case strings.IndexByte(extra, b) < 0:
			c.ok = false
		}
	}
	return c
}
