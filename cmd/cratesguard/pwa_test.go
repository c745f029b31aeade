package main

// --browser on real PWA builds (testdata/pwa): Vite with vite-plugin-pwa
// (Workbox generateSW), a Create React App style Workbox service worker,
// and a static SvelteKit build with its service worker.

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/browser"
	"github.com/cratesguard/cratesguard/internal/browsertest"
)

// pwaReport is the part of --format json the PWA test reads.
type pwaReport struct {
	Findings []struct{ Sha256 string }
	Targets  []struct {
		Target, State, Content, Via string
		Warnings                    []string
	}
}

// TestBrowserOnRealPWAs: on each build, --browser ends within 2 x
// --browser-timeout per page it loads, cuts none short, and finds every
// token the static crawl finds, and also the app's runtime config and the
// service worker's, whose paths only running code puts together (the
// static crawl must not find those: the builds would test nothing).
func TestBrowserOnRealPWAs(t *testing.T) {
	path := browsertest.Need(t, browser.Find)
	runtimeOnly := map[string]string{"/config/production.json": "config", "/sw-config.json": "swconfig"}
	const timeout = 30 * time.Second
	for _, name := range []string{"vite-pwa", "cra-workbox", "sveltekit"} {
		t.Run(name, func(t *testing.T) {
			srv, toks := serveBuild(t, filepath.Join("..", "..", "testdata", "pwa", name, "site"), runtimeOnly)
			scan := func(args ...string) (*pwaReport, map[string]bool, result) {
				r := cli(t, append(append([]string{"scan", "--format", "json", "--depth", "3"}, args...), srv.URL+"/")...)
				var rep pwaReport
				if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
					t.Fatalf("%v\n%s", err, r.stdout)
				}
				found := map[string]bool{}
				for k, tok := range toks {
					for _, f := range rep.Findings {
						found[k] = found[k] || f.Sha256 == sha(tok)
					}
				}
				return &rep, found, r
			}
			_, static, _ := scan()
			begun := time.Now()
			rep, browsed, r := scan("--browser-path", path, "--browser-timeout", timeout.String())
			took := time.Since(begun)
			pages := 0
			for _, tg := range rep.Targets {
				if tg.Content == "HTML" && tg.State == "scanned" {
					pages++
				}
				for _, w := range tg.Warnings {
					if strings.Contains(w, "cut short") {
						t.Errorf("%s: %s", tg.Target, w)
					}
				}
			}
			t.Logf("static crawl found %v; --browser found %v; %d page(s) in the browser, %.1f s", static, browsed, pages, took.Seconds())
			if bound := time.Duration(pages)*2*timeout + 30*time.Second; took > bound {
				t.Errorf("--browser took %s for %d page(s): more than 2 x %s each and 30 s", took, pages, timeout)
			}
			for k := range toks {
				if static[k] && !browsed[k] {
					t.Errorf("the static crawl found the %s token, --browser did not", k)
				}
			}
			for _, k := range []string{"static", "swstatic", "config", "swconfig"} {
				if !browsed[k] {
					t.Errorf("--browser did not find the %s token", k)
				}
			}
			for _, k := range runtimeOnly {
				if static[k] {
					t.Errorf("the static crawl found the %s token: it does not exist only at run time", k)
				}
			}
			var all []string
			for _, tok := range toks {
				all = append(all, tok)
			}
			noLeak(t, r, all...)
		})
	}
}
