// Package demo serves a small site with a planted fake token, so that
// `cratesguard demo` shows the whole pipeline working offline.
package demo

import (
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// Site is the running demo site.
type Site struct {
	URL string // base URL, http://127.0.0.1:PORT
	// Planted is the fake token hidden in the site's JavaScript bundle. It
	// is generated at start-up and is no crates.io credential.
	Planted string
	// Placeholder is the documentation-style filler on the page.
	Placeholder string
	srv         *http.Server
	ln          net.Listener
}

// Start serves the demo site on a loopback port.
func Start() (*Site, error) {
	var seed [8]byte
	if _, err := crand.Read(seed[:]); err != nil {
		return nil, err
	}
	src := tokentest.New(binary.LittleEndian.Uint64(seed[:]))
	s := &Site{Planted: src.API(), Placeholder: tokentest.Placeholder('X')}
	// The decoy is a token-shaped string inside an inlined font: base64, not a leak.
	decoy := "data:font/woff2;base64,d09GMgABAAAAAAZQAA0AAAAADBAAAAXwAAEAAAAAAAAAP0ZGVE0cGh4GYACCSBEICoE+" +
		src.API() + "/ZIGCwgAATYCJAMIBCAFhGQHLxsdCVGUTa" + src.Alnum(60) + "=="

	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html>
<html><head><title>acme-crate docs</title>
<link rel="stylesheet" href="/static/site.css">
<style>@font-face{font-family:Inter;src:url(%s)}</style>
</head><body>
<h1>acme-crate</h1>
<p>Publish with <code>cargo login %s</code> (replace with your own token).</p>
<script src="/static/app.js"></script>
</body></html>
`, decoy, s.Placeholder)
	})
	mux.HandleFunc("/static/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		// A bundler inlined a build-time environment variable: the classic leak.
		fmt.Fprintf(w, `(()=>{"use strict";const e={NODE_ENV:"production",CARGO_REGISTRY_TOKEN:"%s",API_URL:"https://api.example.com"};function t(n){return fetch(e.API_URL+n)}window.app={get:t}})();
//# sourceMappingURL=app.js.map
`, s.Planted)
	})
	mux.HandleFunc("/static/app.js.map", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"version":3,"file":"app.js","sources":["src/config.ts","src/api.ts"],"sourcesContent":[`+
			`"export const env = {\n  NODE_ENV: \"production\",\n  CARGO_REGISTRY_TOKEN: \"%s\",\n};\n",`+
			`"import { env } from \"./config\";\nexport const get = (p: string) => fetch(env.API_URL + p);\n"],"mappings":"AAAA"}`, s.Planted)
	})
	mux.HandleFunc("/static/site.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprintln(w, strings.Repeat("body{margin:0}", 3))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: mux}
	go s.srv.Serve(ln)
	return s, nil
}

// Pages lists the URLs to start a scan of the demo site from: the page,
// from which the crawl finds the rest.
func (s *Site) Pages() []string { return []string{s.URL + "/"} }

// Close stops the site.
func (s *Site) Close() error { return s.srv.Close() }
