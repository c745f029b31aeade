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
	for i := max(from, 1); i < limit; {
		j := textMarks.Index3(b[i:min(limit+2, len(b))])
		if j < 0 {
			break
		}
		k := i + j
		i = k + 1
		switch string(b[k : k+3]) {
		case "_ne":
			e.nextPath(b, k-1, "/_next/static/")
		case "c/c":
			e.nextPath(b, k-5, "static/chunks/")
		case "l:\"", "l\":":
			e.workbox(b, k)
		case "e:p":
			if !e.vite && k >= 3 && bytes.HasPrefix(b[k-3:], []byte("vite:preloadError")) {
				e.vite = true
				e.add("/.vite/manifest.json", true, "Vite build manifest")
			}
		case "\"}[", "'}[":
			e.chunks.mapAt(b, k+1)
		case ".p=", ".p ":
			e.chunks.publicPathAt(b, k)
		}
	}
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
		e.add(lit, true, "Workbox precache")
	}
}
