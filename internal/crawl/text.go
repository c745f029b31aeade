package crawl

import (
	"bytes"
	"cmp"
	"net/url"
	"path"
	"strings"

	"github.com/cratesguard/cratesguard/internal/simd"
)

// textExtractor finds links in JavaScript, CSS and JSON without running
// or fully parsing them: sourceMappingURL comments, and string literals
// (or CSS url()/@import targets) that look like paths to scripts, styles,
// source maps, JSON or pages, which covers static and dynamic imports and
// the chunk names bundlers write into their runtimes; and the manifests
// frameworks list their files and pages in (see frameworks).
type textExtractor struct {
	base *url.URL
	css  bool
	// inline marks a script inside a page: its sourceMappingURL is
	// resolved by the page, against where its bundles live (maps).
	inline bool
	maps   []string
	// runtime is the base the page or script that named this one declared
	// for bundle names (Link.Base); declared is the one this text declares
	// itself (Nuxt's inline config, Vite's preload helper), which wins.
	runtime, declared *url.URL
	bare              []bareRef // bare paths, resolved once the bases are known
	chunks            chunkMaps // webpack's chunk maps (JavaScript)
	// What manifests found: a Next.js path, its build id, Vite.
	sawNext, buildID, vite bool
	frameworks
	buf  []byte
	off  int64 // absolute offset of buf[0]
	done int64 // matches ending before this absolute offset were handled
	l    links
	seen map[string]bool
}

// bareRef is a bare path ("assets/x.js", not ./ or / or a URL) waiting for
// its base.
type bareRef struct {
	ref, via string
	kind     Kind
	bundle   bool // a bundle's name, not a runtime request's path
}

const (
	textCarry = 1024     // longest literal considered
	textTail  = 4 << 10  // bytes left undecided at the end of a pass (a chunk map's function)
	textBack  = 64 << 10 // bytes kept behind a pass (a chunk map's start)
	textPass  = 64 << 10 // bytes gathered before a pass
)

func (e *textExtractor) Write(p []byte) (int, error) {
	e.buf = append(e.buf, p...)
	if len(e.buf)-int(e.done-e.off) >= textPass+textTail {
		e.scan(false)
	}
	return len(p), nil
}

func (e *textExtractor) Close() ([]Link, []string) {
	e.scan(true)
	if e.css {
		return e.l.out, e.l.warnings()
	}
	e.chunks.links(e.base, &e.l)
	if e.vite {
		e.l.add(cmp.Or(e.viteBase, e.siteRoot()), ".vite/manifest.json", Asset, true, "Vite build manifest")
	}
	for _, r := range e.bare {
		e.l.add(e.bareBase(r.ref, r.bundle), r.ref, r.kind, true, r.via)
	}
	e.frameworks.links(e)
	if base := cmp.Or(e.declared, e.runtime); base != nil {
		for i := range e.l.out {
			if e.l.out[i].Base == nil && e.l.out[i].Kind == Asset {
				e.l.out[i].Base = base
			}
		}
	}
	return e.l.out, append(e.l.warnings(), e.frameworks.warnings()...)
}

var assetExts = []string{".js", ".mjs", ".cjs", ".css", ".map", ".json", ".html"}

func hasAssetExt(b []byte) bool {
	for _, x := range assetExts {
		if bytes.HasSuffix(b, []byte(x)) {
			return true
		}
	}
	return false
}

// scan finds, with one vector search, the places where a quoted asset path
// or "sourceMappingURL=" can end (see simd.AssetEnd), and reads the
// reference there; then runtime calls and the marks of manifests and
// chunk maps. Without final it leaves the last textTail bytes for the next
// pass, and keeps textBack bytes behind them for look-backs.
func (e *textExtractor) scan(final bool) {
	b := e.buf
	limit := len(b)
	if !final {
		limit = max(len(b)-textTail, 0)
	}
	// Calls and marks first: what they name keeps the kind they give it
	// (a precache entry or a fetch of a page is loaded, not navigated to).
	if !e.css {
		from := max(int(e.done-e.off), 0)
		e.calls(from, limit)
		e.marks(from, limit)
		e.frameworkMarksAt(from, limit)
		e.frameworks.feed(e.off, b, final)
	}
	for from := max(int(e.done-e.off), 0); from < limit; {
		i := simd.AssetEnd(b[from:min(limit+2, len(b))])
		if i < 0 {
			break
		}
		k := from + i
		from = k + 1
		t := k + 2 // the terminator
		if b[t] == '=' {
			if bytes.HasSuffix(b[:t], []byte("sourceMappingURL")) {
				s := t + 1
				end := s
				for end < len(b) && !bytes.ContainsRune([]byte(" \t\r\n\"'*`"), rune(b[end])) {
					end++
				}
				e.add(string(b[s:end]), true, "sourceMappingURL") // maps are often not deployed: a 404 is good news
			}
			continue
		}
		if !hasAssetExt(b[:t]) {
			continue
		}
		// The literal ends here, or goes on with a query or fragment.
		term := t
		if b[term] == '?' || b[term] == '#' {
			for term < len(b) && term-t < 256 && !isDelim(b[term]) {
				term++
			}
		}
		if term >= len(b) || !isDelim(b[term]) || (b[term] == ')' && !e.css) {
			continue
		}
		start := t - 1
		for start >= 0 && t-start < textCarry && !isDelim(b[start]) {
			start--
		}
		if start < 0 || t-start >= textCarry {
			continue
		}
		// Only a quoted string or a CSS url( ) counts, never bare words.
		open, closer := b[start], b[term]
		if !(open == closer && (open == '"' || open == '\'' || open == '`') || open == '(' && closer == ')') {
			continue
		}
		lit := string(b[start+1 : term])
		// ".chunk.js" and ".js" are suffixes a runtime glues names onto, not paths.
		if strings.ContainsAny(lit, " \\*{}$<>|^") || lit[0] == '.' && !strings.HasPrefix(lit, "./") && !strings.HasPrefix(lit, "../") {
			continue
		}
		e.add(lit, true, "string literal")
	}
	e.done = e.off + int64(limit)
	if !final {
		keep := max(limit-textBack, 0)
		e.off += int64(keep)
		e.buf = append(e.buf[:0], b[keep:]...)
	}
}

// add resolves a reference the way its context does: in CSS and for source
// maps and ./ ../ paths, relative to the file; a bare "assets/x.js" in
// JavaScript or JSON once the text is read, against its base (bareBase).
// An inline script's source map is left to its page (maps).
func (e *textExtractor) add(ref string, guess bool, via string) {
	e.addAs(ref, kindOf(ref), guess, via)
}

// addAs is add for a reference whose kind the context says.
func (e *textExtractor) addAs(ref string, kind Kind, guess bool, via string) {
	ref = strings.Trim(ref, `"'`)
	if ref == "" {
		return
	}
	if e.seen == nil {
		e.seen = map[string]bool{}
	}
	if e.seen[ref] {
		return
	}
	if len(e.l.out)+len(e.bare)+len(e.maps) >= MaxLinks {
		e.l.dropped++
		return
	}
	e.seen[ref] = true
	switch {
	case via == "sourceMappingURL" && e.inline:
		e.maps = append(e.maps, ref)
	case via != "sourceMappingURL" && !e.css && !strings.HasPrefix(ref, ".") && !strings.HasPrefix(ref, "/") && !strings.Contains(ref, "://"):
		e.bare = append(e.bare, bareRef{ref, via, kind, kind == Asset && !strings.HasPrefix(via, "runtime ")})
	default:
		e.l.add(e.base, ref, kind, guess, via)
	}
}

// kindOf says what following a reference costs: a page (.html, .htm) is
// navigated to, anything else is loaded.
func kindOf(ref string) Kind {
	p, _, _ := strings.Cut(ref, "?")
	p, _, _ = strings.Cut(p, "#")
	if ext := strings.ToLower(path.Ext(p)); ext == ".html" || ext == ".htm" {
		return Page
	}
	return Asset
}

// bareBase is what a bare path in JavaScript or JSON ("assets/x.js",
// "api/settings", not ./ or /) is relative to. In a Next.js chunk a
// "static/…" path is relative to the chunk base path, /_next/ (or wherever
// the site serves it from). A path whose first directory the file's own
// URL holds is relative to the part of that URL before it: Vite's
// "_astro/x.js" in /docs/_astro/y.js names /docs/_astro/x.js (its base is
// /docs/). Else a bundle's name is relative to the base the runtime
// declares (Qwik's q:base, Nuxt's buildAssetsDir, Vite's base), and
// anything else to the site root, as fetch means it from a page there.
func (e *textExtractor) bareBase(ref string, bundle bool) *url.URL {
	file := e.base
	root := *file
	root.Path, root.RawPath, root.RawQuery, root.Fragment = "/", "", "", ""
	dir, _, nested := strings.Cut(ref, "/")
	switch i := strings.Index(file.Path, "/_next/"); {
	case i >= 0 && strings.HasPrefix(ref, "static/"):
		root.Path = file.Path[:i+len("/_next/")]
	case strings.HasPrefix(ref, "static/chunks/"): // Next.js's own, outside its files
		root.Path = "/_next/"
	case nested && dir != "" && dir != "." && dir != ".." && strings.Contains(file.Path, "/"+dir+"/"):
		root.Path = file.Path[:strings.Index(file.Path, "/"+dir+"/")+1]
	case bundle && cmp.Or(e.declared, e.runtime) != nil:
		return cmp.Or(e.declared, e.runtime)
	}
	return &root
}

// stringAt reads the string literal that starts at b[i] (a quote, or a
// backquote without substitutions), up to 1024 bytes; it returns the value
// and where the literal ends.
func stringAt(b []byte, i int) (string, int, bool) {
	if i >= len(b) {
		return "", 0, false
	}
	q := b[i]
	if q != '"' && q != '\'' && q != '`' {
		return "", 0, false
	}
	for j := i + 1; j < len(b) && j-i < textCarry; j++ {
		switch c := b[j]; {
		case c == '\\' || c == '\n' || c == '\r' || c == '<' || c == '>' || c == ' ':
			return "", 0, false // an escape, a line, markup: not a plain URL literal
		case c == '$' && q == '`' && j+1 < len(b) && b[j+1] == '{':
			return "", 0, false // a substitution: known only at run time
		case c == q:
			if j == i+1 {
				return "", 0, false
			}
			return string(b[i+1 : j]), j + 1, true
		}
	}
	return "", 0, false
}

// pathLike says whether a string reads as a URL or an absolute or relative
// path, as a request method's argument would.
func pathLike(s string) bool {
	return strings.HasPrefix(s, "/") || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") ||
		strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func isDelim(c byte) bool {
	return c == '"' || c == '\'' || c == '`' || c == '(' || c == ')' || c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ','
}

func isIdent(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isPathByte(c byte) bool {
	return isIdent(c) && c != '$' || c == '-' || c == '.' || c == '/' || c == '~' || c == '@'
}
