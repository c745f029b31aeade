package crawl

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/cratesguard/cratesguard/internal/policy"
)

// Options bound a crawl.
type Options struct {
	Depth int // link hops from a start URL; 0 follows nothing
	// MaxURLs bounds the URLs fetched in all, start URLs included.
	MaxURLs int
	// AllowHosts are more origins the crawl may visit: "host" is that host
	// on the default ports (80 for http, 443 for https), "host:port" that
	// port with either scheme.
	AllowHosts []string
	Include    []string // doublestar globs on the URL path
	Exclude    []string
	// MaxDecided bounds the URLs decided (fetched or skipped) in all: links
	// past it are counted, not remembered. Default max(50,000, 2*MaxURLs).
	MaxDecided int
	// Policy is the rules every request is held to (internal/policy),
	// asked before the crawl's own scope; nil: policy.New of the starts.
	Policy interface{ Check(u, from *url.URL) string }
}

// Origin is a URL's scheme, host and port (the default port made explicit).
type Origin struct{ Scheme, Host, Port string }

// OriginOf returns u's origin.
func OriginOf(u *url.URL) Origin {
	o := Origin{Scheme: strings.ToLower(u.Scheme), Host: strings.TrimSuffix(strings.ToLower(u.Hostname()), "."), Port: u.Port()}
	if o.Port == "" {
		o.Port = map[string]string{"http": "80", "https": "443"}[o.Scheme]
	}
	return o
}

func (o Origin) String() string { return o.Scheme + "://" + net.JoinHostPort(o.Host, o.Port) }

// Frontier decides which discovered URLs are fetched. Each URL is decided
// once (after normalisation); a refused one gets a reason to report. The
// crawl's scope is the exact origin of each start URL (scheme, host and
// port) and the origins --allow-host names; a page served over https never
// leads to plain http.
type Frontier struct {
	opts     Options
	starts   map[Origin]bool
	hosts    map[string]bool // --allow-host without a port
	hostPort map[string]bool // --allow-host host:port
	mu       sync.Mutex
	seen     map[string]bool
	admitted int
	limitHit bool
	dropped  int // links past MaxDecided
}

// NewFrontier starts a frontier. Start URLs are always admitted.
func NewFrontier(opts Options, starts []*url.URL) *Frontier {
	if opts.MaxDecided == 0 {
		opts.MaxDecided = max(50000, 2*opts.MaxURLs)
	}
	if opts.Policy == nil {
		opts.Policy = policy.New(starts...)
	}
	f := &Frontier{opts: opts, seen: map[string]bool{}, starts: map[Origin]bool{}, hosts: map[string]bool{}, hostPort: map[string]bool{}}
	for _, h := range opts.AllowHosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if host, port, err := net.SplitHostPort(h); err == nil {
			f.hostPort[net.JoinHostPort(strings.TrimSuffix(host, "."), port)] = true
		} else {
			f.hosts[strings.TrimSuffix(strings.Trim(h, "[]"), ".")] = true
		}
	}
	for _, u := range starts {
		f.starts[OriginOf(u)] = true
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

// InScope says why u may not be fetched, or "" when it may: it must be an
// http(s) URL of a start origin or of an --allow-host origin, carry no
// credentials or token, and not be plain http reached from https (from,
// the page or redirect that led to it; nil for none).
func (f *Frontier) InScope(u, from *url.URL) string {
	// What no request may do (another scheme, credentials, a token, a
	// downgrade, an address nobody named) is the request policy's to say.
	if why := f.opts.Policy.Check(u, from); why != "" {
		return why
	}
	o := OriginOf(u)
	switch {
	case f.starts[o], f.hostPort[net.JoinHostPort(o.Host, o.Port)]:
		return ""
	case f.hosts[o.Host] && (o.Port == "80" && o.Scheme == "http" || o.Port == "443" && o.Scheme == "https"):
		return ""
	}
	return fmt.Sprintf("origin %s is not a start origin (allow it with --allow-host %s)", o, net.JoinHostPort(o.Host, o.Port))
}

// HeadersFor says whether the configured --header values may be sent to
// u: only to origins in scope, and over plain http only to an origin the
// user named as a start URL with http:// (never in clear elsewhere).
func (f *Frontier) HeadersFor(u *url.URL) bool {
	o := OriginOf(u)
	if f.InScope(u, nil) != "" {
		return false
	}
	return o.Scheme == "https" || f.starts[o]
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

// Admit decides a link found at a page of depth d (from is that page's
// URL; nil for a probe).
func (f *Frontier) Admit(l Link, from *url.URL, d int) Decision {
	dec := Decision{URL: Normalize(l.URL), Depth: d}
	if l.Kind == Page {
		dec.Depth = d + 1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if dec.Dup = !f.remember(dec.URL); dec.Dup {
		return dec
	}
	switch {
	case f.opts.Depth == 0 && !l.Probe && l.Kind == Page:
		dec.Skip = "not followed: --depth 0 (a page's own scripts, styles and maps are scanned with it)"
	case f.InScope(l.URL, from) != "":
		dec.Skip = f.InScope(l.URL, from)
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

// Refuse decides u as not fetched, for why (a URL the browser saw a page
// submit to: fetching it with GET would be acting on the site), unless it
// was decided before (Dup: fetched, or refused, already).
func (f *Frontier) Refuse(u *url.URL, why string) Decision {
	dec := Decision{URL: Normalize(u), Skip: why}
	f.mu.Lock()
	defer f.mu.Unlock()
	dec.Dup = !f.remember(dec.URL)
	return dec
}

// remember marks the normalised URL n decided, and says whether it is
// new: false for one decided before, or past MaxDecided (not remembered,
// not reported one by one: counted). f.mu is held.
func (f *Frontier) remember(n string) bool {
	if f.seen[n] {
		return false
	}
	if len(f.seen) >= f.opts.MaxDecided {
		f.dropped++
		return false
	}
	f.seen[n] = true
	return true
}

// Dropped is how many links were passed over because MaxDecided URLs had
// been decided already.
func (f *Frontier) Dropped() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dropped
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
