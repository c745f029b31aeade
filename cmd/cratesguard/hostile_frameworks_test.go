package main

// Hostile content for the framework readers (#23): element attributes by
// the million, route manifests, page hash maps and app manifests of tens of
// megabytes, a route table of a million routes. Each must end, keep
// cratesguard (run as a process of its own) under 128 MiB, and say in its
// report what it passed over.

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func hostileFrameworkServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; p {
		case "/attributes": // 1,000,000 attributes, each naming a chunk of its own
			w.Header().Set("Content-Type", "text/html")
			for i := range 1000 {
				var b strings.Builder
				b.WriteString("<div")
				for j := range 1000 {
					fmt.Fprintf(&b, ` on:x%d="q-%d-%d.js#s_%d"`, j, i, j, j)
				}
				b.WriteString("></div>")
				if _, err := io.WriteString(w, b.String()); err != nil {
					return
				}
			}
		case "/manifests": // a page loading each manifest below
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<script src="/manifest.js"></script><script src="/metadata.js"></script>`+
				`<script src="/q-plan.js"></script><link rel="preload" href="/_nuxt/builds/meta/x.json">`)
		case "/manifest.js": // a 64 MB React Router manifest
			w.Header().Set("Content-Type", "text/javascript")
			io.WriteString(w, `window.__reactRouterManifest={"routes":{"root":{"id":"root","path":""}`)
			stream(w, `,"r":{"id":"r","parentId":"r","path":"p","hasLoader":true}`, 64<<20/57)
			io.WriteString(w, `}};`)
		case "/metadata.js": // a 64 MB VitePress page hash map
			w.Header().Set("Content-Type", "text/javascript")
			io.WriteString(w, `window.__VP_HASH_MAP__=JSON.parse("{\"index.md\":\"a1\"`)
			stream(w, `,\"p.md\":\"b2\"`, 64<<20/16)
			io.WriteString(w, `}");`)
		case "/q-plan.js": // a Qwik City route table of 1,000,000 routes
			w.Header().Set("Content-Type", "text/javascript")
			io.WriteString(w, `const o=[`)
			for i := 0; i < 1000000; i += 1000 {
				var b strings.Builder
				for j := i; j < i+1000; j++ {
					fmt.Fprintf(&b, `["r%d/",[()=>0]],`, j)
				}
				if _, err := io.WriteString(w, b.String()); err != nil {
					return
				}
			}
			io.WriteString(w, `];`)
		case "/_nuxt/builds/meta/x.json": // a 64 MB Nuxt app manifest
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"x","prerendered":["/"`)
			stream(w, `,"/p"`, 64<<20/5)
			io.WriteString(w, `]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHostileFrameworkManifests(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("-short or -race: serves hundreds of megabytes to a child (measured without -race)")
	}
	srv := hostileFrameworkServer(t)
	cases := []struct {
		name string
		url  string
		want []string // in the JSON report
	}{
		{"1,000,000 element attributes naming chunks", srv.URL + "/attributes", []string{"more than 1000 paths in element attributes"}},
		{"64 MB manifests and a 1,000,000-route table", srv.URL + "/manifests", []string{
			"1 route manifest or page map over 1024 KiB not read", "more than 10000 routes in a Qwik City route table"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kb, out, code := peakRSS(t, "scan", "--format", "json", c.url)
			t.Logf("%-45s peak %4d MiB", c.name, kb>>10)
			if kb > peakLimitKiB {
				t.Errorf("peak RSS %d MiB, over 128 MiB", kb>>10)
			}
			for _, w := range c.want {
				if code == 2 || !strings.Contains(out, w) {
					t.Errorf("exit %d; the report does not say %q", code, w)
				}
			}
		})
	}
}
