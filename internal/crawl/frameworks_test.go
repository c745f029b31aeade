package crawl

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// build reads a file of a framework build in testdata/frameworks; name may
// be a glob (content hashes change with every build): its one match.
func build(t *testing.T, fw, name string) (string, string) {
	t.Helper()
	m, err := filepath.Glob(filepath.Join("..", "..", "testdata", "frameworks", fw, "site", name))
	if err != nil || len(m) != 1 {
		t.Fatalf("%s/%s: %v %v", fw, name, m, err)
	}
	b, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(filepath.Join("..", "..", "testdata", "frameworks", fw, "site"), m[0])
	return filepath.ToSlash(rel), string(b)
}

// extractAll is extract with the runtime base a page declared, returning
// the links themselves, for each size of the pieces the body is written in
// (the same links each time).
func extractAll(t *testing.T, c Content, base, runtime, body string) []Link {
	t.Helper()
	var rt *url.URL
	if runtime != "" {
		rt = mustURL(t, runtime)
	}
	var first []string
	var out []Link
	for _, piece := range []int{len(body) + 1, 4096, 7} {
		e := NewExtractor(c, mustURL(t, base), rt)
		for b := []byte(body); len(b) > 0; b = b[min(len(b), piece):] {
			e.Write(b[:min(len(b), piece)])
		}
		ls, _ := e.Close()
		var got []string
		for _, l := range ls {
			got = append(got, describe(l))
		}
		slices.Sort(got)
		if first == nil {
			first, out = got, ls
		} else if !slices.Equal(got, first) {
			t.Errorf("in pieces of %d:\n %s\nwhole:\n %s", piece, strings.Join(got, "\n "), strings.Join(first, "\n "))
		}
	}
	return out
}

// describe is a link as the tests compare it: kind, URL, and the runtime
// base it carries.
func describe(l Link) string {
	k := "asset"
	if l.Kind == Page {
		k = "page"
	}
	s := k + " " + l.URL.String()
	if l.Base != nil {
		s += " base " + l.Base.String()
	}
	return s
}

func described(ls []Link) []string {
	var out []string
	for _, l := range ls {
		out = append(out, describe(l))
	}
	return out
}

func wantLinks(t *testing.T, what string, ls []Link, want ...string) {
	t.Helper()
	got := described(ls)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s: %s not named; got\n %s", what, w, strings.Join(got, "\n "))
		}
	}
}

func noLinks(t *testing.T, what string, ls []Link, prefixes ...string) {
	t.Helper()
	for _, d := range described(ls) {
		for _, p := range prefixes {
			if strings.HasPrefix(d, p) {
				t.Errorf("%s: %s should not be named", what, d)
			}
		}
	}
}

// TestIslandsAndHandlers: chunks named only in element attributes are
// followed: an Astro island's component and renderer, a Qwik handler
// (resolved against q:base, fragment stripped); the names Qwik's inline
// preloader lists resolve against q:base too, and the page's scripts carry
// it as their runtime base.
func TestIslandsAndHandlers(t *testing.T) {
	_, astro := build(t, "astro", "index.html")
	status, _ := build(t, "astro", "_astro/Status.*.js")
	client, _ := build(t, "astro", "_astro/client.*.js")
	ls := extractAll(t, HTML, "https://example.com/docs/", "", astro)
	wantLinks(t, "Astro", ls, "asset https://example.com/docs/"+status, "asset https://example.com/docs/"+client)

	_, qwik := build(t, "qwik", "index.html")
	ls = extractAll(t, HTML, "https://example.com/", "", qwik)
	var handler string
	for _, a := range strings.Split(qwik, `on:click="`)[1:] {
		handler, _, _ = strings.Cut(a, "#")
	}
	wantLinks(t, "Qwik", ls, "asset https://example.com/build/"+handler+" base https://example.com/build/")
	noLinks(t, "Qwik", ls, "asset https://example.com/q-")
	for _, l := range ls {
		if strings.HasPrefix(l.URL.Path, "/build/") && (l.Base == nil || l.Base.Path != "/build/") {
			t.Errorf("Qwik: %s does not carry q:base", describe(l))
		}
	}
}

func TestAttributeLinks(t *testing.T) {
	page := `<html q:base="/b/"><div data-config="/conf/app.json" data-other="https://other.example/x.js"
data-many="a.js#s1` + "\n" + `a.js#s2 c.css" title="see notes.txt" class="x.js y" onclick="load('z.js')">
<link rel="canonical" href="/docs/page.html"><link rel="icon" href="/favicon.ico">
<meta property="og:url" content="https://example.com/og.html"><img src="/i.png" data-src="/lazy.json?v=2#top">
<a href="/p.html" data-next="next.html">p</a></div></html>`
	got := described(extractAll(t, HTML, "https://example.com/s/index.html", "", page))
	slices.Sort(got)
	want := []string{
		"asset https://example.com/b/a.js base https://example.com/b/",
		"asset https://example.com/b/c.css base https://example.com/b/",
		"asset https://example.com/b/x.js base https://example.com/b/",
		"asset https://example.com/conf/app.json base https://example.com/b/",
		"asset https://example.com/lazy.json?v=2 base https://example.com/b/",
		"page https://example.com/b/next.html",
		"page https://example.com/docs/page.html",
		"page https://example.com/og.html",
		"page https://example.com/p.html",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n %s\nwant\n %s", strings.Join(got, "\n "), strings.Join(want, "\n "))
	}
}

// TestRuntimeBases: bundle names resolve against the base the runtime
// declares: Nuxt's buildAssetsDir in its inline config (the page's
// scripts carry it, and its build id names the app manifest), Vite's base
// in its preload helper, or the part of the chunk's URL above the folder
// the name starts with.
func TestRuntimeBases(t *testing.T) {
	_, page := build(t, "nuxt", "index.html")
	meta, _ := build(t, "nuxt", "_nuxt/builds/meta/*.json")
	ls := extractAll(t, HTML, "https://example.com/", "", page)
	wantLinks(t, "Nuxt page", ls, "asset https://example.com/"+meta+" base https://example.com/_nuxt/")
	for _, l := range ls {
		if strings.HasPrefix(l.URL.Path, "/_nuxt/") && (l.Base == nil || l.Base.Path != "/_nuxt/") {
			t.Errorf("Nuxt: %s does not carry buildAssetsDir", describe(l))
		}
	}
	var entry, body string
	for _, l := range ls {
		if strings.HasPrefix(l.URL.Path, "/_nuxt/") && strings.HasSuffix(l.URL.Path, ".js") {
			if name, b := build(t, "nuxt", strings.TrimPrefix(l.URL.Path, "/")); strings.Contains(b, "builds/latest.json") {
				entry, body = name, b
			}
		}
	}
	ls = extractAll(t, JS, "https://example.com/"+entry, "https://example.com/_nuxt/", body)
	wantLinks(t, "Nuxt entry", ls, "asset https://example.com/_nuxt/builds/latest.json base https://example.com/_nuxt/")
	noLinks(t, "Nuxt entry", ls, "asset https://example.com/builds/")

	vite := `const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/a-1.js","b-2.css"])))=>i.map(i=>d[i]);` +
		`fetch("api/settings");const p="modulepreload",v=function(l){return"/app/"+l},d={};`
	ls = extractAll(t, JS, "https://example.com/app/js/index.js", "", vite)
	wantLinks(t, "Vite base", ls, "asset https://example.com/app/assets/a-1.js base https://example.com/app/",
		"asset https://example.com/app/b-2.css base https://example.com/app/", "asset https://example.com/api/settings base https://example.com/app/")

	astro := `import{_ as i}from"./preload-helper.js";i(()=>import("./Chart.js"),__vite__mapDeps([0]));m.f=["_astro/Chart.css","_astro/x/y.js"]`
	ls = extractAll(t, JS, "https://example.com/docs/_astro/Status.js", "", astro)
	wantLinks(t, "Vite base from the chunk's URL", ls, "asset https://example.com/docs/_astro/Chart.css", "asset https://example.com/docs/_astro/x/y.js")
}

// TestInlineScriptMaps: an inline script's sourceMappingURL is relative to
// where the page's bundles live, not to the page's folder.
func TestInlineScriptMaps(t *testing.T) {
	_, page := build(t, "astro", "guide/index.html")
	m, _ := build(t, "astro", "_astro/index.astro_*.js.map")
	ls := extractAll(t, HTML, "https://example.com/docs/guide/", "", page)
	wantLinks(t, "Astro", ls, "asset https://example.com/docs/"+m)
	noLinks(t, "Astro", ls, "asset https://example.com/docs/guide/")
	// Without scripts to tell, the page's folder; with a declared base, that.
	inline := `<script>x()//# sourceMappingURL=a.js.map` + "\n</script>"
	wantLinks(t, "no scripts", extractAll(t, HTML, "https://example.com/p/", "", inline), "asset https://example.com/p/a.js.map")
	wantLinks(t, "q:base", extractAll(t, HTML, "https://example.com/p/", "", `<html q:base="/build/">`+inline),
		"asset https://example.com/build/a.js.map base https://example.com/build/")
}

// TestRouteManifests: pages no link names, and their data, listed in React
// Router's route manifest, VitePress's page hash map (and hashmap.json),
// Nuxt's app manifest and Qwik City's route table; and quoted .html paths
// in JavaScript (a search index).
func TestRouteManifests(t *testing.T) {
	name, rr := build(t, "react-router", "assets/manifest-*.js")
	ls := extractAll(t, JS, "https://example.com/"+name, "", rr)
	wantLinks(t, "React Router", ls, "page https://example.com/ops/status", "asset https://example.com/ops/status.data",
		"page https://example.com/admin", "page https://example.com/")
	noLinks(t, "React Router", ls, "asset https://example.com/admin.data", "asset https://example.com/_root.data")

	_, vp := build(t, "vitepress", "index.html")
	chunk, _ := build(t, "vitepress", "assets/internal_release.md.????????.js")
	ls = extractAll(t, HTML, "https://example.com/handbook/", "", vp)
	wantLinks(t, "VitePress", ls, "asset https://example.com/handbook/"+chunk, "page https://example.com/handbook/internal/release.html",
		"page https://example.com/handbook/guide/", "page https://example.com/handbook/")
	_, hashmap := build(t, "vitepress", "hashmap.json")
	ls = extractAll(t, JSON, "https://example.com/handbook/hashmap.json", "", hashmap)
	wantLinks(t, "hashmap.json", ls, "asset https://example.com/handbook/"+chunk, "page https://example.com/handbook/internal/release.html")
	clean := `window.__VP_HASH_MAP__ = JSON.parse('{"a_b.md":"x1","a_index.md":"y2"}');window.__VP_SITE_DATA__=JSON.parse("{\"base\":\"/d/\",\"cleanUrls\":true}")`
	wantLinks(t, "VitePress cleanUrls", extractAll(t, JS, "https://example.com/d/assets/chunks/metadata.js", "", clean),
		"page https://example.com/d/a/b", "page https://example.com/d/a/", "asset https://example.com/d/assets/a_b.md.x1.js")

	_, search := build(t, "vitepress", "assets/chunks/@localSearchIndexroot.*.js")
	wantLinks(t, "search index", extractAll(t, JS, "https://example.com/handbook/assets/chunks/s.js", "", search),
		"page https://example.com/handbook/internal/release.html")

	name, meta := build(t, "nuxt", "_nuxt/builds/meta/*.json")
	wantLinks(t, "Nuxt", extractAll(t, JSON, "https://example.com/"+name, "", meta),
		"page https://example.com/internal", "asset https://example.com/internal/_payload.json", "asset https://example.com/_payload.json")

	var plan string
	ms, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "frameworks", "qwik", "site", "build", "q-*.js"))
	for _, m := range ms {
		if b, _ := os.ReadFile(m); strings.Contains(string(b), `",[()=>`) {
			plan = string(b)
		}
	}
	wantLinks(t, "Qwik City", extractAll(t, JS, "https://example.com/build/q-plan.js", "https://example.com/build/", plan),
		"page https://example.com/internal/", "asset https://example.com/internal/q-data.json base https://example.com/build/",
		"page https://example.com/", "asset https://example.com/q-data.json base https://example.com/build/")
}

// TestManifestsAreBounded: a route manifest read across many passes of the
// extractor is read whole; one over maxCapture is dropped and reported; a
// route table keeps maxQwikRoutes routes and says how many more it held.
func TestManifestsAreBounded(t *testing.T) {
	manifest := func(n int) string {
		var b strings.Builder
		b.WriteString(`window.__reactRouterManifest={"routes":{"root":{"id":"root","path":""}`)
		for i := range n {
			fmt.Fprintf(&b, `,"r%d":{"id":"r%d","parentId":"root","path":"p%d","hasLoader":true,"module":"/assets/p%d.js","imports":["/assets/x.js"]}`, i, i, i, i)
		}
		b.WriteString(`}};`)
		return b.String()
	}
	big := manifest(1500) // 190 KB: three passes
	ls := extractAll(t, JS, "https://example.com/assets/manifest.js", "", big)
	wantLinks(t, "1,500 routes", ls, "page https://example.com/p0", "page https://example.com/p1499", "asset https://example.com/p1499.data")
	huge := manifest(12000) // 1.5 MB
	e := NewExtractor(JS, mustURL(t, "https://example.com/assets/manifest.js"), nil)
	e.Write([]byte(huge))
	ls, warns := e.Close()
	noLinks(t, "over maxCapture", ls, "page ")
	if !slices.ContainsFunc(warns, func(w string) bool { return strings.Contains(w, "not read") }) {
		t.Errorf("a manifest over %d bytes is not reported: %q", maxCapture, warns)
	}
	// A Qwik City route table of more routes than are kept.
	var plan strings.Builder
	plan.WriteString("const o=[")
	for i := range maxQwikRoutes + 500 {
		fmt.Fprintf(&plan, `["r%d/",[()=>0]],`, i)
	}
	plan.WriteString("];")
	e = NewExtractor(JS, mustURL(t, "https://example.com/build/q-plan.js"), nil)
	e.Write([]byte(plan.String()))
	ls, warns = e.Close()
	pages := 0
	for _, l := range ls {
		if l.Kind == Page {
			pages++
		}
	}
	// Each route is a page and its data: MaxLinks links in all.
	if pages != MaxLinks/2 || !slices.ContainsFunc(warns, func(w string) bool { return strings.Contains(w, "route table: 500 more were not followed") }) {
		t.Errorf("%d routes followed, warnings %q", pages, warns)
	}
}

// TestAttributeLinksAreCapped: a page of a million attributes naming
// distinct paths follows maxAttrLinks of them and says so.
func TestAttributeLinksAreCapped(t *testing.T) {
	e := NewExtractor(HTML, mustURL(t, "https://example.com/"), nil)
	for i := range 1000 {
		var b strings.Builder
		b.WriteString("<div")
		for j := range 1000 {
			fmt.Fprintf(&b, ` a%d="/c%d-%d.js"`, j, i, j)
		}
		b.WriteString("></div>")
		e.Write([]byte(b.String()))
	}
	ls, warns := e.Close()
	if len(ls) != maxAttrLinks || !slices.ContainsFunc(warns, func(w string) bool { return strings.Contains(w, "element attributes") }) {
		t.Errorf("%d links, warnings %q", len(ls), warns)
	}
}
