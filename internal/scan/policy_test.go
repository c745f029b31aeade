package scan

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/target"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// TestOneRequestPolicyForEveryCaller: what no request may do, every stage
// that makes requests refuses alike: the crawl (and the browser, which asks
// the crawl's InScope), release and crate downloads (their first URL and
// every redirect), the registry client, and the clients verify and revoke
// use (at connect time, for what a name resolves to).
func TestOneRequestPolicyForEveryCaller(t *testing.T) {
	tok := tokentest.New(2727).API()
	cfg := config.Defaults()
	start, _ := url.Parse("https://docs.example.com/")
	cfg.Targets = []target.Target{{Raw: start.String(), URL: start}}
	cfg.CratesAPI = "https://crates.io"
	e := newEngine(cfg, Options{})
	defer e.fetcher.Close()
	from, _ := url.Parse("https://docs.example.com/page")
	callers := map[string]func(u *url.URL) string{
		"crawl and browser": func(u *url.URL) string { return e.frontier.InScope(u, from) },
		"download": func(u *url.URL) string {
			var tg findings.Target
			e.download(context.Background(), &worker{ctx: context.Background()}, job{}, u, e.downloader(u, ""), &tg, as{})
			return tg.Reason
		},
		"download redirect": func(u *url.URL) string { return e.policy.Check(u, from) },
		"registry": func(u *url.URL) string {
			if err := e.registry().CheckURL(u.String()); err != nil {
				return err.Error()
			}
			return ""
		},
	}
	for _, c := range []struct{ url, why string }{
		{"https://169.254.169.254/latest/meta-data/", "link-local address"},
		{"https://127.0.0.1:8443/latest/meta-data/", "loopback address"},
		{"https://10.1.2.3/", "private address"},
		{"http://cdn.example.net/x.tar.gz", "no downgrade|HTTPS only"}, // a hop from https, or a first URL
		{"https://u:p@docs.example.com/", "credentials"},
		{"https://docs.example.com/dl?token=" + tok, "holds a crates.io token"},
	} {
		u, _ := url.Parse(c.url)
		for name, call := range callers {
			got := call(u)
			ok := false
			for _, why := range strings.Split(c.why, "|") {
				ok = ok || strings.Contains(got, why)
			}
			if !ok {
				t.Errorf("%s, %s: %q, want %q", name, c.url, got, c.why)
			}
		}
	}
	// The clients of verify and revoke: a name nobody named that resolves
	// to loopback is not connected to.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, err := e.policyClient().Get(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))
	if err == nil || !strings.Contains(err.Error(), "loopback address") {
		t.Errorf("verify's client reached localhost, named by no one: %v", err)
	}
}
