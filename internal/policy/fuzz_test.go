package policy

import (
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/safe"
)

// FuzzCheck: whatever URL a page, a redirect or an API names, Check never
// admits one that carries credentials, holds a token, is not http(s), goes
// from https to http, or names a non-public address nobody named.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"https://docs.example.com/a", "http://127.0.0.1:8080/", "https://169.254.169.254/latest",
		"https://u:p@x/", "HTTPS://[::1]:443/", "https://0x7f.0.0.1/", "https://2130706433/", "http://localhost./",
		"https://docs.example.com/?t=c" + "io" + strings.Repeat("A1", 16)} {
		f.Add(s, "https://docs.example.com/")
	}
	p := New(&url.URL{Scheme: "https", Host: "docs.example.com"}, &url.URL{Scheme: "https", Host: "crates.io"})
	f.Fuzz(func(t *testing.T, raw, fromRaw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		from, _ := url.Parse(fromRaw)
		if p.Check(u, from) != "" {
			return
		}
		switch {
		case u.Scheme != "http" && u.Scheme != "https":
			t.Fatalf("admitted scheme %q", u.Scheme)
		case u.User != nil:
			t.Fatal("admitted credentials")
		case safe.HasToken(u.String()):
			t.Fatal("admitted a URL holding a token")
		case u.Scheme == "http":
			t.Fatalf("admitted plain http to %q, named by no one", u.Host)
		}
		if ip := net.ParseIP(u.Hostname()); ip != nil && ClassOf(ip) != Public {
			t.Fatalf("admitted %s, a %s address", ip, ClassOf(ip))
		}
	})
}
