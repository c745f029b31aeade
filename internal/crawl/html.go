package crawl

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"sync"

	"golang.org/x/net/html"
)

// maxHTMLToken bounds what the HTML tokenizer buffers for one tag, text or
// comment (a 63 MB attribute): past it, that token is passed over and
// tokenizing starts again after it.
const maxHTMLToken = 1 << 20

// htmlExtractor runs x/net/html's tokenizer on the streamed page in a
// goroutine fed through a pipe, so a page is never held whole.
type htmlExtractor struct {
	pw      *io.PipeWriter
	wg      sync.WaitGroup
	page    *url.URL // where the page was served
	base    *url.URL // what its links resolve against (<base href>)
	l       links
	tooLong int // tokens over maxHTMLToken
	// runtime is the base the page declares for its runtime's bundle
	// names: q:base (attrBase, which its attributes' names resolve
	// against too), or what an inline script declares (Nuxt's config).
	runtime, attrBase *url.URL
	attrSeen          map[string]bool // attribute paths followed (attrLinks)
	attrDropped       int
	// maps are the sourceMappingURLs of the inline scripts: where the
	// page's bundles live, not the page's folder, is what they are
	// relative to (Close).
	maps []string
}

var assetRels = map[string]bool{"stylesheet": true, "preload": true, "modulepreload": true, "prefetch": true, "manifest": true}

func newHTMLExtractor(base, runtime *url.URL) *htmlExtractor {
	pr, pw := io.Pipe()
	e := &htmlExtractor{pw: pw, page: base, base: base, runtime: runtime, attrSeen: map[string]bool{}}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.run(pr)
		io.Copy(io.Discard, pr) // never leave the writer blocked
	}()
	return e
}

func (e *htmlExtractor) Write(p []byte) (int, error) { return e.pw.Write(p) }

// Close ends the page. Its inline scripts' source maps are resolved
// against the base its runtime declares, else the folder most of its
// scripts are loaded from, else its own; and the assets it names carry the
// declared base (Link.Base).
func (e *htmlExtractor) Close() ([]Link, []string) {
	e.pw.Close()
	e.wg.Wait()
	if len(e.maps) > 0 {
		base := cmp.Or(e.runtime, e.scriptDir(), e.base)
		for _, m := range e.maps {
			e.l.add(base, m, Asset, true, "sourceMappingURL")
		}
	}
	if e.runtime != nil {
		for i := range e.l.out {
			if e.l.out[i].Base == nil && e.l.out[i].Kind == Asset {
				e.l.out[i].Base = e.runtime
			}
		}
	}
	w := append(e.l.warnings(), e.attrWarnings()...)
	if e.tooLong > 0 {
		w = append(w, fmt.Sprintf("%d HTML token%s longer than %d KiB (a tag, attribute or text) passed over for links",
			e.tooLong, plural(e.tooLong), maxHTMLToken>>10))
	}
	return e.l.out, w
}

// scriptDir is the folder most of the page's same-origin scripts are
// loaded from (the first of those tied), or nil.
func (e *htmlExtractor) scriptDir() *url.URL {
	count := map[string]int{}
	var best *url.URL
	for _, l := range e.l.out {
		u := l.URL
		if ext := path.Ext(u.Path); l.Kind != Asset || ext != ".js" && ext != ".mjs" || OriginOf(u) != OriginOf(e.page) {
			continue
		}
		dir := u.Path[:strings.LastIndexByte(u.Path, '/')+1]
		if count[dir]++; best == nil || count[dir] > count[best.Path] {
			best = &url.URL{Scheme: u.Scheme, Host: u.Host, Path: dir}
		}
	}
	return best
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
				e.endInline(inline)
				inline = nil
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			attrs := map[string]string{}
			var order []attr
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
				order = append(order, attr{string(k), string(v)})
			}
			tag := string(name)
			if (tag == "script" && attrs["src"] == "") || tag == "style" {
				inline = &textExtractor{base: e.base, css: tag == "style", inline: true, runtime: e.runtime}
			}
			if qb, ok := attrs["q:base"]; ok && qb != "" {
				if u, err := e.base.Parse(qb); err == nil && OriginOf(u) == OriginOf(e.page) {
					e.attrBase, e.runtime = u, u
				}
			}
			rels := e.tag(tag, attrs)
			e.attrLinks(tag, order, rels)
		}
	}
}

// endInline takes an inline script's links, its source map and the base it
// declares.
func (e *htmlExtractor) endInline(inline *textExtractor) {
	ls, _ := inline.Close()
	for _, l := range ls {
		if !e.l.full() {
			e.l.out = append(e.l.out, l)
		}
	}
	for _, m := range inline.maps {
		if len(e.maps)+len(e.l.out) >= MaxLinks {
			e.l.dropped++
			continue
		}
		e.maps = append(e.maps, m)
	}
	if inline.declared != nil {
		e.runtime = inline.declared
	}
}

// tag follows the attributes that name links by HTML's rules; it reports
// whether a link's href was followed for its rel.
func (e *htmlExtractor) tag(tag string, a map[string]string) bool {
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
				return true
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
	return false
}
