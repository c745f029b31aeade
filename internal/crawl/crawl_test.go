package crawl

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func extract(t *testing.T, c Content, base, body string, piece int) []string {
	e := NewExtractor(c, mustURL(t, base), nil)
	for b := []byte(body); len(b) > 0; {
		n := min(piece, len(b))
		e.Write(b[:n])
		b = b[n:]
	}
	var out []string
	ls, _ := e.Close()
	for _, l := range ls {
		k := "asset"
		if l.Kind == Page {
			k = "page"
		}
		out = append(out, k+" "+l.URL.String())
	}
	slices.Sort(out)
	return out
}

func TestHTMLLinks(t *testing.T) {
	page := `<!doctype html><html><head>
<link rel="stylesheet" href="/css/site.css"><link rel="preload" as="fetch" href="config.json">
<link rel="modulepreload" href="./m.js"><link rel="icon" href="/favicon.ico"><link rel="manifest" href="/app.webmanifest">
<script src="https://example.com/vendor.js"></script>
<script type="module">import("./chunk-a.js"); //# sourceMappingURL=inline.js.map
</script>
<style>@import url("theme.css");</style>
<!-- <a href="/commented.html">not a link</a> -->
</head><body><a href="/docs/">docs</a> <a href="#top">top</a> <a href="mailto:x@y">m</a>
<a href="javascript:void(0)">j</a><iframe src="/embed.html"></iframe>
<form action="/search"></form><form method="post" action="/login"></form>
<a href="https://other.example/x">x</a></body></html>`
	want := []string{
		"asset https://example.com/app.webmanifest",
		"asset https://example.com/css/site.css",
		"asset https://example.com/site/chunk-a.js",
		"asset https://example.com/site/config.json",
		"asset https://example.com/site/inline.js.map",
		"asset https://example.com/site/m.js",
		"asset https://example.com/site/theme.css",
		"asset https://example.com/vendor.js",
		"page https://example.com/docs/",
		"page https://example.com/embed.html",
		"page https://example.com/search",
		"page https://other.example/x",
	}
	for _, piece := range []int{1 << 20, 7, 1} {
		got := extract(t, HTML, "https://example.com/site/index.html", page, piece)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("pieces of %d:\n got %s\nwant %s", piece, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
		}
	}
}

func TestHTMLBaseHref(t *testing.T) {
	got := extract(t, HTML, "https://example.com/a/b.html", `<base href="/static/"><script src="app.js"></script>`, 100)
	if len(got) != 1 || got[0] != "asset https://example.com/static/app.js" {
		t.Errorf("got %v", got)
	}
}

func TestJavaScriptLinks(t *testing.T) {
	js := `import{a as b}from"./vendor-1a2b.js";import "./side.mjs";const c=()=>import("./chunk-9f8e.js");` +
		`__vitePreload(()=>import("./Page.js"),["assets/Page-x.js","assets/Page-x.css"]);` +
		`n.u=e=>"static/js/"+e+".chunk.js";var u="https://cdn.example.net/lib.js";const ext=".js";` +
		`fetch("/api/config.json?v=3");x="not a path.js here";` + "\n//# sourceMappingURL=app.js.map\n"
	want := []string{
		"asset https://cdn.example.net/lib.js",
		"asset https://example.com/api/config.json?v=3",
		"asset https://example.com/assets/Page-x.css",
		"asset https://example.com/assets/Page-x.js",
		"asset https://example.com/assets/Page.js",
		"asset https://example.com/assets/app.js.map",
		"asset https://example.com/assets/chunk-9f8e.js",
		"asset https://example.com/assets/side.mjs",
		"asset https://example.com/assets/vendor-1a2b.js",
	}
	for _, piece := range []int{1 << 20, 5} {
		got := extract(t, JS, "https://example.com/assets/index.js", js, piece)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("pieces of %d:\n got %s\nwant %s", piece, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
		}
	}
}

func TestCSSLinks(t *testing.T) {
	css := `@import "base.css";@import url(print.css) print;body{background:url(bg.png)}` + "\n/*# sourceMappingURL=site.css.map */"
	got := extract(t, CSS, "https://example.com/css/site.css", css, 3)
	want := []string{"asset https://example.com/css/base.css", "asset https://example.com/css/print.css", "asset https://example.com/css/site.css.map"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %v", got)
	}
}

func TestRobotsAndSitemap(t *testing.T) {
	robots := "User-agent: *\nDisallow: /staging/\nDisallow: /*.pdf$\nAllow: /public\nSitemap: https://example.com/sitemap.xml\n# Disallow: /commented"
	got := extract(t, Robots, "https://example.com/robots.txt", robots, 4)
	want := []string{"page https://example.com/public", "page https://example.com/sitemap.xml", "page https://example.com/staging/"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("robots: got %v", got)
	}
	sm := `<?xml version="1.0"?><urlset><url><loc>https://example.com/a?x=1&amp;y=2</loc></url><url><loc>/b</loc></url></urlset>`
	got = extract(t, Sitemap, "https://example.com/sitemap.xml", sm, 6)
	want = []string{"page https://example.com/a?x=1&y=2", "page https://example.com/b"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sitemap: got %v", got)
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		url, ctype string
		want       Content
	}{
		{"https://x/", "text/html; charset=utf-8", HTML},
		{"https://x/a.js", "application/javascript", JS},
		{"https://x/a.js", "application/octet-stream", JS},
		{"https://x/a.js.map", "application/json", SourceMap},
		{"https://x/a.css", "", CSS},
		{"https://x/m.webmanifest", "application/manifest+json", JSON},
		{"https://x/logo.png", "image/png", Binary},
		{"https://x/logo.svg", "image/svg+xml", Text},
		{"https://x/f.woff2", "", Binary},
		{"https://x/robots.txt", "text/plain", Robots},
		{"https://x/sitemap.xml", "application/xml", Sitemap},
		{"https://x/build.log", "text/plain", Text},
		{"https://x/app.wasm", "application/wasm", Wasm},
		{"https://x/pkg/foo_bg.wasm", "", Wasm},
		{"https://x/pkg/foo_bg.wasm", "application/octet-stream", Wasm},
	}
	for _, c := range cases {
		if got := Classify(mustURL(t, c.url), c.ctype); got != c.want {
			t.Errorf("Classify(%s, %q) = %v, want %v", c.url, c.ctype, got, c.want)
		}
	}
}

func TestSourceMapIndex(t *testing.T) {
	sm := `{"version":3,"sources":["webpack:\/\/app\/src\/config.ts","src/b.ts"],"names":[],"sourcesContent":[null,"const b = \"X\";\n"],"mappings":"AAAA"}`
	idx := NewSourceMapIndex()
	for b := []byte(sm); len(b) > 0; b = b[1:] {
		idx.Write(b[:1])
	}
	at := int64(strings.Index(sm, `X\"`))
	if src, line, ok := idx.Source(at); !ok || src != "src/b.ts" || line != 1 {
		t.Errorf("Source(%d) = %q %d %v", at, src, line, ok)
	}
	if _, _, ok := idx.Source(int64(strings.Index(sm, "mappings"))); ok {
		t.Error("an offset outside sourcesContent named a source")
	}
	sm2 := `{"sourcesContent":["a"],"sources":["first.ts"]}`
	idx = NewSourceMapIndex()
	idx.Write([]byte(sm2))
	if src, _, ok := idx.Source(int64(strings.Index(sm2, `"a"`) + 1)); !ok || src != "first.ts" {
		t.Errorf("sources after sourcesContent: %q %v", src, ok)
	}
	sm3 := `{"sources":["c.ts"],"sourcesContent":["line1\nline2\n\nTOKEN here\n"]}`
	idx = NewSourceMapIndex()
	idx.Write([]byte(sm3))
	if _, line, _ := idx.Source(int64(strings.Index(sm3, "TOKEN"))); line != 4 {
		t.Errorf("line in the original source: %d, want 4", line)
	}
}

func TestFrontier(t *testing.T) {
	start := mustURL(t, "https://example.com:443/")
	f := NewFrontier(Options{Depth: 1, MaxURLs: 4, AllowHosts: []string{"cdn.example.net"}, Exclude: []string{"private/**"}}, []*url.URL{start})
	link := func(s string, k Kind) Link { return Link{URL: mustURL(t, s), Kind: k} }
	cases := []struct {
		l     Link
		depth int
		skip  string
		dup   bool
	}{
		{link("https://EXAMPLE.com/#frag", Page), 0, "", true},
		{link("https://example.com/a.js", Asset), 0, "", false},
		{link("https://example.com:443/a.js#x", Asset), 0, "", true},
		{link("https://evil.com/x", Page), 0, "origin https://evil.com:443", false},
		{link("https://evil.com@example.com.evil.com/x", Page), 0, "credentials", false},
		{link("https://example.com.evil.com/x", Page), 0, "origin https://example.com.evil.com:443", false},
		{link("https://cdn.example.net/lib.js", Asset), 0, "", false},
		{link("https://example.com/private/key.json", Asset), 0, "--include/--exclude", false},
		{link("https://example.com/p1", Page), 0, "", false},
		{link("https://example.com/p2", Page), 1, "beyond --depth 1", false},
		{link("https://example.com/p1.js", Asset), 1, "over --max-urls 4", false},
	}
	for i, c := range cases {
		d := f.Admit(c.l, start, c.depth)
		if d.Dup != c.dup || (c.skip == "") != (d.Skip == "") || !strings.Contains(d.Skip, c.skip) {
			t.Errorf("case %d %s: %+v, want skip %q dup %v", i, c.l.URL, d, c.skip, c.dup)
		}
	}
	if !f.LimitHit() {
		t.Error("LimitHit false after a URL went over --max-urls")
	}
	if Normalize(mustURL(t, "HTTP://Example.COM:80")) != "http://example.com/" {
		t.Errorf("Normalize: %s", Normalize(mustURL(t, "HTTP://Example.COM:80")))
	}
	if !Match(nil, []string{"**/*.map"}, "/a/b.js") || Match(nil, []string{"**/*.map"}, "/a/b.js.map") || !Match([]string{"/static/**"}, nil, "/static/x.js") {
		t.Error("Match globs on URL paths")
	}
}

// TestScopeIsTheOrigin: from http://127.0.0.1:A/ nothing on another port
// is in scope, nor http from https, nor a URL with credentials or a token;
// --allow-host host means the default ports, host:port that port; headers
// go only to origins in scope, and in clear only to an http start origin.
func TestScopeIsTheOrigin(t *testing.T) {
	a := mustURL(t, "http://127.0.0.1:8001/")
	s := mustURL(t, "https://secure.example/")
	f := NewFrontier(Options{Depth: 2, MaxURLs: 100, AllowHosts: []string{"cdn.example", "127.0.0.1:9000"}}, []*url.URL{a, s})
	tok := "c" + "io" + strings.Repeat("Ab1", 10) + "Zz"
	cases := []struct {
		u, from string
		in      bool
		headers bool
	}{
		{"http://127.0.0.1:8001/x.js", "http://127.0.0.1:8001/", true, true},
		{"http://127.0.0.1:8002/x.js", "http://127.0.0.1:8001/", false, false}, // another port
		{"http://localhost:8001/x.js", "http://127.0.0.1:8001/", false, false}, // another host name
		{"https://127.0.0.1:8001/x.js", "http://127.0.0.1:8001/", false, false},
		{"http://127.0.0.1:9000/x.js", "http://127.0.0.1:8001/", true, false}, // allowed, but in clear: no headers
		{"https://127.0.0.1:9000/x.js", "http://127.0.0.1:8001/", true, true}, // allowed host:port, either scheme
		{"https://secure.example/app.js", "https://secure.example/", true, true},
		{"http://secure.example/app.js", "https://secure.example/", false, false}, // downgrade
		{"https://cdn.example/lib.js", "https://secure.example/", true, true},
		{"https://cdn.example:8443/lib.js", "https://secure.example/", false, false}, // not a default port
		{"http://cdn.example/lib.js", "https://secure.example/", false, false},       // downgrade
		{"http://u:p@127.0.0.1:8001/", "http://127.0.0.1:8001/", false, false},
		{"http://127.0.0.1:8001/cb?t=" + tok, "http://127.0.0.1:8001/", false, false},
		{"http://127.0.0.1:8001/cb?t=%63io" + tok[3:], "http://127.0.0.1:8001/", false, false},
		{"ftp://127.0.0.1:8001/", "http://127.0.0.1:8001/", false, false},
	}
	for _, c := range cases {
		u := mustURL(t, c.u)
		if got := f.InScope(u, mustURL(t, c.from)) == ""; got != c.in {
			t.Errorf("InScope(%s from %s) = %v, want %v (%s)", c.u, c.from, got, c.in, f.InScope(u, mustURL(t, c.from)))
		}
		if got := f.HeadersFor(u); got != c.headers {
			t.Errorf("HeadersFor(%s) = %v, want %v", c.u, got, c.headers)
		}
	}
}

func TestFrontierRemembersABoundedNumberOfURLs(t *testing.T) {
	start := mustURL(t, "https://example.com/")
	f := NewFrontier(Options{Depth: 5, MaxURLs: 10, MaxDecided: 100}, []*url.URL{start})
	for i := 0; i < 1000; i++ {
		f.Admit(Link{URL: mustURL(t, fmt.Sprintf("https://example.com/p%d", i)), Kind: Page}, start, 0)
	}
	if len(f.seen) != 100 || f.Dropped() != 901 {
		t.Errorf("%d URLs remembered, %d dropped; want 100 and 901", len(f.seen), f.Dropped())
	}
}

// TestRefuseDecidesOnce: a URL refused is never fetched after (a link to
// it later is a duplicate); one decided before stays as it was.
func TestRefuseDecidesOnce(t *testing.T) {
	start := mustURL(t, "https://example.com/")
	f := NewFrontier(Options{Depth: 2, MaxURLs: 10}, []*url.URL{start})
	if d := f.Refuse(mustURL(t, "https://example.com/submit#x"), "posted"); d.Dup || d.Skip != "posted" || d.URL != "https://example.com/submit" {
		t.Errorf("refused: %+v", d)
	}
	if d := f.Admit(Link{URL: mustURL(t, "https://EXAMPLE.com/submit"), Kind: Page}, start, 0); !d.Dup {
		t.Errorf("a link to a refused URL: %+v", d)
	}
	f.Admit(Link{URL: mustURL(t, "https://example.com/seen"), Kind: Page}, start, 0)
	if d := f.Refuse(mustURL(t, "https://example.com/seen"), "posted"); !d.Dup {
		t.Errorf("refusing a URL decided before: %+v", d)
	}
}

func TestExtractorsAreCapped(t *testing.T) {
	var b strings.Builder
	for i := 0; i < MaxLinks+500; i++ {
		fmt.Fprintf(&b, `<a href="/p%d">x</a>"/c%d.js",`, i, i)
	}
	for _, c := range []Content{HTML, JS} {
		e := NewExtractor(c, mustURL(t, "https://example.com/"), nil)
		e.Write([]byte(b.String()))
		ls, warns := e.Close()
		if len(ls) != MaxLinks || len(warns) != 1 || !strings.Contains(warns[0], "were not followed") {
			t.Errorf("%v: %d links, warnings %q", c, len(ls), warns)
		}
	}
	// A 3 MiB attribute is passed over, and the links after it are found.
	page := `<a href="/before">b</a><div data-x="` + strings.Repeat("x", 3<<20) + `"></div><a href="/after">a</a>`
	e := NewExtractor(HTML, mustURL(t, "https://example.com/"), nil)
	for p := []byte(page); len(p) > 0; p = p[min(len(p), 32<<10):] {
		e.Write(p[:min(len(p), 32<<10)])
	}
	ls, warns := e.Close()
	var got []string
	for _, l := range ls {
		got = append(got, l.URL.Path)
	}
	if !slices.Contains(got, "/before") || !slices.Contains(got, "/after") || len(warns) != 1 {
		t.Errorf("links %v, warnings %q", got, warns)
	}
}

func TestSourceMapMappings(t *testing.T) {
	// Line 1: segments at columns 0 (src 0, line 0), 10 (src 1, line 4),
	// 20 (src 1, line 6); line 2: column 0 (src 0, line 6+2). Places on
	// line 3 have no segment.
	sm := `{"version":3,"sourceRoot":"app/","sources":["a.ts","b.ts"],"mappings":"AAAA,UCIA,UAEA;ADEA"}`
	idx := NewSourceMapIndex()
	idx.Want([]Pos{{1, 5}, {1, 15}, {1, 30}, {2, 3}, {3, 1}})
	for b := []byte(sm); len(b) > 0; b = b[min(len(b), 7):] {
		idx.Write(b[:min(len(b), 7)])
	}
	got := fmt.Sprint(idx.Resolve())
	want := "[{{1 5} app/a.ts 1} {{1 15} app/b.ts 5} {{1 30} app/b.ts 7} {{2 3} app/a.ts 9}]"
	if got != want {
		t.Errorf("Resolve = %s\nwant      %s", got, want)
	}
}

func TestSourceMapIndexIsBounded(t *testing.T) {
	// 200,000 sources of 64 bytes (12.8 MB of names) and 400,000 empty
	// sourcesContent strings: the index keeps 4 MiB of names and a window
	// of ranges.
	idx := NewSourceMapIndex()
	idx.Write([]byte(`{"sources":[`))
	name := `"` + strings.Repeat("n", 62) + `",`
	for i := 0; i < 200000; i++ {
		idx.Write([]byte(name))
	}
	idx.Write([]byte(`"last"],"sourcesContent":[`))
	for i := 0; i < 400000; i++ {
		idx.Write([]byte(`"",`))
	}
	idx.Write([]byte(`""]}`))
	if idx.sourceBytes > maxSourceBytes || len(idx.ranges) > 200000 || len(idx.Warnings()) != 1 {
		t.Errorf("kept %d bytes of names, %d ranges, warnings %q", idx.sourceBytes, len(idx.ranges), idx.Warnings())
	}
}
