package scan

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/findings"
)

// TestSPAFallbackIsNotContent: a host that answers every path with its
// index.html (as SPA hosts do) has not served the files a crawl guessed.
func TestSPAFallbackIsNotContent(t *testing.T) {
	index := `<html><script src="/app.js"></script></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/app.js" {
			io.WriteString(w, `const a="/lazy/missing.js",b="/config/missing.json",c=fetch("/api/real"),d=fetch("api/gone");`)
			return
		}
		if r.URL.Path == "/api/real" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"real":true}`)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, index) // the fallback
	}))
	defer srv.Close()
	rep := scanURL(t, srv.URL+"/", func(c *config.Config) { c.Probe = true })
	states := map[string]findings.Target{}
	for _, tg := range rep.Targets {
		states[strings.TrimPrefix(tg.Target, srv.URL)] = tg
	}
	for p, want := range map[string]string{
		"/lazy/missing.js":     "with HTML",
		"/config/missing.json": "with HTML",
		"/api/gone":            "SPA fallback",
		"/.env":                "SPA fallback",
		"/robots.txt":          "SPA fallback",
	} {
		if tg := states[p]; tg.State != findings.Skipped || !strings.Contains(tg.Reason, want) {
			t.Errorf("%s: %s %q, want skipped as not present (%s)", p, tg.State, tg.Reason, want)
		}
	}
	if tg := states["/api/real"]; tg.State != findings.Scanned {
		t.Errorf("/api/real: %s %q, want scanned", tg.State, tg.Reason)
	}
}

// TestSourceMapHeader: a script can name its map in a SourceMap (or
// X-SourceMap) response header instead of a comment.
func TestSourceMapHeader(t *testing.T) {
	var mapped bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/app.js":
			w.Header().Set("X-SourceMap", "/maps/app.js.map")
			io.WriteString(w, "console.log(1)")
		case "/maps/app.js.map":
			mapped = true
			io.WriteString(w, `{"version":3,"sources":[],"mappings":""}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	rep := scanURL(t, srv.URL+"/app.js", nil)
	if !mapped || rep.Targets[0].SourceMap != srv.URL+"/maps/app.js.map" {
		t.Errorf("the map named by X-SourceMap was not fetched (%v, %q)", mapped, rep.Targets[0].SourceMap)
	}
}
