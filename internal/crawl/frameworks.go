package crawl

import (
	"net/url"
	"strings"
)

// frameworks is what a text's framework manifests give: the route manifest
// of React Router (and Remix), VitePress's page hash map and site data,
// Nuxt's runtime config and app manifest, Qwik City's route table, Vite's
// base. Each reader (one file per framework) finds its mark in marks, or
// its file by name (bodyManifest), captures what it needs (captures), and
// names pages and files once the whole text is read and its bases are
// known (links).
type frameworks struct {
	captures
	seen     bool     // a framework mark was seen: they are looked for past frameworkHead
	viteBase *url.URL // the base Vite's preload helper prefixes
	rr       routeManifest
	vp       vitePress
	nuxt     nuxtApp
	qwik     qwikRoutes
}

// reader is one framework's reader: what it names, once the text is read.
type reader interface {
	links(e *textExtractor)
}

func (f *frameworks) links(e *textExtractor) {
	for _, r := range []reader{&f.rr, &f.vp, &f.nuxt, &f.qwik} {
		r.links(e)
	}
}

// warnings says what the readers passed over.
func (f *frameworks) warnings() []string {
	return append(f.captures.warnings(), f.qwik.warnings()...)
}

// bodyManifest starts reading a JSON file that is a manifest as a whole,
// known by its name: VitePress's hashmap.json, Nuxt's app manifest
// (builds/meta/<build id>.json).
func (e *textExtractor) bodyManifest() {
	switch p := e.base.Path; {
	case strings.HasSuffix(p, "/hashmap.json"):
		e.vp.hashMapFile(e)
	case strings.Contains(p, "/builds/meta/") && strings.HasSuffix(p, ".json"):
		e.nuxt.metaFile(e)
	}
}

// pageLink adds a page a manifest lists: a guess, one hop away.
func (e *textExtractor) pageLink(base *url.URL, ref, via string) {
	e.l.add(base, ref, Page, true, via)
}

// fileLink adds a file a manifest lists: a guess, loaded with the page.
func (e *textExtractor) fileLink(base *url.URL, ref, via string) {
	e.l.add(base, ref, Asset, true, via)
}

// siteRoot is the root of the text's origin.
func (e *textExtractor) siteRoot() *url.URL {
	return &url.URL{Scheme: e.base.Scheme, Host: e.base.Host, Path: "/"}
}
