package crawl

import (
	"bytes"
	"strings"

	"github.com/cratesguard/cratesguard/internal/simd"
)

// marks mines the lists of files apps load that are not plain string
// literals: Next.js's page data (self.__next_f flight chunks, whose paths
// sit in escaped strings: \"/_next/static/chunks/x.js\", and the build id
// that names /_next/static/<id>/_buildManifest.js), Workbox's precache list
// ({url:"…",revision:"…"}: every file of the app, whatever its
// extension), and Vite's build manifest, guessed where Vite's preload
// helper runs.
func (e *textExtractor) marks(from, limit int) {
	b := e.buf
	// One vector search for a rare three bytes of each mark; the mark
	// itself is checked where one is found.
	eachMark(textMarks, b, max(from, 1), limit, func(k int) {
		switch string(b[k : k+3]) {
		case "_ne":
			e.nextPath(b, k-1, "/_next/static/")
		case "c/c":
			e.nextPath(b, k-5, "static/chunks/")
		case "l:\"", "l\":":
			e.workbox(b, k)
		case "e:p":
			if k >= 3 && bytes.HasPrefix(b[k-3:], []byte("vite:preloadError")) {
				e.vite = true // its build manifest is guessed (Close)
			}
		case "\"}[", "'}[":
			e.chunks.mapAt(b, k+1)
		case ".p=", ".p ":
			e.chunks.publicPathAt(b, k)
		}
	})
	if e.sawNext && !e.buildID {
		for _, key := range [][]byte{[]byte(`"buildId":"`), []byte(`\"b\":\"`)} {
			if j := bytes.Index(b[from:limit], key); j >= 0 {
				k := from + j + len(key)
				end := k
				for end < len(b) && end-k < 64 && (isIdent(b[end]) || b[end] == '-') {
					end++
				}
				if id := string(b[k:end]); len(id) >= 8 {
					e.buildID = true
					for _, f := range []string{"_buildManifest.js", "_ssgManifest.js"} {
						e.add("/_next/static/"+id+"/"+f, true, "Next.js build id")
					}
				}
			}
		}
	}
}

// textMarks are rare three bytes of what marks looks for: /_next/static/,
// static/chunks/, url:" and "url":" (near "revision"), vite:preloadError,
// the end of a chunk map ("}[) and webpack's public path (.p=).
var textMarks = simd.NewPatterns(
	[3]byte{'_', 'n', 'e'}, [3]byte{'c', '/', 'c'}, [3]byte{'l', ':', '"'}, [3]byte{'l', '"', ':'}, [3]byte{'e', ':', 'p'},
	[3]byte{'"', '}', '['}, [3]byte{'\'', '}', '['}, [3]byte{'.', 'p', '='}, [3]byte{'.', 'p', ' '},
)

// frameworkMarks are rare three bytes of the framework manifests
// (frameworks): Vite's "modulepreload" helper, React Router's and Remix's
// route manifests, VitePress's __VP_ globals, Nuxt's buildAssetsDir, a
// Qwik City route (",[()=>). Their own search: with textMarks, they would
// share its eight buckets, and every candidate would cost a look.
var frameworkMarks = simd.NewPatterns(
	[3]byte{'e', 'p', 'r'}, [3]byte{'n', 'i', 'f'}, [3]byte{'V', 'P', '_'}, [3]byte{'s', 'D', 'i'}, [3]byte{'[', '(', ')'},
)

// frameworkHead is how far into a text framework marks are looked for,
// unless one was found: every framework puts them at the head of what
// holds them (an inline script, a manifest module, a route table's chunk,
// the preload helper near the top of an entry chunk), so a large bundle
// is not searched a second time.
const frameworkHead = 16 << 10

// frameworkMarksAt hands each framework mark in b[from:limit] to its
// reader.
func (e *textExtractor) frameworkMarksAt(from, limit int) {
	b := e.buf
	at := func(k int) {
		switch string(b[k : k+3]) {
		case "epr":
			e.viteBaseAt(b, k)
		case "nif":
			e.reactRouterAt(b, k)
		case "VP_":
			e.vitePressAt(b, k)
		case "sDi":
			e.nuxtConfigAt(b, k)
		case "[()":
			e.qwikRouteAt(b, k)
		}
	}
	head := limit
	if !e.frameworks.seen {
		head = max(from, min(limit, int(frameworkHead-e.off)))
	}
	eachMark(frameworkMarks, b, from, head, at)
	if head < limit && e.frameworks.seen { // found in the head: the rest too
		eachMark(frameworkMarks, b, head, limit, at)
	}
}

// eachMark calls at with the offset of every match of marks in b that
// starts in [from, limit).
func eachMark(marks *simd.Patterns, b []byte, from, limit int, at func(k int)) {
	for i := from; i < limit; {
		j := marks.Index3(b[i:min(limit+2, len(b))])
		if j < 0 {
			return
		}
		at(i + j)
		i += j + 1
	}
}

// viteBaseAt looks at the "epr" of a "modulepreload" at b[k]: where Vite's
// preload helper follows it, the base it prefixes to every dependency's
// name, as in
//
//	const p="modulepreload",v=function(l){return"/docs/"+l}
//
// is the base of the bare names in this chunk ("_astro/x.js").
func (e *textExtractor) viteBaseAt(b []byte, k int) {
	start := k - len("modul")
	if e.viteBase != nil || start < 0 || !bytes.HasPrefix(b[start:], []byte(`modulepreload",`)) {
		return
	}
	near := b[start:min(len(b), start+96)]
	q := -1
	for _, s := range []string{`{return"`, `=>"`} {
		if i := bytes.Index(near, []byte(s)); i >= 0 && (q < 0 || start+i+len(s)-1 < q) {
			q = start + i + len(s) - 1
		}
	}
	if q < 0 {
		return
	}
	v, end, ok := stringAt(b, q)
	if !ok || end >= len(b) || b[end] != '+' || !strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "http") {
		return
	}
	if u, err := e.base.Parse(v); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		e.viteBase, e.frameworks.seen = u, true
		if e.declared == nil {
			e.declared = u
		}
	}
}

// nextPath reads a Next.js path (in page data, a plain or escaped string)
// that starts with marker at b[k].
func (e *textExtractor) nextPath(b []byte, k int, marker string) {
	if k < 0 || !bytes.HasPrefix(b[k:], []byte(marker)) {
		return
	}
	end := k
	for end < len(b) && end-k < 512 && isPathByte(b[end]) {
		end++
	}
	if p := string(b[k:end]); strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css") {
		e.sawNext = true
		e.add(p, true, "Next.js page data")
	}
}

// workbox reads a precache entry's url near b[k] (the "l" of url).
func (e *textExtractor) workbox(b []byte, k int) {
	q := k + 2 // url:"…
	if b[k+1] == '"' {
		if k < 3 || string(b[k-3:k+1]) != `"url` {
			return
		}
		q = k + 3 // "url":"…
	} else if k < 2 || string(b[k-2:k+1]) != "url" {
		return
	}
	if lit, _, ok := stringAt(b, q); ok && bytes.Contains(b[max(0, k-200):min(len(b), k+300)], []byte("revision")) {
		e.addAs(lit, Asset, true, "Workbox precache") // fetched by the service worker
	}
}
