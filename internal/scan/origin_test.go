package scan

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/findings"
)

// TestNoDowngradeToHTTP: an https start page that links or redirects to
// plain http reaches nothing there, even with --allow-host naming it, and
// its --header value never travels in clear.
func TestNoDowngradeToHTTP(t *testing.T) {
	var plainHits, plainHeader atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainHits.Add(1)
		if r.Header.Get("X-Staging") != "" {
			plainHeader.Add(1)
		}
	}))
	defer plain.Close()
	var secureHeader atomic.Int32
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Staging") == "s3cret-value" {
			secureHeader.Add(1)
		}
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<a href="%[1]s/page">p</a><script src="%[1]s/app.js"></script><a href="/down">d</a>`, plain.URL)
		case "/down":
			http.Redirect(w, r, plain.URL+"/redirected", http.StatusFound)
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer secure.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: secure.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}

	rep := scanURL(t, secure.URL+"/", func(c *config.Config) {
		c.AllowHosts = []string{strings.TrimPrefix(plain.URL, "http://")}
		c.Headers = []config.Header{{Name: "X-Staging", Value: "s3cret-value"}}
	}, tr)
	if plainHits.Load() != 0 || plainHeader.Load() != 0 {
		t.Errorf("https led to plain http: %d requests, %d with the header", plainHits.Load(), plainHeader.Load())
	}
	if secureHeader.Load() == 0 {
		t.Error("the https start origin did not get the header")
	}
	downgrades := 0
	for _, tg := range rep.Targets {
		if tg.State == findings.Skipped && strings.Contains(tg.Reason, "no downgrade") {
			downgrades++
		}
	}
	if downgrades != 3 {
		t.Errorf("%d targets skipped as downgrades, want 3 (link, script, redirect):\n%+v", downgrades, rep.Targets)
	}
}
