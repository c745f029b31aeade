package crawl

import (
	"bytes"
	"net/url"
	"strings"

	"github.com/cratesguard/cratesguard/internal/simd"
)

// textExtractor finds links in JavaScript, CSS and JSON without running
// or fully parsing them: sourceMappingURL comments, and string literals
// (or CSS url()/@import targets) that look like paths to scripts, styles,
// source maps or JSON, which covers static and dynamic imports and the
// chunk names bundlers write into their runtimes.
type textExtractor struct {
	base   *url.URL
	css    bool
	chunks chunkMaps // webpack's chunk maps (JavaScript)
	// What manifests found: a Next.js path, its build id, Vite.
	sawNext, buildID, vite bool
	buf                    []byte
	off                    int64 // absolute offset of buf[0]
	done                   int64 // matches ending before this absolute offset were handled
	l                      links
	seen                   map[string]bool
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
	if !e.css {
		e.chunks.links(e.base, &e.l)
	}
	return e.l.out, e.l.warnings()
}

var assetExts = []string{".js", ".mjs", ".cjs", ".css", ".map", ".json"}

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
	if !e.css {
		from := max(int(e.done-e.off), 0)
		e.calls(from, limit)
		e.marks(from, limit)
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
// JavaScript or JSON is what bundlers write relative to the site root.
func (e *textExtractor) add(ref string, guess bool, via string) {
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
	if e.l.full() {
		return
	}
	e.seen[ref] = true
	base := e.base
	if via != "sourceMappingURL" && !e.css && !strings.HasPrefix(ref, ".") && !strings.HasPrefix(ref, "/") && !strings.Contains(ref, "://") {
		base = bareBase(e.base, ref)
	}
	e.l.add(base, ref, Asset, guess, via)
}

// bareBase is what a bare path in JavaScript ("assets/x.js", "api/settings",
// not ./ or /) is relative to: what bundlers and fetch mean by it, the site
// root; but in a Next.js chunk a "static/…" path is relative to the chunk
// base path, /_next/ (or wherever the site serves it from).
func bareBase(file *url.URL, ref string) *url.URL {
	root := *file
	root.Path, root.RawPath, root.RawQuery = "/", "", ""
	switch i := strings.Index(file.Path, "/_next/"); {
	case i >= 0 && strings.HasPrefix(ref, "static/"):
		root.Path = file.Path[:i+len("/_next/")]
	case strings.HasPrefix(ref, "static/chunks/"): // Next.js's own, outside its files
		root.Path = "/_next/"
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
