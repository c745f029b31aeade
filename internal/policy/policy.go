// Package policy says whether cratesguard may make a request. Every stage
// that makes one asks it, through the same Policy: the crawl (links and
// redirects), the browser (its requests and its proxy's connections),
// crate and release downloads, the crates.io registry, verification and
// revocation. Scope (which origins a crawl may visit) stays the crawl's;
// what no request may ever do is decided here:
//
//   - only http and https, and no credentials in the URL (user:password@);
//   - no URL that holds a crates.io token (it would hand the token over);
//   - HTTPS, except to an origin the user named with http:// (a start
//     target, the configured API) and, when one of those is plain HTTP on
//     loopback (a test server), to loopback;
//   - no downgrade: a hop from https never goes to http;
//   - loopback, private and link-local addresses (a cloud's metadata
//     service at 169.254.169.254) only where the user named a host: the
//     host itself, or a literal address of the same class. This is checked
//     on the URL and again on the address a name resolves to, at connect
//     time (a name may resolve anywhere).
package policy

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/cratesguard/cratesguard/internal/safe"
)

// Class is what kind of address an IP is.
type Class int

// Address classes; Public is everything else.
const (
	Public Class = iota
	Loopback
	Private
	LinkLocal
	Unspecified
)

func (c Class) String() string {
	return [...]string{"public", "loopback", "private", "link-local", "unspecified"}[c]
}

// ClassOf says what kind of address ip is.
func ClassOf(ip net.IP) Class {
	switch {
	case ip.IsLoopback():
		return Loopback
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return LinkLocal
	case ip.IsPrivate():
		return Private
	case ip.IsUnspecified():
		return Unspecified
	}
	return Public
}

// Policy is the rules for one run.
type Policy struct {
	named      map[string]bool // hosts the user named (lower case)
	httpOrigin map[string]bool // scheme://host:port named with http://
	classes    map[Class]bool  // non-public classes of the literal addresses named
	httpLocal  bool            // plain http on loopback was named: a test server
}

// New makes the rules from what the user named: start targets, the
// configured API, release assets. Only their hosts, schemes and literal
// addresses count.
func New(named ...*url.URL) *Policy {
	p := &Policy{named: map[string]bool{}, httpOrigin: map[string]bool{}, classes: map[Class]bool{}}
	for _, u := range named {
		if u == nil || u.Host == "" {
			continue
		}
		host := strings.ToLower(u.Hostname())
		p.named[host] = true
		if u.Scheme == "http" {
			p.httpOrigin[origin(u)] = true
		}
		if ip := net.ParseIP(host); ip != nil {
			c := ClassOf(ip)
			p.classes[c] = true
			if c == Loopback && u.Scheme == "http" {
				p.httpLocal = true
			}
		} else if host == "localhost" {
			p.classes[Loopback] = true
			p.httpLocal = p.httpLocal || u.Scheme == "http"
		}
	}
	return p
}

func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return u.Scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// Check says why u may not be requested ("" when it may), from the URL
// that led to it (a redirect's, a page's; nil for a start).
func (p *Policy) Check(u, from *url.URL) string {
	host := strings.ToLower(u.Hostname())
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "not an http(s) URL"
	case host == "":
		return "the URL has no host"
	case u.User != nil:
		return "the URL carries credentials (user:password@): not requested"
	case safe.HasToken(u.String()):
		return "the URL holds a crates.io token: not requested (it would hand the token over)"
	case from != nil && strings.EqualFold(from.Scheme, "https") && u.Scheme == "http":
		return "plain http after https: not followed (no downgrade)"
	case u.Scheme == "http" && !p.httpOrigin[origin(u)] && !(p.httpLocal && isLoopbackHost(host)):
		return "plain http to an origin not named with http://: HTTPS only"
	}
	if ip := net.ParseIP(host); ip != nil {
		if why := p.address(host, ip); why != "" {
			return why
		}
	} else if host == "localhost" && !p.named[host] && !p.classes[Loopback] {
		return "localhost, where no target was named: not requested"
	}
	return ""
}

func isLoopbackHost(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// address says why host, at ip, may not be connected to.
func (p *Policy) address(host string, ip net.IP) string {
	c := ClassOf(ip)
	if c == Public || p.named[host] || p.classes[c] {
		return ""
	}
	return fmt.Sprintf("%s is a %s address, where no target was named: not requested (a metadata service, a host on the runner's network)", ip, c)
}

// Dial is a dialer that refuses, once a name is resolved, an address the
// rules do not allow: a name of a public host that resolves to 127.0.0.1 or
// 169.254.169.254 is not connected to.
func (p *Policy) Dial(timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		host = strings.ToLower(strings.Trim(host, "[]"))
		d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second,
			Control: func(_, address string, _ syscall.RawConn) error {
				h, _, err := net.SplitHostPort(address)
				if err != nil {
					return err
				}
				if ip := net.ParseIP(h); ip != nil {
					if why := p.address(host, ip); why != "" {
						return fmt.Errorf("%s (it resolved to %s)", why, h)
					}
				}
				return nil
			}}
		return d.DialContext(ctx, network, addr)
	}
}
