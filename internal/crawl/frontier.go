package crawl

import (
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
)

// Options bound a crawl.
type Options struct {
	Depth      int      // link hops from a start URL; 0 follows nothing
	MaxURLs    int      // URLs fetched in all, start URLs included
	AllowHosts []string // hosts besides the start URLs' own
	Include    []string // doublestar globs on the URL path
	Exclude    []string
}

// Frontier decides which discovered URLs are fetched. Each URL is decided
// once (after normalisation); a refused one gets a reason to report.
type Frontier struct {
	opts     Options
	mu       sync.Mutex
	seen     map[string]bool
	hosts    map[string]bool
	admitted int
	limitHit bool
}

// NewFrontier starts a frontier. Start URLs are always admitted and their
// hosts allowed.
func NewFrontier(opts Options, starts []*url.URL) *Frontier {
	f := &Frontier{opts: opts, seen: map[string]bool{}, hosts: map[string]bool{}}
	for _, h := range opts.AllowHosts {
		f.hosts[strings.ToLower(strings.TrimSuffix(h, "."))] = true
	}
	for _, u := range starts {
		f.hosts[strings.ToLower(u.Hostname())] = true
		if n := Normalize(u); !f.seen[n] {
			f.seen[n] = true
			f.admitted++
		}
	}
	return f
}

// Normalize gives the form URLs are deduplicated in: scheme and host lower
// case, default port and fragment dropped, empty path as "/".
func Normalize(u *url.URL) string {
	c := *u
	c.Scheme = strings.ToLower(c.Scheme)
	host := strings.ToLower(c.Hostname())
	port := c.Port()
	if (c.Scheme == "http" && port == "80") || (c.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	if port != "" {
		host += ":" + port
	}
	c.Host = host
	c.Fragment, c.RawFragment = "", ""
	if c.Path == "" {
		c.Path = "/"
	}
	return c.String()
}

// HostAllowed reports whether a host may be fetched: a start URL's host or
// one given with --allow-host, compared on the parsed host name.
func (f *Frontier) HostAllowed(u *url.URL) bool {
	return f.hosts[strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))]
}

// Decision is what the frontier made of a link.
type Decision struct {
	URL   string // normalised
	Depth int    // the depth it is fetched at
	// Skip is why it is not fetched; empty when it is. Dup marks a URL
	// decided before: it is neither fetched nor reported again.
	Skip string
	Dup  bool
}

// Admit decides a link found at a page of depth d.
func (f *Frontier) Admit(l Link, d int) Decision {
	dec := Decision{URL: Normalize(l.URL), Depth: d}
	if l.Kind == Page {
		dec.Depth = d + 1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen[dec.URL] {
		dec.Dup = true
		return dec
	}
	f.seen[dec.URL] = true
	switch {
	case f.opts.Depth == 0 && !l.Probe:
		dec.Skip = "not followed: --depth 0"
	case !f.HostAllowed(l.URL):
		dec.Skip = fmt.Sprintf("host %s is not a start host (allow it with --allow-host)", l.URL.Hostname())
	case !Match(f.opts.Include, f.opts.Exclude, l.URL.Path):
		dec.Skip = "path filtered out by --include/--exclude"
	case dec.Depth > f.opts.Depth:
		dec.Skip = fmt.Sprintf("beyond --depth %d", f.opts.Depth)
	case f.admitted >= f.opts.MaxURLs:
		dec.Skip = fmt.Sprintf("over --max-urls %d", f.opts.MaxURLs)
		f.limitHit = true
	default:
		f.admitted++
	}
	return dec
}

// LimitHit reports whether --max-urls stopped the crawl.
func (f *Frontier) LimitHit() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.limitHit
}

// Match applies include and exclude globs to a URL path (the query is
// never part of it). Empty include takes everything; exclude wins.
func Match(include, exclude []string, urlPath string) bool {
	p := strings.TrimPrefix(urlPath, "/")
	for _, g := range exclude {
		if ok, _ := doublestar.Match(strings.TrimPrefix(g, "/"), p); ok {
			return false
		}
	}
	if len(include) == 0 {
		return true
	}
	for _, g := range include {
		if ok, _ := doublestar.Match(strings.TrimPrefix(g, "/"), p); ok {
			return true
		}
	}
	return false
}

// Probes are the well-known files --probe asks every start origin for.
var Probes = []string{"/.env", "/.cargo/credentials.toml", "/.cargo/credentials", "/config.json",
	"/asset-manifest.json", "/robots.txt", "/sitemap.xml"}

// ProbeLinks returns the probe URLs for a start URL's origin.
func ProbeLinks(start *url.URL) []Link {
	var out []Link
	for _, p := range Probes {
		u := &url.URL{Scheme: start.Scheme, Host: start.Host, Path: p}
		out = append(out, Link{URL: u, Kind: Asset, Guess: true, Probe: true, Via: "--probe"})
	}
	return out
}
