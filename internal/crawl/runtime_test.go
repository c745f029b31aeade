package crawl

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRuntimeCalls(t *testing.T) {
	js := `fetch("/api/settings");fetch('config/app');fetch(` + "`/api/env`" + `);fetch(` + "`/api/${env}`" + `);` +
		`new Request("/r");x.open("GET","/xhr/data");navigator.serviceWorker.register("/sw.js");importScripts("./lib.js");` +
		`new Worker(new URL("./w.js",import.meta.url));new SharedWorker("shared.js");axios.get("/v1/user");o.Z.post("/v1/save");` +
		`m.get("id");params.get("/not/a/request/either");$.getJSON("/legacy.json");ky("/ky");ofetch("/of");$fetch("/nuxt");` +
		`console.log("/nope");fetch("https://other.example/x");fetch("#frag");`
	got := slices.Compact(extract(t, JS, "https://example.com/static/js/main.js", js, 7)) // the frontier drops repeats
	want := []string{
		"asset https://example.com/api/env", "asset https://example.com/api/settings", "asset https://example.com/config/app",
		"asset https://example.com/ky", "asset https://example.com/legacy.json", "asset https://example.com/not/a/request/either",
		"asset https://example.com/nuxt", "asset https://example.com/of", "asset https://example.com/r",
		"asset https://example.com/shared.js", "asset https://example.com/static/js/lib.js", "asset https://example.com/static/js/w.js",
		"asset https://example.com/sw.js", "asset https://example.com/v1/save", "asset https://example.com/v1/user",
		"asset https://example.com/xhr/data", "asset https://other.example/x",
	}
	if !slices.Equal(got, want) {
		t.Errorf("links:\n %s\nwant\n %s", strings.Join(got, "\n "), strings.Join(want, "\n "))
	}
}

// TestWebpackChunkMaps reads the runtimes of real webpack builds
// (testdata/bundlers) and names every chunk and its source map.
func TestWebpackChunkMaps(t *testing.T) {
	for _, c := range []struct{ dir string }{{"webpack5"}, {"webpack5-unminified"}, {"webpack4"}} {
		dir := filepath.Join("..", "..", "testdata", "bundlers", c.dir, "static", "js")
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var main string
		var want []string
		for _, e := range ents {
			n := e.Name()
			switch {
			case strings.HasPrefix(n, "main.") && strings.HasSuffix(n, ".js"):
				main = n
			case strings.HasSuffix(n, ".chunk.js") || strings.HasSuffix(n, ".chunk.js.map"):
				want = append(want, "asset https://example.com/static/js/"+n)
			}
		}
		b, _ := os.ReadFile(filepath.Join(dir, main))
		for _, piece := range []int{len(b), 100, 7} {
			got := extract(t, JS, "https://example.com/static/js/"+main, string(b), piece)
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("%s in pieces of %d: %s not named (got %v)", c.dir, piece, w, got)
				}
			}
		}
	}
	// A chunk map after a public path on a CDN path, and one that is no
	// chunk map at all.
	js := `r.p="/assets/";r.u=e=>"js/"+({1:"a",2:"b"}[e]||e)+"."+{1:"11aa22bb",2:"33cc44dd",3:"55ee66ff"}[e]+".js";const x={a:"b"}[k];`
	got := extract(t, JS, "https://example.com/assets/js/runtime.js", js, 11)
	for _, w := range []string{"asset https://example.com/assets/js/a.11aa22bb.js", "asset https://example.com/assets/js/b.33cc44dd.js",
		"asset https://example.com/assets/js/3.55ee66ff.js", "asset https://example.com/assets/js/3.55ee66ff.js.map"} {
		if !slices.Contains(got, w) {
			t.Errorf("%s not named: %v", w, got)
		}
	}
}

func TestManifests(t *testing.T) {
	next, err := os.ReadFile(filepath.Join("..", "..", "testdata", "bundlers", "nextjs-turbopack", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	got := extract(t, HTML, "https://example.com/", string(next), 4096)
	for _, w := range []string{"asset https://example.com/_next/static/chunks/3qfy96eoyh-ek.js",
		"asset https://example.com/_next/static/LHCuDtqI8laUu4tg5568c/_buildManifest.js"} {
		if !slices.Contains(got, w) {
			t.Errorf("Next.js page data: %s not named", w)
		}
	}
	chunk := `(globalThis.TURBOPACK||(globalThis.TURBOPACK=[])).push([1,e=>{e.v(t=>Promise.all(["static/chunks/32-q88643hpht.js"].map(t=>e.l(t))))}]);`
	got = extract(t, JS, "https://example.com/docs/_next/static/chunks/30blmofaihkje.js", chunk, 9)
	if !slices.Contains(got, "asset https://example.com/docs/_next/static/chunks/32-q88643hpht.js") {
		t.Errorf("Turbopack chunk relative to the chunk base path: %v", got)
	}
	sw := `self.__WB_MANIFEST=[{revision:"3f2a",url:"index.html"},{"revision":"9c1b","url":"/api/bootstrap"},{url:"fonts/a.woff2",revision:null}];`
	got = extract(t, JS, "https://example.com/sw.js", sw, 13)
	for _, w := range []string{"asset https://example.com/index.html", "asset https://example.com/api/bootstrap", "asset https://example.com/fonts/a.woff2"} {
		if !slices.Contains(got, w) {
			t.Errorf("Workbox precache: %s not named: %v", w, got)
		}
	}
	got = extract(t, JS, "https://example.com/assets/index-x.js", `window.dispatchEvent(new Event("vite:preloadError"))`, 5)
	if !slices.Contains(got, "asset https://example.com/.vite/manifest.json") {
		t.Errorf("Vite: the build manifest is not guessed: %v", got)
	}
}
