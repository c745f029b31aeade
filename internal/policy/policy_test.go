package policy

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestCheck: the rules every request is held to, from what was named.
func TestCheck(t *testing.T) {
	tok := tokentest.New(2626).API()
	public := New(mustParse(t, "https://docs.example.com/"), mustParse(t, "https://crates.io"))
	local := New(mustParse(t, "http://127.0.0.1:8080/"), mustParse(t, "http://127.0.0.1:9090"))
	plain := New(mustParse(t, "http://staging.example.com/"))
	internal := New(mustParse(t, "https://10.0.0.5/"))
	for _, c := range []struct {
		p        *Policy
		url      string
		from     string
		contains string // "" means allowed
	}{
		{public, "https://docs.example.com/app.js", "", ""},
		{public, "https://static.crates.io/crates/foo/foo-1.0.0.crate", "", ""},
		{public, "ftp://docs.example.com/x", "", "not an http(s) URL"},
		{public, "https://user:pw@docs.example.com/", "", "credentials"},
		{public, "https://docs.example.com/cb?token=" + tok, "", "holds a crates.io token"},
		{public, "http://docs.example.com/x", "", "HTTPS only"},
		{public, "http://cdn.example.net/x", "https://docs.example.com/", "no downgrade"},
		{public, "https://127.0.0.1:8443/latest/meta-data/", "", "loopback address"},
		{public, "https://169.254.169.254/latest/meta-data/", "", "link-local address"},
		{public, "https://[fe80::1]/", "", "link-local address"},
		{public, "https://192.168.1.1/", "", "private address"},
		{public, "https://localhost/", "", "localhost"},
		{local, "http://127.0.0.1:8080/page", "", ""},
		{local, "http://127.0.0.1:7777/download", "", ""}, // a loopback test server, another port
		{local, "http://localhost:7777/", "", ""},
		{local, "http://10.0.0.1/", "", "HTTPS only"},
		{local, "https://169.254.169.254/", "", "link-local address"},
		{local, "http://127.0.0.1:7777/x", "https://127.0.0.1:8443/", "no downgrade"},
		{plain, "http://staging.example.com/a.js", "", ""},
		{plain, "http://staging.example.com:8080/a.js", "", "HTTPS only"},
		{plain, "http://other.example.com/", "", "HTTPS only"},
		{internal, "https://10.0.0.9/", "", ""},
		{internal, "https://127.0.0.1/", "", "loopback address"},
	} {
		var from *url.URL
		if c.from != "" {
			from = mustParse(t, c.from)
		}
		got := c.p.Check(mustParse(t, c.url), from)
		if c.contains == "" && got != "" || c.contains != "" && !strings.Contains(got, c.contains) {
			t.Errorf("%s (from %q): %q, want %q", c.url, c.from, got, c.contains)
		}
		if strings.Contains(got, tok) {
			t.Errorf("the reason shows the token")
		}
	}
}

// TestDialRefusesWhatANameResolvesTo: a name nobody named that resolves
// to loopback is not connected to; a named one is.
func TestDialRefusesWhatANameResolvesTo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p := New(mustParse(t, "https://docs.example.com/"))
	if _, err := p.Dial(5*time.Second)(ctx, "tcp", net.JoinHostPort("localhost", port)); err == nil || !strings.Contains(err.Error(), "loopback address") {
		t.Errorf("localhost, named by no one: %v", err)
	}
	named := New(mustParse(t, "http://localhost:"+port+"/"))
	c, err := named.Dial(5*time.Second)(ctx, "tcp", net.JoinHostPort("localhost", port))
	if err != nil {
		t.Fatalf("localhost, named: %v", err)
	}
	c.Close()
}
