package crawl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/net/html"

	"github.com/cratesguard/cratesguard/internal/simd"
)

// Kind says whether a link costs a hop of depth.
type Kind int

// Link kinds.
const (
	// Asset is loaded by the document that names it (script, stylesheet,
	// preload, source map, import, chunk): it does not use up depth.
	Asset Kind = iota
	// Page is navigated to (a href, iframe, form, sitemap entry): one hop.
	Page
)

// Link is a URL found in content.
type Link struct {
	URL  *url.URL
	Kind Kind
	// Guess marks links that may well not exist (string literals that look
	// like asset paths, probed well-known files): a 404 there is skipped,
	// not failed.
	Guess bool
	// Via says how it was found, for reports: "script src", "sourceMappingURL"…
	Via string
	// Probe marks the well-known files --probe asks for: fetched even at --depth 0.
	Probe bool
}

// Extractor collects links from content written to it in any pieces.
type Extractor interface {
	io.Writer
	// Close ends the input and returns the links found, at most MaxLinks,
	// with warnings about what was passed over (links past the cap, an
	// HTML token too long to read).
	Close() ([]Link, []string)
}

// MaxLinks bounds the links taken from one response: a page listing a
// million links must not grow memory without end. Past it, links are
// counted and reported.
const MaxLinks = 10000

// maxHTMLToken bounds what the HTML tokenizer buffers for one tag, text or
// comment (a 63 MB attribute): past it, that token is passed over and
// tokenizing starts again after it.
const maxHTMLToken = 1 << 20

// NewExtractor returns the extractor for a kind of content at base, or nil
// when that kind has no links to follow. Source maps have none worth
// fetching: their sources are names in the build, rarely deployed files.
func NewExtractor(c Content, base *url.URL) Extractor {
	switch c {
	case HTML:
		return newHTMLExtractor(base)
	case JS, JSON:
		return &textExtractor{base: base, css: false}
	case CSS:
		return &textExtractor{base: base, css: true}
	case Robots:
		return &lineExtractor{base: base, robots: true}
	case Sitemap:
		return &lineExtractor{base: base}
	}
	return nil
}

// links accumulates resolved links, skipping what cannot be fetched, up to
// MaxLinks.
type links struct {
	out     []Link
	dropped int
}

// full reports whether the cap is reached, counting the link that finds it so.
func (l *links) full() bool {
	if len(l.out) >= MaxLinks {
		l.dropped++
		return true
	}
	return false
}

// warnings says what was passed over.
func (l *links) warnings() []string {
	if l.dropped == 0 {
		return nil
	}
	return []string{fmt.Sprintf("more than %d links: %d more were not followed", MaxLinks, l.dropped)}
}

func (l *links) add(base *url.URL, ref string, k Kind, guess bool, via string) {
	if l.full() {
		return
	}
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return
	}
	lower := strings.ToLower(ref)
	for _, p := range []string{"javascript:", "mailto:", "tel:", "data:", "blob:", "about:"} {
		if strings.HasPrefix(lower, p) {
			return
		}
	}
	u, err := base.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return
	}
	u.Fragment = ""
	l.out = append(l.out, Link{URL: u, Kind: k, Guess: guess, Via: via})
}

// htmlExtractor runs x/net/html's tokenizer on the streamed page in a
// goroutine fed through a pipe, so a page is never held whole.
type htmlExtractor struct {
	pw      *io.PipeWriter
	wg      sync.WaitGroup
	base    *url.URL
	l       links
	tooLong int // tokens over maxHTMLToken
}

var assetRels = map[string]bool{"stylesheet": true, "preload": true, "modulepreload": true, "prefetch": true, "manifest": true}

func newHTMLExtractor(base *url.URL) *htmlExtractor {
	pr, pw := io.Pipe()
	e := &htmlExtractor{pw: pw, base: base}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.run(pr)
		io.Copy(io.Discard, pr) // never leave the writer blocked
	}()
	return e
}

func (e *htmlExtractor) Write(p []byte) (int, error) { return e.pw.Write(p) }

func (e *htmlExtractor) Close() ([]Link, []string) {
	e.pw.Close()
	e.wg.Wait()
	w := e.l.warnings()
	if e.tooLong > 0 {
		w = append(w, fmt.Sprintf("%d HTML token%s longer than %d KiB (a tag, attribute or text) passed over for links",
			e.tooLong, plural(e.tooLong), maxHTMLToken>>10))
	}
	return e.l.out, w
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (e *htmlExtractor) run(r io.Reader) {
	z := html.NewTokenizer(r)
	z.SetMaxBuf(maxHTMLToken)
	var inline *textExtractor // the inline <script> or <style> being read
	for {
		switch z.Next() {
		case html.ErrorToken:
			if !errors.Is(z.Err(), html.ErrBufferExceeded) {
				return
			}
			// A token too long to hold: pass it over and start again after
			// what was read of it (as text, until the next tag).
			e.tooLong++
			inline = nil
			z = html.NewTokenizer(r)
			z.SetMaxBuf(maxHTMLToken)
		case html.TextToken:
			if inline != nil {
				inline.Write(z.Text())
			}
		case html.EndTagToken:
			if inline != nil {
				ls, _ := inline.Close()
				for _, l := range ls {
					if !e.l.full() {
						e.l.out = append(e.l.out, l)
					}
				}
				inline = nil
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			tag := string(name)
			if (tag == "script" && attrs["src"] == "") || tag == "style" {
				inline = &textExtractor{base: e.base, css: tag == "style"}
			}
			e.tag(tag, attrs)
		}
	}
}

func (e *htmlExtractor) tag(tag string, a map[string]string) {
	switch tag {
	case "base":
		if u, err := e.base.Parse(a["href"]); err == nil && a["href"] != "" {
			e.base = u
		}
	case "script":
		e.l.add(e.base, a["src"], Asset, false, "script src")
	case "link":
		for _, rel := range strings.Fields(strings.ToLower(a["rel"])) {
			if assetRels[rel] {
				e.l.add(e.base, a["href"], Asset, false, "link rel="+rel)
				break
			}
		}
	case "a", "area":
		e.l.add(e.base, a["href"], Page, false, tag+" href")
	case "iframe", "frame":
		e.l.add(e.base, a["src"], Page, false, tag+" src")
	case "form":
		if m := strings.ToLower(a["method"]); m == "" || m == "get" {
			e.l.add(e.base, a["action"], Page, false, "form action")
		}
	}
}

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

// calls finds the URLs code loads at run time: a string literal (quoted,
// or a template literal without substitutions) passed to fetch, Request,
// XMLHttpRequest's open, axios/ky/ofetch-style and jQuery calls, a service
// worker's register, importScripts, Worker and SharedWorker, and URL
// (new URL("./w.js", import.meta.url)), whatever its extension: a config
// endpoint such as /api/settings is a leak's favourite place.
func (e *textExtractor) calls(from, limit int) {
	b := e.buf
	for from < limit {
		i := simd.CallQuote(b[from:min(limit+1, len(b))])
		if i < 0 {
			return
		}
		k := from + i
		from = k + 1
		callee := calleeAt(b, k)
		kind, ok := runtimeCallees[lastName(callee)]
		if !ok {
			continue
		}
		lit, end, ok := stringAt(b, k+1)
		if !ok {
			continue
		}
		if kind == calleeOpen { // xhr.open("GET", "/url"): the second argument
			j := end
			for j < len(b) && (b[j] == ' ' || b[j] == ',') {
				j++
			}
			if lit, _, ok = stringAt(b, j); !ok {
				continue
			}
		}
		if kind == calleeMethod && !pathLike(lit) {
			continue // .get("id") is a map's, not a request's
		}
		via := "runtime " + lastName(callee) + "()"
		if kind == calleeURL {
			// new URL("…", import.meta.url) is relative to the script itself.
			e.l.add(e.base, lit, Asset, true, via)
			continue
		}
		e.add(lit, true, via)
	}
}

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

func isPathByte(c byte) bool {
	return isIdent(c) && c != '$' || c == '-' || c == '.' || c == '/' || c == '~' || c == '@'
}

// The callees whose string argument is a URL loaded at run time.
const (
	calleeAny    = iota // any same-origin string: fetch("api/settings")
	calleeMethod        // only a path-like string: api.get("/settings")
	calleeOpen          // the second argument: xhr.open("GET", "/x")
	calleeURL           // relative to the script: new URL("./w.js", import.meta.url)
)

var runtimeCallees = map[string]int{
	"fetch": calleeAny, "Request": calleeAny, "Worker": calleeAny, "SharedWorker": calleeAny,
	"register": calleeAny, "importScripts": calleeAny, "getJSON": calleeAny, "getScript": calleeAny,
	"ofetch": calleeAny, "$fetch": calleeAny, "useFetch": calleeAny, "ky": calleeAny, "axios": calleeAny,
	"get": calleeMethod, "post": calleeMethod, "put": calleeMethod, "patch": calleeMethod, "head": calleeMethod,
	"delete": calleeMethod, "request": calleeMethod, "load": calleeMethod,
	"open": calleeOpen,
	"URL":  calleeURL,
}

// calleeAt returns the dotted name a call at b[k] (the "(") is made on.
func calleeAt(b []byte, k int) string {
	j := k
	for j > 0 && k-j < 64 && (isIdent(b[j-1]) || b[j-1] == '.') {
		j--
	}
	return string(b[j:k])
}

func lastName(callee string) string {
	if i := strings.LastIndexByte(callee, '.'); i >= 0 {
		return callee[i+1:]
	}
	return callee
}

func isIdent(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
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

// lineExtractor reads robots.txt (Sitemap, Allow and Disallow lines) and
// sitemaps (<loc> elements).
type lineExtractor struct {
	base   *url.URL
	robots bool
	buf    []byte
	l      links
}

func (e *lineExtractor) Write(p []byte) (int, error) {
	e.buf = append(e.buf, p...)
	if e.robots {
		for {
			i := bytes.IndexByte(e.buf, '\n')
			if i < 0 {
				break
			}
			e.line(string(e.buf[:i]))
			e.buf = e.buf[i+1:]
		}
		if len(e.buf) > 4096 {
			e.buf = e.buf[:0] // an absurd line: drop it
		}
		return len(p), nil
	}
	for {
		i := bytes.Index(e.buf, []byte("<loc>"))
		if i < 0 {
			if len(e.buf) > 8 {
				e.buf = e.buf[len(e.buf)-8:]
			}
			break
		}
		j := bytes.Index(e.buf[i:], []byte("</loc>"))
		if j < 0 {
			e.buf = e.buf[i:]
			if len(e.buf) > 4096 {
				e.buf = e.buf[:0]
			}
			break
		}
		loc := html.UnescapeString(string(e.buf[i+5 : i+j]))
		e.l.add(e.base, loc, Page, true, "sitemap")
		e.buf = e.buf[i+j+6:]
	}
	return len(p), nil
}

func (e *lineExtractor) Close() ([]Link, []string) {
	if e.robots && len(e.buf) > 0 {
		e.line(string(e.buf))
	}
	return e.l.out, e.l.warnings()
}

func (e *lineExtractor) line(s string) {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	k, v, ok := strings.Cut(s, ":")
	if !ok {
		return
	}
	v = strings.TrimSpace(v)
	switch strings.ToLower(strings.TrimSpace(k)) {
	case "sitemap":
		e.l.add(e.base, v, Page, true, "robots.txt Sitemap")
	case "allow", "disallow":
		if v != "" && v != "/" && !strings.ContainsAny(v, "*$") {
			e.l.add(e.base, v, Page, true, "robots.txt "+strings.ToLower(strings.TrimSpace(k)))
		}
	}
}
