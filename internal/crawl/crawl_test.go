package crawl

import (
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
	e := NewExtractor(c, mustURL(t, base))
	for b := []byte(body); len(b) > 0; {
		n := min(piece, len(b))
		e.Write(b[:n])
		b = b[n:]
	}
	var out []string
	for _, l := range e.Close() {
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
		{"https://x/app.wasm", "application/wasm", Binary},
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
		{link("https://evil.com/x", Page), 0, "host evil.com", false},
		{link("https://evil.com@example.com.evil.com/x", Page), 0, "host example.com.evil.com", false},
		{link("https://cdn.example.net/lib.js", Asset), 0, "", false},
		{link("https://example.com/private/key.json", Asset), 0, "--include/--exclude", false},
		{link("https://example.com/p1", Page), 0, "", false},
		{link("https://example.com/p2", Page), 1, "beyond --depth 1", false},
		{link("https://example.com/p1.js", Asset), 1, "over --max-urls 4", false},
	}
	for i, c := range cases {
		d := f.Admit(c.l, c.depth)
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
