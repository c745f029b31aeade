package scan

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// TestSPAFallbackIsNotContent: a host that answers every path with its
// index.html (as SPA hosts do) has not served the files a crawl guessed;
// a guessed file it has is scanned whole.
func TestSPAFallbackIsNotContent(t *testing.T) {
	index := `<html><script src="/app.js"></script></html>`
	tok := tokentest.New(1).API()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/app.js" {
			io.WriteString(w, `const a="/lazy/missing.js",b="/config/missing.json",c=fetch("/api/real"),d=fetch("api/gone");`)
			return
		}
		if r.URL.Path == "/api/real" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"real":true,"token":"`+tok+`"}`)
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
	// What was read to compare with the fallback is scanned with the rest.
	if len(rep.Findings) != 1 || rep.Findings[0].Locations[0].Target != srv.URL+"/api/real" {
		t.Errorf("the token in /api/real, a guessed URL's answer, was not found there: %d findings", len(rep.Findings))
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

// TestNotFoundPage: a guessed URL the host answers with its 404 page is not
// present, and never a finding's place, even when the 404 page carries a
// site-wide token; a token found only in a 404 page is located at the
// site's 404 page (its start URL), whichever guessed URL's answer held it.
func TestNotFoundPage(t *testing.T) {
	src := tokentest.New(404)
	siteWide, only404, debug := src.API(), src.API(), src.API()
	page404 := "<html><script>window.cfg={token:'" + siteWide + "'}</script><!-- " + only404 + " --></html>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/docs/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<html><script>window.cfg={token:'`+siteWide+`'}</script><script src="/docs/app.js"></script></html>`)
		case "/docs/app.js":
			io.WriteString(w, `import("/docs/chunks/missing.js");const m="/.vite/manifest.json",d="/debug.json";`)
		case "/debug.json": // a 404 of its own, printing the environment
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "no such file; env: TOKEN="+debug)
		default:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, page404)
		}
	}))
	defer srv.Close()
	rep := scanURL(t, srv.URL+"/docs/", nil)
	places := map[string][]findings.Location{}
	for _, f := range rep.Findings {
		places[f.Token.Reveal()] = f.Locations
	}
	notFound := findings.Location{Target: srv.URL + "/docs/", IsURL: true, Part: findings.PartNotFound}
	for name, c := range map[string]struct {
		tok  string
		want []findings.Location
	}{
		"site-wide": {siteWide, []findings.Location{{Target: srv.URL + "/docs/", IsURL: true}}},
		"404 page":  {only404, []findings.Location{notFound}},
		"debug 404": {debug, []findings.Location{notFound}},
	} {
		var got []findings.Location
		for _, l := range places[c.tok] {
			got = append(got, findings.Location{Target: l.Target, IsURL: l.IsURL, Part: l.Part})
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("the %s token is at %v, want %v", name, got, c.want)
		}
	}
	for _, tg := range rep.Targets {
		p := strings.TrimPrefix(tg.Target, srv.URL)
		if p == "/docs/chunks/missing.js" || p == "/.vite/manifest.json" || p == "/debug.json" {
			if tg.State != findings.Skipped || !strings.HasPrefix(tg.Reason, "HTTP 404: not present") {
				t.Errorf("%s: %s %q, want skipped as not present", p, tg.State, tg.Reason)
			}
			if strings.Contains(tg.Reason, "holds a token") != (p == "/debug.json") {
				t.Errorf("%s: %q", p, tg.Reason)
			}
		}
	}
}
